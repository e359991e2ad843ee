// The strategy flags: which given flags a strategy leaves unused.
#include "strategy_flags.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace s3loop::cli {
namespace {

using exec::StrategyKind;
using Lines = std::vector<std::string>;

// The flags as cp would parse `words`.
StrategyFlags parsed(std::vector<std::string> words) {
  CLI::App app;
  StrategyFlags flags;
  add_strategy_flags(app, flags, 256, "Requests");
  words.insert(words.begin(), "s3loop");
  std::vector<const char*> argv;
  for (const auto& word : words) argv.push_back(word.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return flags;
}

// The warnings cp prints for `kind`.
Lines warnings(const StrategyFlags& flags, StrategyKind kind, bool adaptive = false) {
  Lines lines;
  for (const auto& unused : unused_strategy_flags(flags, kind, adaptive)) {
    lines.push_back(unused_flag_warning(unused, kind));
  }
  return lines;
}

TEST(StrategyFlags, NothingGivenNothingUnused) {
  const auto flags = parsed({});
  for (auto kind : {StrategyKind::serial, StrategyKind::threads, StrategyKind::async,
                    StrategyKind::async_pool}) {
    EXPECT_EQ(warnings(flags, kind), Lines{}) << exec::strategy_name(kind);
  }
}

TEST(StrategyFlags, EachStrategyNamesTheFlagsItDoesNotUse) {
  const auto flags = parsed({"-c", "8", "--threads=3", "--loops", "2"});
  EXPECT_EQ(warnings(flags, StrategyKind::serial),
            (Lines{"--concurrency has no effect under --strategy serial (it is for async and "
                   "async-pool)",
                   "--threads has no effect under --strategy serial (it is for threads and "
                   "async-pool)",
                   "--loops has no effect under --strategy serial (it is for async-pool)"}));
  EXPECT_EQ(warnings(flags, StrategyKind::threads),
            (Lines{"--concurrency has no effect under --strategy threads (it is for async and "
                   "async-pool; threads: set --threads)",
                   "--loops has no effect under --strategy threads (it is for async-pool)"}));
  EXPECT_EQ(warnings(flags, StrategyKind::async),
            (Lines{"--threads has no effect under --strategy async (it is for threads and "
                   "async-pool)",
                   "--loops has no effect under --strategy async (it is for async-pool)"}));
  EXPECT_EQ(warnings(flags, StrategyKind::async_pool), Lines{});
}

TEST(StrategyFlags, AFlagGivenWithItsDefaultValueStillCounts) {
  // `-c 256` under serial is as unused as `-c 8`: the user asked for it.
  const auto flags = parsed({"--concurrency", "256"});
  EXPECT_EQ(warnings(flags, StrategyKind::serial).size(), 1U);
  EXPECT_EQ(warnings(flags, StrategyKind::async), Lines{});
}

TEST(StrategyFlags, AdaptiveIsForTheAsyncStrategies) {
  const auto flags = parsed({});
  EXPECT_EQ(warnings(flags, StrategyKind::threads, true),
            (Lines{"--adaptive has no effect under --strategy threads (it is for async and "
                   "async-pool)"}));
  EXPECT_EQ(warnings(flags, StrategyKind::async, true), Lines{});
  EXPECT_EQ(warnings(flags, StrategyKind::async_pool, true), Lines{});
}

// --loops above --concurrency runs as fewer, and is said so; at or below it, as given.
TEST(StrategyFlags, LoopsAboveConcurrencyAreSaidToRunAsFewer) {
  const auto warning = [](std::vector<std::string> words) {
    const StrategyFlags flags = parsed(std::move(words));
    return reduced_flag_warning(flags, strategy_settings(flags).value());
  };
  EXPECT_EQ(warning({"--strategy", "async-pool", "--loops", "3", "-c", "2"}),
            "--loops 3 runs as 2: no more event loops than --concurrency 2");
  EXPECT_EQ(warning({"--strategy", "async-pool", "--loops", "4", "-c", "4"}), std::nullopt);
  EXPECT_EQ(warning({"--strategy", "async-pool", "--loops", "2", "-c", "4"}), std::nullopt);
  EXPECT_EQ(warning({"--strategy", "async-pool", "-c", "1"}), std::nullopt);  // 1 loop
  EXPECT_EQ(warning({"--loops", "3", "-c", "2"}), std::nullopt);  // async: unused, said apart
}

// The ends of each range are taken, one past them refused.
TEST(StrategyFlags, LoopsAndThreadsTakeTheirWholeRange) {
  EXPECT_EQ(parsed({"--loops", "64"}).loops, 64);
  EXPECT_EQ(parsed({"--threads", "1024"}).threads, 1024);
  EXPECT_THROW(parsed({"--loops", "65"}), CLI::ParseError);
  EXPECT_THROW(parsed({"--threads", "1025"}), CLI::ParseError);
}

// --threads not given: the strategy's own default (min(32, cores + 4) threads), not one.
TEST(StrategyFlags, ThreadsNotGivenRunTheStrategysDefault) {
  auto settings = strategy_settings(parsed({"--strategy", "threads"}));
  ASSERT_TRUE(settings);
  const auto cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(connections_in_flight(*settings), std::min(32u, cores + 4));
}

}  // namespace
}  // namespace s3loop::cli
