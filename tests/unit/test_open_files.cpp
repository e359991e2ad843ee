// The open-file check before a run: what the process needs besides its
// connections, and what the refusal tells the user to change.
#include "open_files.hpp"
#include "strategy_flags.hpp"

#include <gtest/gtest.h>

#include <string>

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
  threads.threads = 0;  // the default: at most 32
  EXPECT_EQ(event_loops(threads), 32u);
  exec::Settings pool;
  pool.kind = exec::StrategyKind::async_pool;
  pool.loops = 4;
  EXPECT_EQ(event_loops(pool), 4u);
  exec::Settings async;
  EXPECT_EQ(event_loops(async), 1u);
  EXPECT_EQ(other_open_files(33), kProcessOpenFiles + 99);
}

TEST(OpenFiles, WhatFitsPasses) {
  EXPECT_TRUE(check_open_files(200, 2, 200 + other_open_files(2), "--concurrency 200"));
  // A low limit that still has room: a review found `ulimit -n 64` refused
  // every command, even at one connection, while saying "lower it".
  EXPECT_TRUE(check_open_files(16, 2, 64, "--list-concurrency 16"));
  EXPECT_TRUE(check_open_files(1 + 16, 2, 64, "--concurrency 1 with --list-concurrency 16"));
}

TEST(OpenFiles, TooManyConnectionsSaysHowFarToLowerThem) {
  auto refused = check_open_files(300, 2, 200, "--concurrency 300");
  ASSERT_FALSE(refused);
  const auto& message = refused.error().message;
  EXPECT_EQ(refused.error().kind, ErrorKind::usage);
  EXPECT_TRUE(has(message,
                  "--concurrency 300 needs up to 322 open files (300 connections and "
                  "22 for the process itself), above this process's limit of 200"))
      << message;
  EXPECT_TRUE(has(message, "lower the connections to 178 or fewer, or raise the limit (ulimit -n)"))
      << message;
  // What it names fits.
  EXPECT_TRUE(check_open_files(178, 2, 200, "--concurrency 178"));
}

TEST(OpenFiles, ALimitWithNoRoomForAConnectionSaysToRaiseIt) {
  // 32 worker loops alone need 16 + 3 * 33 = 115 descriptors.
  auto refused = check_open_files(1, 33, 100, "--strategy threads");
  ASSERT_FALSE(refused);
  const auto& message = refused.error().message;
  EXPECT_FALSE(has(message, "lower")) << message;
  EXPECT_TRUE(has(message, "raise the limit (ulimit -n 256)")) << message;
  auto far = check_open_files(400, 2, 10, "--concurrency 400");
  ASSERT_FALSE(far);
  EXPECT_TRUE(has(far.error().message, "raise the limit (ulimit -n 422)")) << far.error().message;
}

}  // namespace
}  // namespace s3loop::cli
