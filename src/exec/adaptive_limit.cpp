#include "s3loop/exec/adaptive_limit.hpp"

#include <algorithm>

namespace s3loop::exec {

AdaptiveLimit::AdaptiveLimit(int max_limit, Clock::time_point start, int min_limit)
    : max_limit_(std::max(1, max_limit)),
      min_limit_(std::clamp(min_limit, 1, std::max(1, max_limit))),
      start_(start),
      limit_(max_limit_),
      min_seen_(max_limit_) {
  record_locked(start);
}

int AdaptiveLimit::limit() const {
  std::lock_guard lock(mutex_);
  return limit_;
}

int AdaptiveLimit::min_seen() const {
  std::lock_guard lock(mutex_);
  return min_seen_;
}

std::vector<LimitSample> AdaptiveLimit::history() const {
  std::lock_guard lock(mutex_);
  return history_;
}

void AdaptiveLimit::on_completion(std::uint64_t throttled_total, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (throttled_total > throttled_seen_) {
    throttled_seen_ = throttled_total;
    successes_ = 0;
    if (decreased_ && now - last_decrease_ < kCoolDown) return;
    const int lowered = std::max(min_limit_, limit_ / 2);
    decreased_ = true;
    last_decrease_ = now;
    if (lowered != limit_) {
      limit_ = lowered;
      min_seen_ = std::min(min_seen_, limit_);
      record_locked(now);
    }
    return;
  }
  if (limit_ >= max_limit_) return;
  if (++successes_ >= static_cast<std::uint64_t>(limit_)) {
    successes_ = 0;
    ++limit_;
    record_locked(now);
  }
}

void AdaptiveLimit::record_locked(Clock::time_point now) {
  if (history_.size() >= kMaxSamples) {
    // Keep the shape: drop every other sample, never the first.
    std::vector<LimitSample> thinned;
    for (std::size_t i = 0; i < history_.size(); i += 2) thinned.push_back(history_[i]);
    history_ = std::move(thinned);
  }
  history_.push_back(LimitSample{std::chrono::duration<double>(now - start_).count(), limit_});
}

}  // namespace s3loop::exec
