// Adaptive concurrency: AdaptiveLimit's arithmetic (slow start, a cut to 70%
// once per window of requests, +1 per `limit` successes, within [min, max]),
// and AdaptiveGate handing room to waiting coroutines across event loops.
#include "exec/adaptive_gate.hpp"
#include "s3loop/exec/adaptive_limit.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <thread>
#include <vector>

namespace s3loop::exec {
namespace {

namespace asio = boost::asio;
using Clock = AdaptiveLimit::Clock;
using s3::AttemptReply;

// Takes every free slot; returns the tickets.
std::vector<std::uint64_t> fill(AdaptiveLimit& limit) {
  std::vector<std::uint64_t> tickets;
  while (auto t = limit.try_acquire()) tickets.push_back(*t);
  return tickets;
}

TEST(AdaptiveLimit, AdmitsUpToTheLimitAndNoMore) {
  AdaptiveLimit limit(1024, Clock::now());
  EXPECT_EQ(limit.limit(), AdaptiveLimit::kInitialLimit);
  const auto tickets = fill(limit);
  ASSERT_EQ(tickets.size(), static_cast<std::size_t>(AdaptiveLimit::kInitialLimit));
  EXPECT_EQ(tickets.front(), 0u);
  EXPECT_EQ(tickets.back(), static_cast<std::uint64_t>(AdaptiveLimit::kInitialLimit - 1));
  EXPECT_EQ(limit.in_flight(), AdaptiveLimit::kInitialLimit);
  limit.release(tickets[0], AttemptReply::failed, Clock::now());
  EXPECT_EQ(limit.in_flight(), AdaptiveLimit::kInitialLimit - 1);
  EXPECT_TRUE(limit.try_acquire().has_value());
}

TEST(AdaptiveLimit, SlowStartDoublesPerRoundTripUpToTheMaximum) {
  const auto t0 = Clock::now();
  AdaptiveLimit limit(100, t0);
  // Each round trip: everything admitted comes back answered.
  for (int expected : {64, 100}) {
    for (auto t : fill(limit)) limit.release(t, AttemptReply::answered, t0);
    EXPECT_EQ(limit.limit(), expected);
  }
  EXPECT_EQ(limit.cuts(), 0);
  EXPECT_EQ(limit.min_after_cut(), 0);
  EXPECT_EQ(limit.lowest_limit(), 32);  // the first, never cut
  // A cut from 100 leaves 70: the lowest in force is still the first.
  limit.release(fill(limit).at(0), AttemptReply::throttled, t0);
  EXPECT_EQ(limit.min_after_cut(), 70);
  EXPECT_EQ(limit.lowest_limit(), 32);
  // Never above the configured concurrency, nor below it when small.
  AdaptiveLimit small(8, t0);
  EXPECT_EQ(small.limit(), 8);
}

TEST(AdaptiveLimit, CutsOncePerWindowOnThrottling) {
  const auto t0 = Clock::now();
  AdaptiveLimit limit(1024, t0);
  auto window = fill(limit);  // 32 in flight
  limit.release(window[0], AttemptReply::throttled, t0);
  EXPECT_EQ(limit.limit(), 22);  // floor(32 * 0.7)
  // More 503s for requests sent before the cut: no further cut.
  for (std::size_t i = 1; i < 10; ++i) limit.release(window[i], AttemptReply::throttled, t0);
  EXPECT_EQ(limit.limit(), 22);
  EXPECT_EQ(limit.cuts(), 1);
  // The rest of the old window drains; a throttle of a request sent after the
  // cut cuts again.
  for (std::size_t i = 10; i < window.size(); ++i) {
    limit.release(window[i], AttemptReply::failed, t0);
  }
  const auto after = fill(limit);
  ASSERT_EQ(after.size(), 22u);
  limit.release(after[0], AttemptReply::throttled, t0);
  EXPECT_EQ(limit.limit(), 15);
  EXPECT_EQ(limit.cuts(), 2);
  EXPECT_EQ(limit.min_after_cut(), 15);
  EXPECT_EQ(limit.lowest_limit(), 15);
}

TEST(AdaptiveLimit, NeverBelowTheMinimum) {
  const auto t0 = Clock::now();
  AdaptiveLimit limit(8, t0, 2);
  for (int round = 0; round < 10; ++round) {
    auto tickets = fill(limit);
    for (auto t : tickets) limit.release(t, AttemptReply::throttled, t0);
  }
  EXPECT_EQ(limit.limit(), 2);
  EXPECT_EQ(limit.min_after_cut(), 2);
}

TEST(AdaptiveLimit, AfterACutGrowsByOnePerWindowOfSuccesses) {
  const auto t0 = Clock::now();
  AdaptiveLimit limit(100, t0);
  auto first = fill(limit);
  limit.release(first[0], AttemptReply::throttled, t0);
  ASSERT_EQ(limit.limit(), 22);
  // 21 more successes: not yet; the 22nd raises the limit by one.
  for (std::size_t i = 1; i < 22; ++i) limit.release(first[i], AttemptReply::answered, t0);
  EXPECT_EQ(limit.limit(), 22);
  limit.release(first[22], AttemptReply::answered, t0);
  EXPECT_EQ(limit.limit(), 23);
  // Failures that are not throttling neither cut nor count as successes.
  for (std::size_t i = 23; i < first.size(); ++i) {
    limit.release(first[i], AttemptReply::failed, t0);
  }
  EXPECT_EQ(limit.limit(), 23);
  const auto history = limit.history();
  ASSERT_EQ(history.size(), 3u);  // 32, 22, 23
  EXPECT_EQ(history.front().limit, 32);
  EXPECT_EQ(history.back().limit, 23);
}

// Successes before a throttle count for nothing after it: the limit grows
// back only after a whole window of successes that follow the last 503.
TEST(AdaptiveLimit, AThrottleStartsTheCountOfSuccessesAgain) {
  const auto t0 = Clock::now();
  AdaptiveLimit limit(100, t0);
  auto window = fill(limit);  // 32 in flight
  limit.release(window[0], AttemptReply::throttled, t0);
  ASSERT_EQ(limit.limit(), 22);
  for (std::size_t i = 1; i <= 10; ++i) limit.release(window[i], AttemptReply::answered, t0);
  // Of the old window: no second cut, but the count restarts.
  limit.release(window[11], AttemptReply::throttled, t0);
  ASSERT_EQ(limit.limit(), 22);
  for (std::size_t i = 12; i < window.size(); ++i) {
    limit.release(window[i], AttemptReply::answered, t0);
  }
  EXPECT_EQ(limit.limit(), 22);  // 20 successes since the last throttle, of 22
}

TEST(AdaptiveLimit, HistoryStaysBounded) {
  auto t = Clock::now();
  AdaptiveLimit limit(4, t);
  for (int round = 0; round < 5000; ++round) {
    t += std::chrono::milliseconds(1);
    auto tickets = fill(limit);
    limit.release(tickets[0], AttemptReply::throttled, t);  // down
    for (std::size_t i = 1; i < tickets.size(); ++i) {
      limit.release(tickets[i], AttemptReply::answered, t);
    }
    for (int i = 0; i < 8; ++i) {  // and up again
      auto more = limit.try_acquire();
      if (more) limit.release(*more, AttemptReply::answered, t);
    }
  }
  EXPECT_LE(limit.history().size(), AdaptiveLimit::kMaxSamples);
  EXPECT_EQ(limit.history().front().limit, 4);
}

// Coroutines on two loops (two threads) through one gate of limit 3: never
// more than 3 inside at once, and every one gets through.
TEST(AdaptiveGate, HandsRoomToWaitersAcrossLoops) {
  AdaptiveLimit limit(3, Clock::now());
  std::atomic<bool> cancel{false};
  RunState state(cancel);
  AdaptiveGate gate(limit, state);
  std::atomic<int> inside{0}, most_inside{0}, done{0};

  auto visitor = [&]() -> asio::awaitable<void> {
    auto ticket = co_await gate.enter();
    EXPECT_TRUE(ticket.has_value());
    const int now_inside = ++inside;
    int seen = most_inside.load();
    while (now_inside > seen && !most_inside.compare_exchange_weak(seen, now_inside)) {
    }
    asio::steady_timer hold(co_await asio::this_coro::executor, std::chrono::milliseconds(5));
    co_await hold.async_wait(asio::use_awaitable);
    --inside;
    gate.leave(*ticket, AttemptReply::answered);
    ++done;
  };
  asio::io_context a, b;
  for (int i = 0; i < 20; ++i) {
    asio::co_spawn(i % 2 == 0 ? a : b, visitor(), asio::detached);
  }
  const auto started = Clock::now();
  std::thread other([&] { b.run(); });
  a.run();
  other.join();
  EXPECT_EQ(done.load(), 20);
  EXPECT_EQ(most_inside.load(), 3);
  // Handed over, not found by the 100 ms re-check: 7 rounds of 5 ms.
  EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(700));
}

TEST(AdaptiveGate, AWaiterGivesUpWhenTheRunStops) {
  AdaptiveLimit limit(1, Clock::now());
  std::atomic<bool> cancel{false};
  RunState state(cancel);
  AdaptiveGate gate(limit, state);
  const auto holder = limit.try_acquire();  // the only room, never given back
  ASSERT_TRUE(holder.has_value());
  std::optional<std::optional<std::uint64_t>> result;
  asio::io_context io;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await gate.enter(); }, asio::detached);
  cancel = true;
  io.run();
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->has_value());
}

}  // namespace
}  // namespace s3loop::exec
