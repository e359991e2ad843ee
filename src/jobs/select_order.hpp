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
  // or the run stops; false when stopped: the range should not run.
  boost::asio::awaitable<bool> admit(std::uint64_t index);
  // No further range is wanted (LIMIT reached, a range failed): wakes every
  // waiter.
  void stop();
  bool stopped() const;

 protected:
  // Called with mutex_ held whenever next_ moves or stop() is called.
  void wake_admitted_locked();

  mutable std::mutex mutex_;
  std::uint64_t next_ = 0;  // first range not yet delivered
  // Written under mutex_; atomic so stopped() -- asked by every range for every
  // piece it receives -- reads it without taking the lock.
  std::atomic<bool> stopped_ = false;

 private:
  struct Waiter;
  std::size_t window_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

// Outcomes handed over by complete() are delivered to `deliver` strictly in
// index order, under a lock (one delivery at a time). `deliver` returns false
// to stop the run.
template <class Outcome>
class RangeOrder : public RangeWindow {
 public:
  RangeOrder(std::size_t window, std::function<bool(std::uint64_t, Outcome&)> deliver)
      : RangeWindow(window), deliver_(std::move(deliver)) {}

  void complete(std::uint64_t index, Outcome outcome) {
    std::lock_guard lock(mutex_);
    finished_.emplace(index, std::move(outcome));
    bool moved = false;
    for (auto it = finished_.find(next_); it != finished_.end(); it = finished_.find(next_)) {
      if (!stopped_ && !deliver_(next_, it->second)) stopped_ = true;
      finished_.erase(it);
      ++next_;
      moved = true;
    }
    if (moved || stopped_) wake_admitted_locked();
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
