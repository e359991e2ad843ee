// AIMD on throttling: halve on SlowDown (once per cool-down), +1 per window of
// successes, within [min, max].
#include "s3loop/exec/adaptive_limit.hpp"

#include <gtest/gtest.h>

namespace s3loop::exec {
namespace {

using Clock = AdaptiveLimit::Clock;
using std::chrono::milliseconds;

TEST(AdaptiveLimit, StartsAtTheConfiguredConcurrency) {
  const auto t0 = Clock::now();
  AdaptiveLimit limit(256, t0);
  EXPECT_EQ(limit.limit(), 256);
  for (int i = 0; i < 1000; ++i) limit.on_completion(0, t0);
  EXPECT_EQ(limit.limit(), 256);  // never above the configured value
  EXPECT_EQ(limit.history().size(), 1u);
}

TEST(AdaptiveLimit, HalvesOncePerCoolDownOnThrottling) {
  const auto t0 = Clock::now();
  AdaptiveLimit limit(1024, t0);
  limit.on_completion(1, t0);
  EXPECT_EQ(limit.limit(), 512);
  // More 503s from requests sent before the cut: no further cut yet.
  limit.on_completion(5, t0 + AdaptiveLimit::kCoolDown / 2);
  EXPECT_EQ(limit.limit(), 512);
  limit.on_completion(6, t0 + AdaptiveLimit::kCoolDown + milliseconds(1));
  EXPECT_EQ(limit.limit(), 256);
  EXPECT_EQ(limit.min_seen(), 256);
}

TEST(AdaptiveLimit, NeverBelowTheMinimum) {
  auto t = Clock::now();
  AdaptiveLimit limit(8, t, 2);
  for (std::uint64_t n = 1; n < 10; ++n) {
    t += AdaptiveLimit::kCoolDown * 2;
    limit.on_completion(n, t);
  }
  EXPECT_EQ(limit.limit(), 2);
}

TEST(AdaptiveLimit, GrowsByOnePerWindowOfSuccesses) {
  const auto t0 = Clock::now();
  AdaptiveLimit limit(100, t0);
  limit.on_completion(1, t0);  // 50
  ASSERT_EQ(limit.limit(), 50);
  for (int i = 0; i < 49; ++i) limit.on_completion(1, t0);
  EXPECT_EQ(limit.limit(), 50);
  limit.on_completion(1, t0);
  EXPECT_EQ(limit.limit(), 51);
  for (int i = 0; i < 51; ++i) limit.on_completion(1, t0);
  EXPECT_EQ(limit.limit(), 52);
  const auto history = limit.history();
  ASSERT_EQ(history.size(), 4u);  // 100, 50, 51, 52
  EXPECT_EQ(history.front().limit, 100);
  EXPECT_EQ(history.back().limit, 52);
}

TEST(AdaptiveLimit, HistoryStaysBounded) {
  auto t = Clock::now();
  AdaptiveLimit limit(4, t);
  std::uint64_t throttled = 0;
  for (int round = 0; round < 5000; ++round) {
    t += AdaptiveLimit::kCoolDown * 2;
    limit.on_completion(++throttled, t);                            // down
    for (int i = 0; i < 8; ++i) limit.on_completion(throttled, t);  // and up again
  }
  EXPECT_LE(limit.history().size(), AdaptiveLimit::kMaxSamples);
  EXPECT_EQ(limit.history().front().limit, 4);
}

}  // namespace
}  // namespace s3loop::exec
