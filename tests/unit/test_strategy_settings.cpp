// What a strategy's settings say of it: its workers as the table shows them,
// and the most requests it has in flight (--json's "concurrency", which said
// 256 for a serial run).
#include "s3loop/exec/strategy.hpp"

#include <gtest/gtest.h>

namespace s3loop::exec {
namespace {

TEST(StrategySettings, MaxInFlightIsWhatTheStrategyCanSendAtOnce) {
  Settings settings;
  settings.concurrency = 64;
  settings.threads = 5;
  settings.kind = StrategyKind::serial;
  EXPECT_EQ(max_in_flight(settings), 1);
  settings.kind = StrategyKind::threads;
  EXPECT_EQ(max_in_flight(settings), 5);
  EXPECT_EQ(describe_workers(settings), "T=5");
  settings.kind = StrategyKind::async;
  EXPECT_EQ(max_in_flight(settings), 64);
  settings.kind = StrategyKind::async_pool;
  EXPECT_EQ(max_in_flight(settings), 64);
  // Threads by default: as many as the workers described.
  settings.kind = StrategyKind::threads;
  settings.threads = 0;
  EXPECT_EQ(describe_workers(settings), "T=" + std::to_string(max_in_flight(settings)));
}

}  // namespace
}  // namespace s3loop::exec
