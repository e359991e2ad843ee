// The event loop runner that lets completions gather while many requests are
// in flight: it runs everything as io_context::run would, waits a window only
// after a poll that found work while busy, and blocks (no spinning) when
// nothing comes in.
#include "exec/batching_run.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <thread>
#include <vector>

namespace s3loop::exec {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct Recorder {
  int windows = 0;
  CompletionBatching batching(bool busy, std::chrono::microseconds window = 2ms) {
    CompletionBatching b;
    b.window = window;
    b.busy = [busy] { return busy; };
    b.sleep = [this](std::chrono::microseconds w) {
      ++windows;
      std::this_thread::sleep_for(w);
    };
    return b;
  }
};

// Ten timers a millisecond apart, each counting when it fires.
std::vector<std::unique_ptr<asio::steady_timer>> start_timers(asio::io_context& loop, int& fired) {
  std::vector<std::unique_ptr<asio::steady_timer>> timers;
  for (int i = 1; i <= 10; ++i) {
    timers.push_back(std::make_unique<asio::steady_timer>(loop, std::chrono::milliseconds(i)));
    timers.back()->async_wait([&fired](boost::system::error_code ec) {
      if (!ec) ++fired;
    });
  }
  return timers;
}

TEST(BatchingRun, WhileBusyCompletionsAreGatheredBetweenPolls) {
  asio::io_context loop{1};
  int fired = 0;
  auto timers = start_timers(loop, fired);
  Recorder recorder;
  run_batching(loop, recorder.batching(/*busy=*/true));
  EXPECT_EQ(fired, 10);
  EXPECT_GE(recorder.windows, 1);
  EXPECT_LE(recorder.windows, 10);  // at most one window per completion
}

TEST(BatchingRun, NotBusyItRunsAsRunDoes) {
  asio::io_context loop{1};
  int fired = 0;
  auto timers = start_timers(loop, fired);
  Recorder recorder;
  run_batching(loop, recorder.batching(/*busy=*/false));
  EXPECT_EQ(fired, 10);
  EXPECT_EQ(recorder.windows, 0);
}

TEST(BatchingRun, AZeroWindowNeverWaits) {
  asio::io_context loop{1};
  int fired = 0;
  auto timers = start_timers(loop, fired);
  Recorder recorder;
  run_batching(loop, recorder.batching(/*busy=*/true, 0us));
  EXPECT_EQ(fired, 10);
  EXPECT_EQ(recorder.windows, 0);
}

// The CPU time this thread has used.
std::chrono::nanoseconds thread_cpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Busy, but the one completion is 200 ms away: after the window that
// followed the last work, the loop blocks instead of polling every window
// (or polling without pause).
TEST(BatchingRun, WithNothingComingInItBlocksRatherThanSpins) {
  asio::io_context loop{1};
  asio::post(loop, [] {});
  bool fired = false;
  asio::steady_timer later(loop, 200ms);
  later.async_wait([&fired](boost::system::error_code ec) { fired = !ec; });
  Recorder recorder;
  const auto cpu_before = thread_cpu();
  run_batching(loop, recorder.batching(/*busy=*/true, 1ms));
  const auto cpu_used = thread_cpu() - cpu_before;
  EXPECT_TRUE(fired);
  EXPECT_LE(recorder.windows, 3);  // waiting a window at a time: ~200 of them
  EXPECT_LT(cpu_used, 20ms);       // polling without pause: most of the 200 ms
}

TEST(BatchingRun, StopEndsItWithWorkLeft) {
  asio::io_context loop{1};
  auto guard = asio::make_work_guard(loop);  // it would never run out of work
  int posted = 0;
  asio::post(loop, [&] {
    ++posted;
    asio::post(loop, [&] {
      ++posted;
      loop.stop();
    });
  });
  Recorder recorder;
  run_batching(loop, recorder.batching(/*busy=*/true));
  EXPECT_EQ(posted, 2);
  EXPECT_TRUE(loop.stopped());
}

}  // namespace
}  // namespace s3loop::exec
