// What a job throws ends as an error of what it was doing, the same under
// every strategy: an item's failure, or the run's job_error. A review found
// work thrown from the async-pool's CPU pool ending the process
// (std::terminate), the serial strategy dropping a listing's exception (a
// cut-off listing reported as a whole, exit 0), and an exception of no
// std::exception type leaving the consumers waiting forever.
#include "s3loop/exec/strategy.hpp"
#include "s3loop/s3/client.hpp"

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>
#include <string>

namespace s3loop::exec {
namespace {

namespace asio = boost::asio;

constexpr StrategyKind kEveryStrategy[] = {StrategyKind::serial, StrategyKind::threads,
                                           StrategyKind::async, StrategyKind::async_pool};

// A job whose listing emits `count` keys: k0, k1, ...
class EmitsKeysJob : public Job {
 public:
  explicit EmitsKeysJob(int count) : count_(count) {}
  asio::awaitable<Result<void>> produce(s3::Client&, const Emit& emit) override {
    for (int i = 0; i < count_; ++i) {
      WorkItem item;
      item.object.key = "k" + std::to_string(i);
      if (!co_await emit(std::move(item))) break;
    }
    co_return Result<void>();
  }

 private:
  int count_;
};

// Three items whose CPU step throws (parsing a reply, evaluating a range).
class ThrowingCpuJob final : public EmitsKeysJob {
 public:
  ThrowingCpuJob() : EmitsKeysJob(3) {}
  asio::awaitable<Result<std::uint64_t>> process(WorkerContext& context, const WorkItem&) override {
    co_await context.run_cpu([] { throw std::runtime_error("cpu work threw"); });
    co_return 1;
  }
};

// A listing that throws after two items: with a std::exception, or not.
class ThrowingProducerJob final : public Job {
 public:
  explicit ThrowingProducerJob(bool standard) : standard_(standard) {}
  asio::awaitable<Result<void>> produce(s3::Client&, const Emit& emit) override {
    for (int i = 0; i < 2; ++i) {
      WorkItem item;
      item.object.key = "k" + std::to_string(i);
      if (!co_await emit(std::move(item))) co_return Result<void>();
    }
    if (standard_) throw std::runtime_error("listing parser blew up");
    throw 42;
  }
  asio::awaitable<Result<std::uint64_t>> process(WorkerContext&, const WorkItem&) override {
    co_return 1;
  }

 private:
  bool standard_;
};

// Items that fail, and whose description throws std::bad_alloc (out of
// memory while the failure is recorded: outside the try around process()).
class ThrowingDescribeJob final : public EmitsKeysJob {
 public:
  ThrowingDescribeJob() : EmitsKeysJob(5) {}
  asio::awaitable<Result<std::uint64_t>> process(WorkerContext&, const WorkItem&) override {
    co_return make_error(ErrorKind::network, "failed");
  }
  std::string describe(const WorkItem&) const override { throw std::bad_alloc(); }
};

// A review's finding: under `ulimit -v` a consumer coroutine died of an
// exception outside process_one's catch, never counted itself out, and the
// run waited for it for ever (co_spawn's detached drops the exception).
TEST(StrategyErrors, AnExceptionOutsideAnItemStopsTheRunAndSaysOutOfMemory) {
  for (const StrategyKind kind : kEveryStrategy) {
    SCOPED_TRACE(strategy_name(kind));
    Settings settings;
    settings.kind = kind;
    settings.threads = 2;
    s3::ClientShared shared;
    ThrowingDescribeJob job;
    const RunReport report = make_strategy(settings).value()->run(job, shared);
    ASSERT_TRUE(report.job_error);
    EXPECT_EQ(report.job_error->message.rfind("out of memory: lower --concurrency", 0), 0u)
        << report.job_error->message;
    EXPECT_EQ(report.succeeded, 0u);
  }
}

TEST(StrategyErrors, WorkThrownOnTheCpuPoolFailsItsItemOnly) {
  for (const StrategyKind kind : kEveryStrategy) {
    SCOPED_TRACE(strategy_name(kind));
    Settings settings;
    settings.kind = kind;
    settings.threads = 2;
    s3::ClientShared shared;
    ThrowingCpuJob job;
    const RunReport report = make_strategy(settings).value()->run(job, shared);
    EXPECT_FALSE(report.job_error) << report.job_error->message;
    EXPECT_EQ(report.produced, 3u);
    EXPECT_EQ(report.succeeded, 0u);
    EXPECT_EQ(report.failed, 3u);
    ASSERT_EQ(report.failures.size(), 3u);
    for (const Failure& failure : report.failures) {
      EXPECT_EQ(failure.error.message, "internal error: cpu work threw");
    }
  }
}

TEST(StrategyErrors, AListingThatThrowsIsTheRunsError) {
  for (const bool standard : {true, false}) {
    for (const StrategyKind kind : kEveryStrategy) {
      SCOPED_TRACE(std::string(strategy_name(kind)) + (standard ? " std" : " int"));
      Settings settings;
      settings.kind = kind;
      s3::ClientShared shared;
      ThrowingProducerJob job(standard);
      const RunReport report = make_strategy(settings).value()->run(job, shared);
      ASSERT_TRUE(report.job_error);
      EXPECT_EQ(report.job_error->message, standard
                                               ? "internal error: listing parser blew up"
                                               : "internal error: an exception of unknown type");
      EXPECT_EQ(report.produced, 2u);
      EXPECT_EQ(report.succeeded, 2u);
    }
  }
}

// A review's finding: a TLS handshake the server closed by chance (retried, then given up)
// stopped the whole job like an untrusted certificate: a 308-object copy ended after 69.
TEST(StrategyErrors, OnlyATlsErrorEveryConnectionMeetsStopsTheJob) {
  Error untrusted = make_error(ErrorKind::tls, "certificate verify failed");
  untrusted.retryable = false;
  EXPECT_TRUE(fails_whole_job(untrusted));
  Error dropped = make_error(ErrorKind::tls, "TLS handshake failed: stream truncated");
  dropped.retryable = true;
  EXPECT_FALSE(fails_whole_job(dropped));
  EXPECT_TRUE(fails_whole_job(make_error(ErrorKind::credentials, "rejected")));
  // A proxy's 407 after the first requests (credentials expired mid-run):
  // every later request meets it too (a review's finding: 400 lines of it).
  EXPECT_TRUE(fails_whole_job(make_error(ErrorKind::config, "proxy p:3128 refused ... 407")));
  EXPECT_FALSE(fails_whole_job(make_error(ErrorKind::s3, "access denied to s3://b/k")));
}

}  // namespace
}  // namespace s3loop::exec
