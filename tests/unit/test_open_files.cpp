// The open-file check before a run: what the process needs besides its
// connections, and what the refusal tells the user to change.
#include "open_files.hpp"
#include "strategy_flags.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>

namespace s3loop::cli {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
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

// A copy's need: the strategy's, and the listing's connections and loop.
OpenFileNeed copy_need(exec::Settings settings, std::uint64_t listing = 16) {
  OpenFileNeed need = open_file_need(settings);
  need.connections += listing;
  need.event_loops += 1;
  need.settings += " with --list-concurrency " + std::to_string(listing);
  return need;
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
  EXPECT_TRUE(check_open_files(copy_need(async_at(162)), 200));
  EXPECT_FALSE(check_open_files(copy_need(async_at(163)), 200));

  // Under threads each worker is a connection and an event loop.
  auto threads = check_open_files(copy_need(threads_at(40)), 64);
  ASSERT_FALSE(threads);
  EXPECT_TRUE(has(threads.error().message,
                  "--threads 40 with --list-concurrency 16 needs up to 195 open files"))
      << threads.error().message;
  EXPECT_TRUE(has(threads.error().message, "lower --threads to 7 or fewer"))
      << threads.error().message;
  EXPECT_TRUE(check_open_files(copy_need(threads_at(7)), 64));
  EXPECT_FALSE(check_open_files(copy_need(threads_at(8)), 64));

  // Under async-pool a request in flight is a loop too, up to --loops (it said "raise the
  // limit" for --loops 40 -c 64 under 100 descriptors, where -c 16 runs; a review).
  exec::Settings pool = async_at(64);
  pool.kind = exec::StrategyKind::async_pool;
  pool.loops = 40;
  auto loops = check_open_files(copy_need(pool), 100);
  ASSERT_FALSE(loops);
  EXPECT_TRUE(has(loops.error().message, "lower --concurrency to 16 or fewer"))
      << loops.error().message;
  pool.concurrency = 16;
  EXPECT_TRUE(check_open_files(copy_need(pool), 100));
  pool.concurrency = 17;
  EXPECT_FALSE(check_open_files(copy_need(pool), 100));
  pool.loops = 4;  // past --loops, a unit is a connection alone
  pool.concurrency = 64;
  auto few_loops = check_open_files(copy_need(pool), 100);
  ASSERT_FALSE(few_loops);
  EXPECT_TRUE(has(few_loops.error().message, "lower --concurrency to 53 or fewer"))
      << few_loops.error().message;
  pool.concurrency = 53;
  EXPECT_TRUE(check_open_files(copy_need(pool), 100));

  // A serial copy holds one connection: only its listing's can be fewer.
  exec::Settings serial;
  serial.kind = exec::StrategyKind::serial;
  OpenFileNeed need = copy_need(serial, 100);
  need.flag = "--list-concurrency";
  need.flag_value = 100;
  auto listing = check_open_files(need, 64);
  ASSERT_FALSE(listing);
  EXPECT_TRUE(has(listing.error().message, "lower --list-concurrency to 41 or fewer"))
      << listing.error().message;
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

}  // namespace
}  // namespace s3loop::cli
