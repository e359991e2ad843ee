#include "deadline_watch.hpp"

#include "connection.hpp"

#include <algorithm>

namespace s3loop::net {

DeadlineWatch::DeadlineWatch(const boost::asio::any_io_executor& executor,
                             std::chrono::milliseconds tick, const std::atomic<bool>* stop,
                             std::chrono::milliseconds stop_grace)
    : timer_(executor), tick_(tick), stop_(stop), stop_grace_(stop_grace) {}

DeadlineWatch::~DeadlineWatch() {
  *alive_ = false;
}

std::chrono::milliseconds DeadlineWatch::tick_for(std::chrono::milliseconds shortest_timeout) {
  using std::chrono::milliseconds;
  return std::clamp(shortest_timeout / 10, milliseconds(5), milliseconds(100));
}

void DeadlineWatch::watch(Connection& conn) {
  conn.watch_slot = watched_.size();
  watched_.push_back(&conn);
  if (!armed_) arm();
}

void DeadlineWatch::unwatch(Connection& conn) {
  if (conn.watch_slot >= watched_.size() || watched_[conn.watch_slot] != &conn) return;
  // Swap-remove: the last one takes the freed slot.
  Connection* last = watched_.back();
  watched_[conn.watch_slot] = last;
  last->watch_slot = conn.watch_slot;
  watched_.pop_back();
  conn.watch_slot = Connection::kNotWatched;
  // Nothing left to watch: stop the timer, or its pending wait would keep the
  // event loop running (and a finished command waiting) for up to a tick.
  if (watched_.empty() && armed_) {
    armed_ = false;
    timer_.cancel();
  }
}

void DeadlineWatch::arm() {
  armed_ = true;
  timer_.expires_after(tick_);
  // A cancelled wait (no exchange left, or the pool is going away) touches
  // nothing, nor does one due before the watch was destroyed: `this` may be
  // gone by the time it runs.
  timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!ec && *alive) on_tick();
  });
}

bool DeadlineWatch::stopped_for(const Connection& conn, std::chrono::steady_clock::time_point now) {
  // Read at every tick: a signal handler sets the flag and can tell nobody.
  if (stop_ == nullptr || !stop_->load(std::memory_order_relaxed)) return false;
  if (!stopped_at_) stopped_at_ = now;
  // Each graced send has the whole grace, once: an abort sent after the stop
  // (its copy's last part came back late) had only what was left of it.
  return !conn.stop_grace || now >= std::max(*stopped_at_, conn.grace_from) + stop_grace_;
}

void DeadlineWatch::on_tick() {
  armed_ = false;
  const auto now = std::chrono::steady_clock::now();
  for (Connection* conn : watched_) {
    // The stop first: an exchange it cuts off was interrupted, not slow.
    if (stopped_for(*conn, now)) {
      conn->interrupted = true;
    } else if (now >= conn->deadline) {
      conn->timed_out = true;
    } else {
      continue;
    }
    // Every tick until the exchange ends, not once: an operation between
    // two waits (its completion posted, the next wait not yet started) has
    // nothing to cancel at that moment.
    boost::system::error_code ignored;
    conn->tcp().socket().cancel(ignored);  // its pending connect, read or write ends now
  }
  if (!watched_.empty()) arm();
}

}  // namespace s3loop::net
