#include "live_server.hpp"

#include "common.hpp"

#include "s3loop/exec/strategy.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>

namespace s3loop::testing {

using boost::asio::awaitable;

std::unique_ptr<s3::ClientShared> live_client_shared() {
  if (std::getenv("AWS_ENDPOINT_URL") == nullptr) {
    ADD_FAILURE() << "AWS_ENDPOINT_URL is not set: run these tests through scripts/test.sh, "
                     "which starts the local S3 server";
    return nullptr;
  }
  auto shared = cli::make_client_shared(cli::CommonOptions{});
  if (!shared) {
    ADD_FAILURE() << shared.error().message;
    return nullptr;
  }
  return std::move(*shared);
}

std::string unique_bucket(const std::string& stem) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return fmt::format("{}-{:08x}-{}", stem, rd(), counter++);
}

namespace {

class SeedJob final : public exec::Job {
 public:
  SeedJob(std::string bucket, std::string prefix, int count)
      : bucket_(std::move(bucket)), prefix_(std::move(prefix)), count_(count) {}
  awaitable<Result<void>> produce(s3::Client&, const exec::Emit& emit) override {
    for (int i = 0; i < count_; ++i) {
      exec::WorkItem item;
      item.object.key = fmt::format("{}obj-{:05}", prefix_, i);
      item.object.size = static_cast<std::uint64_t>(i % 97);
      if (!co_await emit(std::move(item))) break;
    }
    co_return Result<void>();
  }
  awaitable<Result<std::uint64_t>> process(exec::WorkerContext& context,
                                           const exec::WorkItem& item) override {
    auto etag = co_await context.client().put_object(bucket_, item.object.key,
                                                     std::string(item.object.size, 'x'));
    if (!etag) co_return etag.error();
    co_return item.object.size;
  }

 private:
  std::string bucket_;
  std::string prefix_;
  int count_;
};

}  // namespace

void seed_objects(s3::ClientShared& shared, const std::string& bucket, const std::string& prefix,
                  int count) {
  auto created = exec::run_once<void>(
      shared, [&](s3::Client& client) { return client.ensure_bucket(bucket); });
  ASSERT_TRUE(created) << created.error().message;
  exec::Settings settings;
  settings.concurrency = 32;
  SeedJob job(bucket, prefix, count);
  auto report = exec::make_strategy(settings).value()->run(job, shared);
  ASSERT_EQ(report.failed, 0u);
  ASSERT_EQ(report.succeeded, static_cast<std::uint64_t>(count));
}

std::vector<s3::ObjectInfo> list_all(s3::ClientShared& shared, const std::string& bucket,
                                     const std::string& prefix) {
  std::vector<s3::ObjectInfo> all;
  auto listed = exec::run_once<void>(shared, [&](s3::Client& client) -> awaitable<Result<void>> {
    s3::ListParams params;
    params.bucket = bucket;
    params.prefix = prefix;
    for (;;) {
      auto page = co_await client.list_objects_v2(params);
      if (!page) co_return page.error();
      for (auto& o : page->objects) all.push_back(std::move(o));
      if (!page->is_truncated) co_return Result<void>();
      params.continuation_token = page->next_continuation_token;
    }
  });
  EXPECT_TRUE(listed) << (listed ? "" : listed.error().message);
  return all;
}

}  // namespace s3loop::testing
