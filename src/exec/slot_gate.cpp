#include "slot_gate.hpp"

#include "pipeline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace s3loop::exec {

namespace asio = boost::asio;

SlotGate::SlotGate(const asio::any_io_executor& executor, int slots, RunState& state)
    : free_(slots), state_(state), wake_(executor, asio::steady_timer::time_point::max()) {}

asio::awaitable<void> SlotGate::take() {
  // Consumers may take a free slot ahead of a waiter that was woken but has
  // not run yet: either way one of them gets to work.
  if (free_ > 0) {
    --free_;
    co_return;
  }
  ++waiting_;
  while (free_ == 0) co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  --waiting_;
  --free_;
  // Two slots may have come back while this waiter was being woken.
  if (free_ > 0 && waiting_ > 0) wake_.cancel_one();
}

void SlotGate::give_back() {
  ++free_;
  if (waiting_ > 0) wake_.cancel_one();
}

bool SlotGate::try_borrow() {
  if (free_ == 0 || waiting_ > 0) return false;
  --free_;
  state_.enter();
  return true;
}

void SlotGate::return_borrowed() {
  state_.leave();
  give_back();
}

}  // namespace s3loop::exec
