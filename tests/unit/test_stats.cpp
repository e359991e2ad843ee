#include "s3loop/s3/stats.hpp"

#include <gtest/gtest.h>

namespace s3loop::s3 {
namespace {

using std::chrono::microseconds;

TEST(LatencyHistogram, BucketsCoverEveryValueWithBoundedError) {
  for (std::uint64_t v :
       {0ull, 1ull, 7ull, 8ull, 9ull, 15ull, 16ull, 17ull, 1000ull, 123456ull, 50'000'000ull}) {
    const int b = LatencyHistogram::bucket_of(v);
    EXPECT_GE(LatencyHistogram::bucket_upper_bound(b), v) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::bucket_upper_bound(b - 1), v) << v;
    }
    // ~12.5% resolution at worst.
    EXPECT_LE(static_cast<double>(LatencyHistogram::bucket_upper_bound(b)),
              static_cast<double>(v) * 1.125 + 1)
        << v;
  }
}

TEST(LatencyHistogram, Percentiles) {
  LatencyHistogram h;
  EXPECT_EQ(h.percentile(0.5), microseconds(0));
  for (int i = 1; i <= 100; ++i) h.record(microseconds(i * 1000));  // 1..100 ms
  EXPECT_EQ(h.count(), 100u);
  const auto p50 = h.percentile(0.5).count();
  const auto p99 = h.percentile(0.99).count();
  EXPECT_GE(p50, 50'000);
  EXPECT_LE(p50, 57'000);
  EXPECT_GE(p99, 99'000);
  EXPECT_LE(p99, 112'000);
}

TEST(Stats, Totals) {
  Stats stats;
  stats[Op::copy_object].attempts += 3;
  stats[Op::copy_object].retries += 1;
  stats[Op::list_objects].attempts += 2;
  EXPECT_EQ(stats.total_attempts(), 5u);
  EXPECT_EQ(stats.total_retries(), 1u);
  EXPECT_EQ(op_name(Op::upload_part_copy), "UploadPartCopy");
  EXPECT_EQ(op_name(Op::list_buckets), "ListBuckets");
  EXPECT_EQ(op_name(Op::list_multipart), "ListMultipartUploads");
  EXPECT_EQ(op_name(Op::list_object_versions), "ListObjectVersions");
  EXPECT_EQ(op_name(Op::get_bucket_versioning), "GetBucketVersioning");
  EXPECT_EQ(op_name(Op::put_bucket_versioning), "PutBucketVersioning");
}

}  // namespace
}  // namespace s3loop::s3
