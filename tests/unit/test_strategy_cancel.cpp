// The Strategy interface as a library caller meets it: settings out of range
// are an error, not a hang or a crash, and cancel() cuts off the requests in
// flight without the caller wiring ClientShared::interrupted (the command
// does; a program of its own need not know of it). Over loopback TCP to a
// peer, on a thread of its own, that reads every request and never answers.
#include "loopback_peer.hpp"
#include "s3loop/exec/run_once.hpp"
#include "s3loop/exec/strategy.hpp"
#include "s3loop/s3/client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace s3loop::exec {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using net::test_support::LoopbackPeer;

// Four objects, each a HEAD that the stalled peer never answers.
class StalledHeadsJob final : public Job {
 public:
  asio::awaitable<Result<void>> produce(s3::Client&, const Emit& emit) override {
    for (int i = 0; i < 4; ++i) {
      WorkItem item;
      item.object.key = "k" + std::to_string(i);
      if (!co_await emit(std::move(item))) break;
    }
    co_return Result<void>();
  }
  asio::awaitable<Result<std::uint64_t>> process(WorkerContext& context,
                                                 const WorkItem& item) override {
    auto head = co_await context.client().head_object("bucket", item.object.key);
    if (!head) co_return head.error();
    co_return 0;
  }
};

// Items without requests: counts how often the job was produced and processed.
class CountingJob final : public Job {
 public:
  asio::awaitable<Result<void>> produce(s3::Client&, const Emit& emit) override {
    ++produced;
    for (int i = 0; i < 3; ++i) {
      WorkItem item;
      item.object.key = "k" + std::to_string(i);
      if (!co_await emit(std::move(item))) break;
    }
    co_return Result<void>();
  }
  asio::awaitable<Result<std::uint64_t>> process(WorkerContext&, const WorkItem&) override {
    ++processed;
    co_return 1;
  }
  std::atomic<int> produced{0};
  std::atomic<int> processed{0};
};

// A job holds one run's results: run again, a ListJob counted its keys twice and a SelectJob
// wrote nothing and reported success. The second run is refused; a strategy cancelled before
// its run leaves the job unused (and sends nothing).
TEST(JobRuns, AJobRunsOnceAndACancelledStrategyLeavesItUnused) {
  for (const StrategyKind kind : {StrategyKind::serial, StrategyKind::threads, StrategyKind::async,
                                  StrategyKind::async_pool}) {
    SCOPED_TRACE(strategy_name(kind));
    Settings settings;
    settings.kind = kind;
    s3::ClientShared shared;
    CountingJob job;
    auto cancelled = make_strategy(settings).value();
    cancelled->cancel();
    const RunReport none = cancelled->run(job, shared);
    EXPECT_TRUE(none.cancelled);
    EXPECT_FALSE(none.job_error);
    EXPECT_EQ(job.produced.load(), 0);

    const RunReport first = make_strategy(settings).value()->run(job, shared);
    EXPECT_FALSE(first.job_error);
    EXPECT_EQ(first.succeeded, 3u);
    const RunReport second = make_strategy(settings).value()->run(job, shared);
    ASSERT_TRUE(second.job_error);
    EXPECT_EQ(second.job_error->kind, ErrorKind::usage);
    EXPECT_NE(second.job_error->message.find("this job has run already"), std::string::npos);
    EXPECT_EQ(second.produced, 0u);
    EXPECT_EQ(job.produced.load(), 1);
    EXPECT_EQ(job.processed.load(), 3);
    EXPECT_EQ(shared.net_counters.requests.load(), 0u);
  }
}

TEST(StrategySettings, OutOfRangeIsAnErrorNotAHangOrACrash) {
  for (const StrategyKind kind : {StrategyKind::serial, StrategyKind::threads, StrategyKind::async,
                                  StrategyKind::async_pool}) {
    Settings zero_concurrency;
    zero_concurrency.kind = kind;
    zero_concurrency.concurrency = 0;
    auto made = make_strategy(zero_concurrency);
    ASSERT_FALSE(made) << strategy_name(kind);
    EXPECT_EQ(made.error().kind, ErrorKind::usage);
    Settings no_loops;
    no_loops.kind = kind;
    no_loops.loops = 0;
    EXPECT_FALSE(make_strategy(no_loops)) << strategy_name(kind);
    Settings negative_threads;
    negative_threads.kind = kind;
    negative_threads.threads = -1;
    auto refused = make_strategy(negative_threads);
    ASSERT_FALSE(refused) << strategy_name(kind);
    // 0 is the default, so the range says so (it read "between 1 and 1024").
    EXPECT_EQ(refused.error().message,
              "--threads must be between 1 and 1024, or 0 for the strategy's default (got -1)");
    Settings defaults;
    defaults.kind = kind;
    EXPECT_TRUE(make_strategy(defaults)) << strategy_name(kind);
  }
}

TEST(StrategyCancel, CutsOffRequestsInFlightWithoutTheCallersWiring) {
  asio::io_context peer_loop;
  auto keep_running = asio::make_work_guard(peer_loop);
  LoopbackPeer peer(peer_loop, LoopbackPeer::Mode::stall);
  std::thread peer_thread([&] { peer_loop.run(); });

  for (const StrategyKind kind : {StrategyKind::serial, StrategyKind::threads, StrategyKind::async,
                                  StrategyKind::async_pool}) {
    s3::ClientShared shared;
    shared.options.endpoint = peer.endpoint();
    shared.options.credentials = {"AKIDEXAMPLE", "secret", ""};
    shared.options.timeouts.first_byte = 60s;  // the cancel, not a deadline, must end it
    Settings settings;
    settings.kind = kind;
    settings.concurrency = 4;
    settings.threads = 2;
    auto strategy = make_strategy(settings).value();
    StalledHeadsJob job;
    std::thread canceller([&] {
      std::this_thread::sleep_for(300ms);
      strategy->cancel();
    });
    const auto started = std::chrono::steady_clock::now();
    const RunReport report = strategy->run(job, shared);
    const auto took = std::chrono::steady_clock::now() - started;
    canceller.join();
    EXPECT_LT(took, 10s) << strategy_name(kind);  // not the 60 s deadline, nor retries
    EXPECT_TRUE(report.cancelled) << strategy_name(kind);
    EXPECT_FALSE(report.job_error) << strategy_name(kind) << ": " << report.job_error->message;
    EXPECT_EQ(report.succeeded, 0u);
    EXPECT_EQ(report.failed, 0u) << strategy_name(kind);  // cut off: interrupted, not failed
    EXPECT_GE(report.interrupted, 1u) << strategy_name(kind);
    // The flag went to the run's clients; the shared state was not written.
    EXPECT_EQ(shared.interrupted, nullptr);
  }
  keep_running.reset();
  peer_loop.stop();
  peer_thread.join();
}

// Two runs on one ClientShared at once: each cancel() cuts off its own run's
// requests, not the other's (a flag written into the shared state would be
// one flag for both, and outlive the strategy it belonged to).
TEST(StrategyCancel, RunsSharingAClientSharedAreCancelledApart) {
  asio::io_context peer_loop;
  auto keep_running = asio::make_work_guard(peer_loop);
  LoopbackPeer peer(peer_loop, LoopbackPeer::Mode::stall);
  std::thread peer_thread([&] { peer_loop.run(); });

  s3::ClientShared shared;
  shared.options.endpoint = peer.endpoint();
  shared.options.credentials = {"AKIDEXAMPLE", "secret", ""};
  shared.options.timeouts.first_byte = 60s;
  Settings settings;
  settings.concurrency = 4;
  auto first = make_strategy(settings).value();
  auto second = make_strategy(settings).value();
  StalledHeadsJob first_job, second_job;
  RunReport first_report, second_report;
  std::atomic<bool> first_done{false}, second_done{false};
  std::thread first_run([&] {
    first_report = first->run(first_job, shared);
    first_done = true;
  });
  std::thread second_run([&] {
    second_report = second->run(second_job, shared);
    second_done = true;
  });
  // Told by what ended, not by how long it took (shared machines are slow at
  // times): within a generous bound, as a hang would not be.
  auto wait_for = [](const std::atomic<bool>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    return done.load();
  };
  std::this_thread::sleep_for(300ms);  // both runs have their requests stalled
  first->cancel();
  EXPECT_TRUE(wait_for(first_done));  // its own cancel ended it
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(second_done);  // the first one's did not end the second
  second->cancel();
  EXPECT_TRUE(wait_for(second_done));  // its own did
  first_run.join();
  second_run.join();
  EXPECT_TRUE(first_report.cancelled);
  EXPECT_TRUE(second_report.cancelled);
  EXPECT_EQ(first_report.failed + second_report.failed, 0u);

  // A caller's own flag, set in the shared state, is the one that counts.
  std::atomic<bool> mine{false};
  shared.interrupted = &mine;
  auto third = make_strategy(settings).value();
  StalledHeadsJob third_job;
  std::thread setter([&] {
    std::this_thread::sleep_for(300ms);
    mine = true;
  });
  const auto third_started = std::chrono::steady_clock::now();
  const RunReport third_report = third->run(third_job, shared);
  setter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - third_started, 10s);
  EXPECT_GE(third_report.interrupted, 1u);
  EXPECT_EQ(third_report.failed, 0u);
  EXPECT_EQ(shared.interrupted, &mine);

  keep_running.reset();
  peer_loop.stop();
  peer_thread.join();
}

// An adaptive run's limit is its own: a run beside it on the same
// ClientShared sends its requests whatever room the adaptive one has. (The
// adaptive run's gate was written into the shared struct, so every client of
// it waited there -- and the pointer was cleared, the gate destroyed, under
// the other run when the first ended.) Both against a peer that never
// answers: the adaptive run at one request in flight holds its only room.
TEST(StrategyAdaptive, ARunBesideAnAdaptiveOneIsNotHeldToItsLimit) {
  asio::io_context peer_loop;
  auto keep_running = asio::make_work_guard(peer_loop);
  LoopbackPeer peer(peer_loop, LoopbackPeer::Mode::stall);
  std::thread peer_thread([&] { peer_loop.run(); });

  s3::ClientShared shared;
  shared.options.endpoint = peer.endpoint();
  shared.options.credentials = {"AKIDEXAMPLE", "secret", ""};
  shared.options.timeouts.first_byte = 60s;
  Settings adaptive_settings;
  adaptive_settings.concurrency = 1;
  adaptive_settings.adaptive = true;
  Settings plain_settings;
  plain_settings.concurrency = 4;
  auto adaptive = make_strategy(adaptive_settings).value();
  auto plain = make_strategy(plain_settings).value();
  StalledHeadsJob adaptive_job, plain_job;
  std::thread adaptive_run([&] { adaptive->run(adaptive_job, shared); });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (peer.received() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  // EXPECT, not ASSERT: returning here would destroy the running threads
  // unjoined (std::terminate) instead of reporting the failure.
  EXPECT_EQ(peer.received(), 1);
  std::thread plain_run([&] { plain->run(plain_job, shared); });
  while (peer.received() < 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(peer.received(), 5);  // the adaptive run's one and all four of the other's
  plain->cancel();
  adaptive->cancel();
  plain_run.join();
  adaptive_run.join();
  EXPECT_EQ(shared.attempt_gate, nullptr);
  keep_running.reset();
  peer_loop.stop();
  peer_thread.join();
}

// run_once has no strategy to cancel: the flag its header names,
// ClientShared::interrupted, cuts its requests off (a review: a library
// caller's plan_select under run_once ran on for the client's timeouts,
// the header silent on how to stop it).
TEST(RunOnce, IsStoppedByTheSharedInterruptFlag) {
  asio::io_context peer_loop;
  auto keep_running = asio::make_work_guard(peer_loop);
  LoopbackPeer peer(peer_loop, LoopbackPeer::Mode::stall);
  std::thread peer_thread([&] { peer_loop.run(); });

  std::atomic<bool> stop{false};
  s3::ClientShared shared;
  shared.options.endpoint = peer.endpoint();
  shared.options.credentials = {"AKIDEXAMPLE", "secret", ""};
  shared.options.timeouts.first_byte = 60s;  // the flag, not a deadline, must end it
  shared.interrupted = &stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop = true;
  });
  const auto started = std::chrono::steady_clock::now();
  auto head = run_once<s3::ObjectHead>(
      shared, [](s3::Client& client) { return client.head_object("bucket", "key"); });
  const auto took = std::chrono::steady_clock::now() - started;
  stopper.join();
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().kind, ErrorKind::cancelled) << head.error().message;
  EXPECT_LT(took, 10s);  // not the 60 s deadline, nor retries
  keep_running.reset();
  peer_loop.stop();
  peer_thread.join();
}

// An exception the body lets through comes back as an Error, as a strategy's
// run turns one into the item's or job's error (a review: it escaped
// run_once, whose callers expect a Result).
TEST(RunOnce, AnExceptionTheBodyLetsThroughIsAnError) {
  s3::ClientShared shared;
  auto thrown = run_once<int>(shared, [](s3::Client&) -> asio::awaitable<Result<int>> {
    throw std::runtime_error("the body threw");
    co_return 1;
  });
  ASSERT_FALSE(thrown);
  EXPECT_EQ(thrown.error().kind, ErrorKind::protocol);
  EXPECT_EQ(thrown.error().message, "internal error: the body threw");
  auto answered =
      run_once<int>(shared, [](s3::Client&) -> asio::awaitable<Result<int>> { co_return 7; });
  ASSERT_TRUE(answered);
  EXPECT_EQ(*answered, 7);
}

}  // namespace
}  // namespace s3loop::exec
