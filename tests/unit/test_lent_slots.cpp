// WorkerContext::run_parallel under every strategy: an item's sub-tasks use
// the slots idle consumers leave free and never put more work in flight than
// the strategy's bound; serial and threads run them one after another. No
// server: the items and tasks are timers.
#include "s3loop/exec/strategy.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <utility>

namespace s3loop::exec {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;

awaitable<void> pause(std::chrono::milliseconds how_long) {
  asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
  co_await timer.async_wait(asio::use_awaitable);
}

void raise_to(std::atomic<int>& high, int now) {
  int seen = high.load();
  while (now > seen && !high.compare_exchange_weak(seen, now)) {
  }
}

// `items` items; each does one request of its own (a pause), then runs
// `tasks` sub-tasks (pauses too) through run_parallel. `busy` counts the
// units of work in flight: an item in its own request, or a sub-task.
class SubTaskJob final : public Job {
 public:
  SubTaskJob(int items, std::size_t tasks, std::size_t at_most)
      : items_(items), tasks_(tasks), at_most_(at_most) {}

  // Sub-task `index` of every item returns false (stops the item's tasks).
  std::optional<std::size_t> stop_at;
  // Sub-task `index` of every item throws.
  std::optional<std::size_t> throw_at;

  awaitable<Result<void>> produce(s3::Client&, const Emit& emit) override {
    for (int i = 0; i < items_; ++i) {
      WorkItem item;
      item.object.key = "item-" + std::to_string(i);
      if (!co_await emit(std::move(item))) break;
    }
    co_return Result<void>();
  }

  awaitable<Result<std::uint64_t>> process(WorkerContext& context, const WorkItem& item) override {
    enter();
    co_await pause(2ms);
    leave();
    std::atomic<int> item_tasks{0};
    co_await context.run_parallel(tasks_, at_most_, [&](std::size_t index) -> awaitable<bool> {
      enter();
      raise_to(max_tasks_of_one_item_, ++item_tasks);
      {
        std::lock_guard lock(mutex_);
        started_.insert({item.index, index});
      }
      co_await pause(3ms);
      --item_tasks;
      leave();
      if (throw_at == index) throw std::runtime_error("task threw");
      co_return stop_at != index;
    });
    co_return std::uint64_t{1};
  }

  int max_busy() const { return max_busy_.load(); }
  int max_tasks_of_one_item() const { return max_tasks_of_one_item_.load(); }
  std::set<std::pair<std::uint64_t, std::size_t>> started() {
    std::lock_guard lock(mutex_);
    return started_;
  }

 private:
  void enter() { raise_to(max_busy_, ++busy_); }
  void leave() { --busy_; }

  const int items_;
  const std::size_t tasks_;
  const std::size_t at_most_;
  std::atomic<int> busy_{0};
  std::atomic<int> max_busy_{0};
  std::atomic<int> max_tasks_of_one_item_{0};
  std::mutex mutex_;
  std::set<std::pair<std::uint64_t, std::size_t>> started_;
};

RunReport run(SubTaskJob& job, StrategyKind kind, int concurrency, int threads = 0, int loops = 1) {
  Settings settings;
  settings.kind = kind;
  settings.concurrency = concurrency;
  settings.threads = threads;
  settings.loops = loops;
  s3::ClientShared shared;
  return make_strategy(settings).value()->run(job, shared);
}

TEST(LentSlots, OneItemUsesEveryIdleSlotUpToItsLimit) {
  SubTaskJob job(/*items=*/1, /*tasks=*/40, /*at_most=*/100);
  auto report = run(job, StrategyKind::async, 8);
  EXPECT_EQ(report.succeeded, 1u);
  EXPECT_EQ(job.started().size(), 40u);
  // Its own slot and the 7 the idle consumers left.
  EXPECT_EQ(job.max_tasks_of_one_item(), 8);
  EXPECT_EQ(job.max_busy(), 8);
  EXPECT_EQ(report.max_in_flight, 8u);

  SubTaskJob limited(1, 40, /*at_most=*/3);
  run(limited, StrategyKind::async, 8);
  EXPECT_EQ(limited.started().size(), 40u);
  EXPECT_EQ(limited.max_tasks_of_one_item(), 3);
}

TEST(LentSlots, ItemsAndTheirSubTasksTogetherStayWithinTheBound) {
  for (const auto& [kind, loops] :
       {std::pair{StrategyKind::async, 1}, std::pair{StrategyKind::async_pool, 2}}) {
    SubTaskJob job(/*items=*/30, /*tasks=*/6, /*at_most=*/10);
    auto report = run(job, kind, /*concurrency=*/6, /*threads=*/2, loops);
    EXPECT_EQ(report.succeeded, 30u);
    EXPECT_EQ(job.started().size(), 30u * 6u) << "every task of every item ran once";
    EXPECT_LE(job.max_busy(), 6);
    EXPECT_LE(report.max_in_flight, 6u);
    EXPECT_GE(job.max_busy(), 4) << "work should overlap";
  }
}

TEST(LentSlots, SerialAndThreadsRunSubTasksOneAfterAnother) {
  SubTaskJob serial(/*items=*/3, /*tasks=*/5, /*at_most=*/10);
  auto report = run(serial, StrategyKind::serial, 1);
  EXPECT_EQ(report.succeeded, 3u);
  EXPECT_EQ(serial.started().size(), 15u);
  EXPECT_EQ(serial.max_busy(), 1);

  SubTaskJob threads(/*items=*/6, /*tasks=*/5, /*at_most=*/10);
  report = run(threads, StrategyKind::threads, 1, /*threads=*/3);
  EXPECT_EQ(report.succeeded, 6u);
  EXPECT_EQ(threads.started().size(), 30u);
  EXPECT_EQ(threads.max_tasks_of_one_item(), 1);
  EXPECT_LE(threads.max_busy(), 3);
}

TEST(LentSlots, ATaskThatReturnsFalseStopsTheTasksNotYetStarted) {
  for (std::size_t at_most : {std::size_t{1}, std::size_t{4}}) {
    SubTaskJob job(/*items=*/1, /*tasks=*/40, at_most);
    job.stop_at = 2;
    auto report = run(job, StrategyKind::async, 4);
    EXPECT_EQ(report.succeeded, 1u);
    // Tasks 0-2 ran; with 4 at once, those already started with task 2
    // finish, and none after them starts.
    EXPECT_GE(job.started().size(), 3u);
    EXPECT_LE(job.started().size(), 2u + at_most);
  }
}

TEST(LentSlots, ATaskThatThrowsFailsItsItemAfterTheOthersEnded) {
  SubTaskJob job(/*items=*/2, /*tasks=*/10, /*at_most=*/4);
  job.throw_at = 5;
  auto report = run(job, StrategyKind::async, 8);
  EXPECT_EQ(report.failed, 2u);
  ASSERT_FALSE(report.failures.empty());
  EXPECT_NE(report.failures[0].error.message.find("task threw"), std::string::npos)
      << report.failures[0].error.message;
}

}  // namespace
}  // namespace s3loop::exec
