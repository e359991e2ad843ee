#include "adaptive_gate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace s3loop::exec {

namespace asio = boost::asio;

namespace {
// A waiter wakes on its own this often even if nobody hands it room: to
// notice that the run is stopping, and so that no lost wake-up can hang it.
constexpr std::chrono::milliseconds kRecheck{100};
}  // namespace

struct AdaptiveGate::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  std::optional<std::uint64_t> ticket;  // set when room was handed over
};

asio::awaitable<std::optional<std::uint64_t>> AdaptiveGate::enter() {
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    std::shared_ptr<Waiter> waiter;
    {
      std::lock_guard lock(mutex_);
      if (auto ticket = limit_.try_acquire()) co_return ticket;
      waiter = std::make_shared<Waiter>(executor);
      waiters_.push_back(waiter);
      // The timer is armed under the lock: a hand-off posts its cancel()
      // to this loop, which runs only once this coroutine is suspended.
      waiter->timer.expires_after(kRecheck);
    }
    co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    {
      std::lock_guard lock(mutex_);
      if (waiter->ticket) co_return waiter->ticket;
      // Not handed room: leave the queue (its timer belongs to this loop,
      // which may end before the gate does), then look again or give up.
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), waiter));
    }
    if (state_.stopping()) co_return std::nullopt;
  }
}

void AdaptiveGate::leave(std::uint64_t ticket, s3::AttemptReply reply) {
  limit_.release(ticket, reply, AdaptiveLimit::Clock::now());
  std::lock_guard lock(mutex_);
  grant_locked();
}

void AdaptiveGate::grant_locked() {
  while (!waiters_.empty()) {
    auto ticket = limit_.try_acquire();
    if (!ticket) return;
    std::shared_ptr<Waiter> waiter = std::move(waiters_.front());
    waiters_.pop_front();
    waiter->ticket = ticket;
    asio::post(waiter->timer.get_executor(), [waiter] { waiter->timer.cancel(); });
  }
}

}  // namespace s3loop::exec
