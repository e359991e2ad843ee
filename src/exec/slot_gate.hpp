// The work one event loop may have in flight: one slot per consumer. A
// consumer takes a slot for every item it processes; a job may borrow the
// slots idle consumers leave free for sub-tasks of its own (the parts of a
// multipart copy), so spare capacity speeds up a large item without ever
// putting more than the run's bound in flight. A consumer waiting for a slot
// goes before any further borrowing. Single-threaded: used on its loop only.
// Private to exec.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace s3loop::exec {

struct RunState;

class SlotGate {
 public:
  SlotGate(const boost::asio::any_io_executor& executor, int slots, RunState& state);

  // A consumer's slot for one item: at once when one is free, else when a
  // borrowed one comes back.
  boost::asio::awaitable<void> take();
  void give_back();

  // A slot for a sub-task, only when one is free and no consumer waits for
  // one. Counted as work in flight (RunState) until returned.
  bool try_borrow();
  void return_borrowed();

 private:
  int free_;
  int waiting_ = 0;
  RunState& state_;
  // Never expires: waiters wait on it and give_back() wakes one with cancel_one().
  boost::asio::steady_timer wake_;
};

}  // namespace s3loop::exec
