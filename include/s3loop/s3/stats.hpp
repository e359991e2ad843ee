// Per-operation counts and latency of S3 requests, recorded by the client
// and read by exec's metrics. Atomics: shared by every thread of a strategy.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace s3loop::s3 {

enum class Op : std::size_t {
  list_objects,
  head_object,
  get_object,
  put_object,
  copy_object,
  delete_objects,
  delete_object,
  create_multipart,
  upload_part_copy,
  complete_multipart,
  abort_multipart,
  list_multipart,
  create_bucket,
  delete_bucket,
  select_object,
  list_buckets,
  get_object_tagging,
  put_object_tagging,
  list_object_versions,
  get_bucket_versioning,
  put_bucket_versioning,
  count_  // number of operations
};
inline constexpr std::size_t kOpCount = static_cast<std::size_t>(Op::count_);

std::string_view op_name(Op op);

// Log-linear histogram of latencies (8 sub-buckets per power of two of
// microseconds: ~9% resolution up to ~2 minutes), lock-free.
class LatencyHistogram {
 public:
  static constexpr int kSubBuckets = 8;
  static constexpr int kPowers = 28;
  static constexpr int kBuckets = kSubBuckets * kPowers;

  void record(std::chrono::microseconds latency);
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Upper bound of the bucket holding quantile q in [0,1]; 0 when empty.
  std::chrono::microseconds percentile(double q) const;

  static int bucket_of(std::uint64_t micros);
  static std::uint64_t bucket_upper_bound(int bucket);

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::uint64_t> count_{0};
};

struct OpStats {
  std::atomic<std::uint64_t> attempts{0};  // every HTTP exchange, retries included
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> failures{0};  // gave up
  LatencyHistogram latency;                // per attempt, request sent to reply read
};

struct Stats {
  std::array<OpStats, kOpCount> ops;
  // Replies that asked the client to slow down (503, SlowDown): what the
  // adaptive concurrency limit reacts to.
  std::atomic<std::uint64_t> throttled{0};
  // Retryable errors not retried because the job's retry budget was spent.
  std::atomic<std::uint64_t> budget_refusals{0};
  OpStats& operator[](Op op) { return ops[static_cast<std::size_t>(op)]; }
  const OpStats& operator[](Op op) const { return ops[static_cast<std::size_t>(op)]; }
  std::uint64_t total_attempts() const;
  std::uint64_t total_retries() const;
};

}  // namespace s3loop::s3
