#include "deadline_watch.hpp"

#include "connection.hpp"

#include <algorithm>

namespace s3loop::net {

DeadlineWatch::DeadlineWatch(const boost::asio::any_io_executor& executor,
                             std::chrono::milliseconds tick)
    : timer_(executor), tick_(tick) {}

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
  // nothing: `this` may be gone by the time it runs.
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_tick();
  });
}

void DeadlineWatch::on_tick() {
  armed_ = false;
  const auto now = std::chrono::steady_clock::now();
  for (Connection* conn : watched_) {
    if (now >= conn->deadline) {
      // Every tick until the exchange ends, not once: an operation between
      // two waits (its completion posted, the next wait not yet started)
      // has nothing to cancel at that moment.
      conn->timed_out = true;
      boost::system::error_code ignored;
      conn->tcp().socket().cancel(ignored);  // its pending read or write ends now
    }
  }
  if (!watched_.empty()) arm();
}

}  // namespace s3loop::net
