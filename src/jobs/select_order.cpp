#include "select_order.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace s3loop::jobs {

namespace asio = boost::asio;

// A suspended admit(): woken by cancelling its timer on its own executor (the
// waker may run on another thread, and a timer is not thread-safe).
struct RangeWindow::Waiter {
  std::uint64_t index;
  asio::steady_timer timer;
};

asio::awaitable<bool> RangeWindow::admit(std::uint64_t index) {
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    std::shared_ptr<Waiter> waiter;
    {
      std::lock_guard lock(mutex_);
      if (unwanted(index)) co_return false;
      if (index < next_ + window_) co_return true;
      waiter = std::make_shared<Waiter>(Waiter{index, asio::steady_timer(executor)});
      waiter->timer.expires_at(asio::steady_timer::time_point::max());
      waiters_.push_back(waiter);
    }
    // The wake-up is posted to this executor, so it cannot run before the
    // wait below has started.
    co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void RangeWindow::stop_after(std::uint64_t index) {
  std::lock_guard lock(mutex_);
  stop_after_locked(index);
  wake_admitted_locked();
}

void RangeWindow::wake_admitted_locked() {
  std::erase_if(waiters_, [&](const std::shared_ptr<Waiter>& waiter) {
    if (!unwanted(waiter->index) && waiter->index >= next_ + window_) return false;
    asio::post(waiter->timer.get_executor(), [waiter] { waiter->timer.cancel(); });
    return true;
  });
}

}  // namespace s3loop::jobs
