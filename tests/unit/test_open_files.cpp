// The open-file check before a run: what the process needs besides its
// connections, and what the refusal tells the user to change.
#include "open_files.hpp"
#include "s3loop/exec/resources.hpp"
#include "strategy_flags.hpp"

#include <sys/resource.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <thread>

namespace s3loop::cli {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The library's raise, which the command calls at start and a program of its
// own may call (a review: a library program at concurrency 400 under a soft
// limit of 64 failed 2,587 of 3,000 copies, "Too many open files", where the
// command raised its limit): the soft limit goes up to the hard one, and the
// call says what is in force.
TEST(OpenFiles, TheLibraryRaisesTheSoftLimitToTheHardOne) {
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  if (before.rlim_max == RLIM_INFINITY || before.rlim_max < 128) {
    GTEST_SKIP() << "needs a finite hard limit of 128 or more";
  }
  rlimit lowered = before;
  lowered.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  const std::uint64_t in_force = exec::raise_open_file_limit();
  rlimit after{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, before.rlim_max);
  EXPECT_EQ(in_force, static_cast<std::uint64_t>(before.rlim_max));
  // Already at the hard limit: nothing to change, the same answer.
  EXPECT_EQ(exec::raise_open_file_limit(), in_force);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &before), 0);  // as the other tests found it
}

TEST(OpenFiles, EveryEventLoopCountsItsThreeDescriptors) {
  // Measured in /proc/PID/fd: a threads copy at 32 workers held 33 epoll,
  // 33 eventfd and 33 timerfd descriptors beside its sockets.
  exec::Settings threads;
  threads.kind = exec::StrategyKind::threads;
  threads.threads = 32;
  EXPECT_EQ(event_loops(threads), 32u);
  // The default as the strategy takes it, min(32, cores + 4): 32 refused a run
  // that fitted (a review).
  threads.threads = 0;
  const auto cores = std::max(1u, std::thread::hardware_concurrency());
  const std::uint64_t workers = std::min(32u, cores + 4);
  EXPECT_EQ(event_loops(threads), workers);
  EXPECT_EQ(connections_in_flight(threads), workers);
  exec::Settings pool;
  pool.kind = exec::StrategyKind::async_pool;
  pool.loops = 4;
  EXPECT_EQ(event_loops(pool), 4u);
  // No more loops run than requests may be in flight.
  pool.loops = 64;
  pool.concurrency = 10;
  EXPECT_EQ(event_loops(pool), 10u);
  exec::Settings async;
  EXPECT_EQ(event_loops(async), 1u);
  EXPECT_EQ(other_open_files(33), kProcessOpenFiles + 99);
}

// A copy's need at the default --list-concurrency.
OpenFileNeed copy_need(const exec::Settings& settings, std::uint64_t listing = 16) {
  return copy_open_file_need(settings, listing);
}

exec::Settings async_at(int concurrency) {
  exec::Settings settings;
  settings.concurrency = concurrency;
  return settings;
}

exec::Settings threads_at(int threads) {
  exec::Settings settings;
  settings.kind = exec::StrategyKind::threads;
  settings.threads = threads;
  return settings;
}

TEST(OpenFiles, WhatFitsPasses) {
  EXPECT_TRUE(check_open_files(open_file_need(async_at(200)), 200 + other_open_files(1)));
  EXPECT_FALSE(check_open_files(open_file_need(async_at(200)), 199 + other_open_files(1)));
  // A low limit that still has room: a review found `ulimit -n 64` refused
  // every command, even at one connection, while saying "lower it".
  EXPECT_TRUE(check_open_files(copy_need(async_at(1)), 64));
}

// Refused at `given`, the advice names `flag` and `fits`, which fits, and one more does not.
void expect_lowered_to(const std::function<OpenFileNeed(int)>& need_at, int given,
                       std::uint64_t limit, const std::string& flag, int fits) {
  auto refused = check_open_files(need_at(given), limit);
  ASSERT_FALSE(refused) << flag << " " << given;
  EXPECT_TRUE(
      has(refused.error().message, "lower " + flag + " to " + std::to_string(fits) + " or fewer"))
      << refused.error().message;
  EXPECT_TRUE(check_open_files(need_at(fits), limit)) << flag << " " << fits;
  EXPECT_FALSE(check_open_files(need_at(fits + 1), limit)) << flag << " " << fits + 1;
}

// What to lower, by how much: the flag's name and a value that fits (it said "lower the
// connections to 178", which counted the listing's 16 in, so -c 178 was refused again).
TEST(OpenFiles, TooManyConnectionsSaysWhichFlagToLowerAndHowFar) {
  auto refused = check_open_files(copy_need(async_at(200)), 200);
  ASSERT_FALSE(refused);
  const auto& message = refused.error().message;
  EXPECT_EQ(refused.error().kind, ErrorKind::usage);
  EXPECT_EQ(message,
            "--concurrency 200 with --list-concurrency 16 needs up to 238 open files (216 "
            "connections and 22 for the process itself), above this process's limit of 200: "
            "lower --concurrency to 162 or fewer, or raise the limit (ulimit -n 238)");
  expect_lowered_to([](int c) { return copy_need(async_at(c)); }, 200, 200, "--concurrency", 162);

  // Under threads each worker is a connection and an event loop.
  auto threads = check_open_files(copy_need(threads_at(40)), 64);
  ASSERT_FALSE(threads);
  EXPECT_TRUE(has(threads.error().message,
                  "--threads 40 with --list-concurrency 16 needs up to 195 open files"))
      << threads.error().message;
  expect_lowered_to([](int n) { return copy_need(threads_at(n)); }, 40, 64, "--threads", 7);

  // Under async-pool a request in flight is a loop too, up to --loops (it said "raise the
  // limit" for --loops 40 -c 64 under 100 descriptors, where -c 16 runs; a review).
  const auto pool_at = [](int loops) {
    return [loops](int concurrency) {
      exec::Settings pool = async_at(concurrency);
      pool.kind = exec::StrategyKind::async_pool;
      pool.loops = loops;
      return copy_need(pool);
    };
  };
  expect_lowered_to(pool_at(40), 64, 100, "--concurrency", 16);
  // Past --loops, a unit is a connection alone.
  expect_lowered_to(pool_at(4), 64, 100, "--concurrency", 53);

  // A serial copy holds one connection: only its listing's can be fewer.
  exec::Settings serial;
  serial.kind = exec::StrategyKind::serial;
  expect_lowered_to([&](int listing) { return copy_need(serial, listing); }, 100, 64,
                    "--list-concurrency", 41);
}

TEST(OpenFiles, ALimitWithNoRoomForAConnectionSaysToRaiseIt) {
  // The listing and the loops alone need 16 + 16 + 3 * 2 = 38 descriptors.
  auto refused = check_open_files(copy_need(async_at(1)), 30);
  ASSERT_FALSE(refused);
  const auto& message = refused.error().message;
  EXPECT_FALSE(has(message, "lower")) << message;
  EXPECT_TRUE(has(message, "raise the limit (ulimit -n 256)")) << message;
  auto far = check_open_files(open_file_need(async_at(400)), 10);
  ASSERT_FALSE(far);
  EXPECT_TRUE(has(far.error().message, "raise the limit (ulimit -n 419)")) << far.error().message;
  // Nothing to lower (one connection): raise it.
  exec::Settings serial;
  serial.kind = exec::StrategyKind::serial;
  auto one = check_open_files(open_file_need(serial), 18);
  ASSERT_FALSE(one);
  EXPECT_TRUE(has(one.error().message, "--strategy serial needs up to 20 open files"))
      << one.error().message;
  EXPECT_TRUE(has(one.error().message, "raise the limit (ulimit -n 256)")) << one.error().message;
}

// The threads default (--threads not given) is named as the strategy, not as "--threads 0".
TEST(OpenFiles, TheThreadsDefaultIsNamedByItsStrategy) {
  EXPECT_EQ(open_file_need(threads_at(0)).settings, "--strategy threads");
  EXPECT_EQ(open_file_need(threads_at(3)).settings, "--threads 3");
}

}  // namespace
}  // namespace s3loop::cli
