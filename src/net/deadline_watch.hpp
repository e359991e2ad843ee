// The deadlines of a pool's in-flight exchanges, enforced by one timer that
// ticks while any exchange is in flight. Private to net.
//
// Why not Beast's per-operation expiry: it arms a timer for every read and
// write and cancels it when the operation completes, which costs a
// timerfd_settime syscall and one more completion each -- about four per
// small request, measured (strace) as a fifth of the syscalls a copy makes.
// Here moving a deadline is a store; the timer is armed once while requests
// are in flight, and a deadline is enforced at most one tick late.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace s3loop::net {

class Connection;

class DeadlineWatch {
 public:
  // How long an exchange with a grace (Connection::stop_grace) may still
  // take once the stop flag is set: an abort of a multipart upload is a few
  // milliseconds when the server is well, and the user who pressed Ctrl-C
  // waits for no more than this when it is not.
  static constexpr std::chrono::milliseconds kStopGrace{2'000};

  // `stop`, when given, is the run's stop flag (set by a signal handler):
  // the ticks look at it too.
  DeadlineWatch(const boost::asio::any_io_executor& executor, std::chrono::milliseconds tick,
                const std::atomic<bool>* stop = nullptr,
                std::chrono::milliseconds stop_grace = kStopGrace);
  ~DeadlineWatch();
  DeadlineWatch(const DeadlineWatch&) = delete;
  DeadlineWatch& operator=(const DeadlineWatch&) = delete;

  // From now until unwatch(), `conn`'s socket operations are cancelled once
  // its deadline (Connection::expires_after) has passed, and it is marked
  // timed out; or once the stop flag is set (after the grace, for one that
  // has it, counted from the stop or from Connection::grace_from, whichever
  // is later), and it is marked interrupted.
  void watch(Connection& conn);
  void unwatch(Connection& conn);

  // A tick a tenth of the shortest timeout, between 5 and 100 ms.
  static std::chrono::milliseconds tick_for(std::chrono::milliseconds shortest_timeout);

 private:
  void arm();
  void on_tick();
  // Whether the stop cuts `conn` off by `now`.
  bool stopped_for(const Connection& conn, std::chrono::steady_clock::time_point now);

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds tick_;
  const std::atomic<bool>* stop_;
  std::chrono::milliseconds stop_grace_;
  // When a tick first saw the stop flag set: the grace counts from here.
  std::optional<std::chrono::steady_clock::time_point> stopped_at_;
  std::vector<Connection*> watched_;
  bool armed_ = false;
  // False once this is destroyed. A tick already due is queued to run, and
  // cancelling the timer no longer changes its error code: the wait checks
  // this instead of touching a watch that is gone (a pool destroyed while
  // its loop runs on, as a program using the library may do).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace s3loop::net
