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

#include <chrono>
#include <vector>

namespace s3loop::net {

class Connection;

class DeadlineWatch {
 public:
  DeadlineWatch(const boost::asio::any_io_executor& executor, std::chrono::milliseconds tick);
  DeadlineWatch(const DeadlineWatch&) = delete;
  DeadlineWatch& operator=(const DeadlineWatch&) = delete;

  // From now until unwatch(), `conn`'s socket operations are cancelled once
  // its deadline (Connection::expires_after) has passed, and it is marked
  // timed out.
  void watch(Connection& conn);
  void unwatch(Connection& conn);

  // A tick a tenth of the shortest timeout, between 5 and 100 ms.
  static std::chrono::milliseconds tick_for(std::chrono::milliseconds shortest_timeout);

 private:
  void arm();
  void on_tick();

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds tick_;
  std::vector<Connection*> watched_;
  bool armed_ = false;
};

}  // namespace s3loop::net
