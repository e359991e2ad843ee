// ListOptions out of range are an error before any request: a page size of
// 0 (max-keys=0) would list nothing, page after page, without a word.
#include "s3loop/exec/strategy.hpp"
#include "s3loop/jobs/list_job.hpp"
#include "s3loop/s3/client.hpp"

#include <gtest/gtest.h>

namespace s3loop::jobs {
namespace {

exec::RunReport run_at(ListOptions options) {
  ListJob job(std::move(options));
  s3::ClientShared shared;  // no endpoint: any request would fail differently
  auto report = exec::make_strategy(exec::Settings{}).value()->run(job, shared);
  EXPECT_EQ(shared.net_counters.requests.load(), 0u);
  return report;
}

exec::RunReport run(ListOptions options) {
  options.location = {"bucket", "prefix/"};
  return run_at(std::move(options));
}

TEST(ListOptions, APageSizeOutsideMaxKeysIsAnError) {
  for (const bool recursive : {false, true}) {
    for (const int page_size : {0, -1, 1001}) {
      ListOptions options;
      options.recursive = recursive;
      options.page_size = page_size;
      const auto report = run(options);
      ASSERT_TRUE(report.job_error) << page_size;
      EXPECT_EQ(report.job_error->kind, ErrorKind::usage);
      EXPECT_NE(report.job_error->message.find("page_size must be between 1 and 1000"),
                std::string::npos)
          << report.job_error->message;
    }
  }
}

// 40,000 ListObjectsV2 requests "in flight" for a 314-key prefix cost 40 s of planning.
TEST(ListOptions, AListConcurrencyOutsideTheCommandsRangeIsAnError) {
  for (const int concurrency : {0, -3, 1025, 100'000}) {
    ListOptions options;
    options.recursive = true;
    options.list_concurrency = concurrency;
    const auto report = run(options);
    ASSERT_TRUE(report.job_error) << concurrency;
    EXPECT_EQ(report.job_error->message,
              "ListOptions::list_concurrency must be between 1 and 1024, got " +
                  std::to_string(concurrency));
  }
}

// A location built by hand skips parse_s3_url: no bucket listed ListBuckets and said its reply
// was no ListObjectsV2 reply.
TEST(ListOptions, ABucketNameNoBucketCanHaveIsAnError) {
  for (const char* bucket : {"", "Bad Bucket", "a"}) {
    ListOptions options;
    options.location = {bucket, "x/"};
    const auto report = run_at(options);
    ASSERT_TRUE(report.job_error) << bucket;
    EXPECT_EQ(report.job_error->kind, ErrorKind::usage);
    EXPECT_TRUE(report.job_error->message.starts_with("ListOptions::location: bucket name"))
        << report.job_error->message;
  }
}

}  // namespace
}  // namespace s3loop::jobs
