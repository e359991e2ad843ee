// ListOptions out of range are an error before any request: a page size of
// 0 (max-keys=0) would list nothing, page after page, without a word.
#include "s3loop/exec/strategy.hpp"
#include "s3loop/jobs/list_job.hpp"
#include "s3loop/s3/client.hpp"

#include <gtest/gtest.h>

namespace s3loop::jobs {
namespace {

exec::RunReport run(ListOptions options) {
  options.location = {"bucket", "prefix/"};
  ListJob job(std::move(options));
  s3::ClientShared shared;  // no endpoint: any request would fail differently
  auto report = exec::make_strategy(exec::Settings{}).value()->run(job, shared);
  EXPECT_EQ(shared.net_counters.requests.load(), 0u);
  return report;
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
  ListOptions no_concurrency;
  no_concurrency.recursive = true;
  no_concurrency.list_concurrency = 0;
  const auto report = run(no_concurrency);
  ASSERT_TRUE(report.job_error);
  EXPECT_NE(report.job_error->message.find("list_concurrency"), std::string::npos);
}

}  // namespace
}  // namespace s3loop::jobs
