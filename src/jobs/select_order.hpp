// Puts the results of ranges that finish in any order, on any thread, back in
// object order, and bounds how far ahead of the first unfinished range work
// may run, so memory is O(window x chunk) whatever the object's size.
// Private to jobs.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace s3loop::jobs {

template <class Outcome>
class RangeOrder;

// The type-independent part: the window and its waiters.
class RangeWindow {
 public:
  explicit RangeWindow(std::size_t window) : window_(window == 0 ? 1 : window) {}

  // Suspends until range `index` is within the window (index < next + window)
  // or is no longer wanted; false when not wanted: the range should not run.
  boost::asio::awaitable<bool> admit(std::uint64_t index);
  // No range after `index` is wanted (the answer ends there: LIMIT reached,
  // or range `index` failed); wakes their waiters. Ranges up to `index` still
  // run: the answer needs them, and the first failure in object order is the
  // one to tell.
  void stop_after(std::uint64_t index);
  // Range `index` is no longer wanted: it need not run, nor read on.
  bool unwanted(std::uint64_t index) const {
    return index > last_wanted_.load(std::memory_order_acquire);
  }

 protected:
  // Called with mutex_ held whenever next_ moves or last_wanted_ drops.
  void wake_admitted_locked();
  void stop_after_locked(std::uint64_t index) {
    if (index < last_wanted_) last_wanted_ = index;
  }

  mutable std::mutex mutex_;
  std::uint64_t next_ = 0;  // first range not yet delivered
  // Only ever lowered, under mutex_; atomic so unwanted() -- asked by every
  // range for every piece it receives -- reads it without taking the lock.
  std::atomic<std::uint64_t> last_wanted_ = std::numeric_limits<std::uint64_t>::max();

 private:
  struct Waiter;
  std::size_t window_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

// Outcomes handed over by complete() are delivered to `deliver` strictly in
// index order, under a lock (one delivery at a time), up to the last wanted
// range. `deliver` returns false to end the answer at that range.
template <class Outcome>
class RangeOrder : public RangeWindow {
 public:
  RangeOrder(std::size_t window, std::function<bool(std::uint64_t, Outcome&)> deliver)
      : RangeWindow(window), deliver_(std::move(deliver)) {}

  void complete(std::uint64_t index, Outcome outcome) {
    std::lock_guard lock(mutex_);
    finished_.emplace(index, std::move(outcome));
    bool moved = false;
    const std::uint64_t last_wanted_before = last_wanted_;
    for (auto it = finished_.find(next_); it != finished_.end(); it = finished_.find(next_)) {
      if (!unwanted(next_) && !deliver_(next_, it->second)) stop_after_locked(next_);
      finished_.erase(it);
      ++next_;
      moved = true;
    }
    if (moved || last_wanted_ != last_wanted_before) wake_admitted_locked();
  }

  std::uint64_t delivered() const {
    std::lock_guard lock(mutex_);
    return next_;
  }

 private:
  std::function<bool(std::uint64_t, Outcome&)> deliver_;
  std::map<std::uint64_t, Outcome> finished_;
};

}  // namespace s3loop::jobs
