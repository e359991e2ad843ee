// Adaptive concurrency for the async strategies: the number of S3 requests
// allowed in flight, steered as TCP steers its window. It starts small and
// grows by one per success (slow start: doubling per round trip) until the
// server first throttles (503 / SlowDown); from then on each throttle cuts it
// to 70% and every `limit` successes raise it by one, up to the configured
// concurrency. Only a throttle of a request sent after the last cut cuts
// again: the replies to requests sent under the old limit are still arriving
// and say nothing about the new one.
//
// Counts attempts, not items: a request waiting to retry holds no room, so
// the limit is what the server actually sees. Pure (no I/O, no waiting) and
// thread-safe; exec's AdaptiveGate does the waiting.
#pragma once

#include "s3loop/s3/attempt_reply.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace s3loop::exec {

struct LimitSample {
  double seconds = 0;  // since the run started
  int limit = 0;
};

class AdaptiveLimit {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kInitialLimit = 32;
  static constexpr double kDecrease = 0.7;  // as CUBIC and the AWS SDKs' adaptive mode
  static constexpr std::size_t kMaxSamples = 1000;

  AdaptiveLimit(int max_limit, Clock::time_point start, int min_limit = 1);

  // Room for one more attempt: its ticket (the order it was sent in), or
  // nullopt when `limit` attempts are already in flight.
  std::optional<std::uint64_t> try_acquire();
  // That attempt's reply; frees its room.
  void release(std::uint64_t ticket, s3::AttemptReply reply, Clock::time_point now);

  int limit() const;
  int in_flight() const;
  int cuts() const;           // how often throttling cut the limit
  int min_after_cut() const;  // the lowest limit a cut set (0: never cut)
  int lowest_limit() const;   // the lowest limit in force: the first, or a cut's

  // (time, limit) at the start and at every change; thinned to kMaxSamples.
  std::vector<LimitSample> history() const;

 private:
  void set_limit_locked(int limit, Clock::time_point now);

  mutable std::mutex mutex_;
  const int max_limit_;
  const int min_limit_;
  const Clock::time_point start_;
  int limit_;
  int in_flight_ = 0;
  bool slow_start_ = true;
  std::uint64_t next_ticket_ = 0;
  std::uint64_t cut_at_ticket_ = 0;  // tickets below this were sent before the last cut
  std::uint64_t successes_ = 0;
  int cuts_ = 0;
  int min_after_cut_ = 0;
  int lowest_limit_;  // of every limit set, the first included
  std::vector<LimitSample> history_;
};

}  // namespace s3loop::exec
