#include "s3loop/s3/stats.hpp"

#include <bit>

namespace s3loop::s3 {

std::string_view op_name(Op op) {
  switch (op) {
    case Op::list_objects:
      return "ListObjectsV2";
    case Op::head_object:
      return "HeadObject";
    case Op::get_object:
      return "GetObject";
    case Op::put_object:
      return "PutObject";
    case Op::copy_object:
      return "CopyObject";
    case Op::delete_objects:
      return "DeleteObjects";
    case Op::delete_object:
      return "DeleteObject";
    case Op::create_multipart:
      return "CreateMultipartUpload";
    case Op::upload_part_copy:
      return "UploadPartCopy";
    case Op::complete_multipart:
      return "CompleteMultipartUpload";
    case Op::abort_multipart:
      return "AbortMultipartUpload";
    case Op::list_multipart:
      return "ListMultipartUploads";
    case Op::create_bucket:
      return "CreateBucket";
    case Op::delete_bucket:
      return "DeleteBucket";
    case Op::select_object:
      return "SelectObjectContent";
    case Op::list_buckets:
      return "ListBuckets";
    case Op::get_object_tagging:
      return "GetObjectTagging";
    case Op::put_object_tagging:
      return "PutObjectTagging";
    case Op::list_object_versions:
      return "ListObjectVersions";
    case Op::get_bucket_versioning:
      return "GetBucketVersioning";
    case Op::put_bucket_versioning:
      return "PutBucketVersioning";
    case Op::count_:
      break;
  }
  return "?";
}

int LatencyHistogram::bucket_of(std::uint64_t micros) {
  if (micros < kSubBuckets) return static_cast<int>(micros);
  const int power = std::bit_width(micros) - 1;  // >= 3
  const int shift = power - 3;                   // keep the top 3 bits below the leading one
  const int sub = static_cast<int>((micros >> shift) & (kSubBuckets - 1));
  const int bucket = (power - 2) * kSubBuckets + sub;
  return bucket < kBuckets ? bucket : kBuckets - 1;
}

std::uint64_t LatencyHistogram::bucket_upper_bound(int bucket) {
  if (bucket < kSubBuckets) return static_cast<std::uint64_t>(bucket);
  const int power = bucket / kSubBuckets + 2;
  const int sub = bucket % kSubBuckets;
  const int shift = power - 3;
  const std::uint64_t low =
      (std::uint64_t{1} << power) | (static_cast<std::uint64_t>(sub) << shift);
  return low + (std::uint64_t{1} << shift) - 1;
}

void LatencyHistogram::record(std::chrono::microseconds latency) {
  const auto micros = static_cast<std::uint64_t>(std::max<std::int64_t>(0, latency.count()));
  buckets_[static_cast<std::size_t>(bucket_of(micros))].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::chrono::microseconds LatencyHistogram::percentile(double q) const {
  std::uint64_t total = 0;
  for (const auto& b : buckets_) total += b.load(std::memory_order_relaxed);
  if (total == 0) return std::chrono::microseconds(0);
  const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
    if (seen >= rank) {
      return std::chrono::microseconds(static_cast<std::int64_t>(bucket_upper_bound(i)));
    }
  }
  return std::chrono::microseconds(static_cast<std::int64_t>(bucket_upper_bound(kBuckets - 1)));
}

std::uint64_t Stats::total_attempts() const {
  std::uint64_t n = 0;
  for (const auto& op : ops) n += op.attempts.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t Stats::total_retries() const {
  std::uint64_t n = 0;
  for (const auto& op : ops) n += op.retries.load(std::memory_order_relaxed);
  return n;
}

}  // namespace s3loop::s3
