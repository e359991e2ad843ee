// Adaptive concurrency for the async strategies: AIMD, as TCP does with its
// window. A throttling reply (503 / SlowDown) halves the number of requests
// allowed in flight, at most once per cool-down (the replies to requests sent
// before the cut are still arriving); every `limit` successful completions
// without throttling raise it by one, back up to the configured concurrency.
// Pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace s3loop::exec {

struct LimitSample {
  double seconds = 0;  // since the run started
  int limit = 0;
};

class AdaptiveLimit {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kCoolDown{100};
  static constexpr std::size_t kMaxSamples = 1000;

  AdaptiveLimit(int max_limit, Clock::time_point start, int min_limit = 1);

  int limit() const;
  // After each completed item: `throttled_total` is the run's count of
  // throttling replies so far (monotonic; compared with the last call's).
  void on_completion(std::uint64_t throttled_total, Clock::time_point now);

  int min_seen() const;
  // (time, limit) at the start and at every change; thinned to kMaxSamples.
  std::vector<LimitSample> history() const;

 private:
  void record_locked(Clock::time_point now);

  mutable std::mutex mutex_;
  const int max_limit_;
  const int min_limit_;
  const Clock::time_point start_;
  int limit_;
  int min_seen_;
  std::uint64_t throttled_seen_ = 0;
  std::uint64_t successes_ = 0;
  Clock::time_point last_decrease_;
  bool decreased_ = false;
  std::vector<LimitSample> history_;
};

}  // namespace s3loop::exec
