#include "s3loop/exec/adaptive_limit.hpp"

#include <algorithm>
#include <cmath>

namespace s3loop::exec {

AdaptiveLimit::AdaptiveLimit(int max_limit, Clock::time_point start, int min_limit)
    : max_limit_(std::max(1, max_limit)),
      min_limit_(std::clamp(min_limit, 1, std::max(1, max_limit))),
      start_(start),
      limit_(std::clamp(kInitialLimit, min_limit_, max_limit_)),
      lowest_limit_(limit_) {
  history_.push_back(LimitSample{0.0, limit_});
}

std::optional<std::uint64_t> AdaptiveLimit::try_acquire() {
  std::lock_guard lock(mutex_);
  if (in_flight_ >= limit_) return std::nullopt;
  ++in_flight_;
  return next_ticket_++;
}

void AdaptiveLimit::release(std::uint64_t ticket, s3::AttemptReply reply, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  in_flight_ = std::max(0, in_flight_ - 1);
  switch (reply) {
    case s3::AttemptReply::throttled: {
      successes_ = 0;
      if (ticket < cut_at_ticket_) return;  // sent under the old limit
      slow_start_ = false;
      ++cuts_;
      cut_at_ticket_ = next_ticket_;
      const int lowered = std::max(min_limit_, static_cast<int>(std::floor(limit_ * kDecrease)));
      min_after_cut_ = min_after_cut_ == 0 ? lowered : std::min(min_after_cut_, lowered);
      set_limit_locked(lowered, now);
      return;
    }
    case s3::AttemptReply::answered:
      if (limit_ >= max_limit_) return;
      if (slow_start_ || ++successes_ >= static_cast<std::uint64_t>(limit_)) {
        successes_ = 0;
        set_limit_locked(limit_ + 1, now);
      }
      return;
    case s3::AttemptReply::failed:
      return;
  }
}

int AdaptiveLimit::limit() const {
  std::lock_guard lock(mutex_);
  return limit_;
}

int AdaptiveLimit::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

int AdaptiveLimit::cuts() const {
  std::lock_guard lock(mutex_);
  return cuts_;
}

int AdaptiveLimit::min_after_cut() const {
  std::lock_guard lock(mutex_);
  return min_after_cut_;
}

int AdaptiveLimit::lowest_limit() const {
  std::lock_guard lock(mutex_);
  return lowest_limit_;
}

std::vector<LimitSample> AdaptiveLimit::history() const {
  std::lock_guard lock(mutex_);
  return history_;
}

void AdaptiveLimit::set_limit_locked(int limit, Clock::time_point now) {
  if (limit == limit_) return;
  limit_ = limit;
  lowest_limit_ = std::min(lowest_limit_, limit_);
  if (history_.size() >= kMaxSamples) {
    // Keep the shape: drop every other sample, never the first.
    std::vector<LimitSample> thinned;
    for (std::size_t i = 0; i < history_.size(); i += 2) thinned.push_back(history_[i]);
    history_ = std::move(thinned);
  }
  history_.push_back(LimitSample{std::chrono::duration<double>(now - start_).count(), limit_});
}

}  // namespace s3loop::exec
