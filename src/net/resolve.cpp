#include "resolve.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <algorithm>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace s3loop::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// How often a wait for a lookup looks at the stop flag.
constexpr std::chrono::milliseconds kStopCheck{100};

// What the lookup's thread and the waiting coroutine share; the thread may
// outlive the coroutine, its loop and its io_context.
struct Lookup {
  std::mutex mutex;
  bool done = false;
  bool abandoned = false;  // the coroutine left: nobody wants the answer
  Resolved answer;
  asio::steady_timer* wake = nullptr;  // the coroutine's, while it waits
  asio::any_io_executor executor;      // not counted as work: may outlive its loop
};

// Leaves the lookup however the coroutine ends: answered, given up on, or
// destroyed with its io_context while it waited (the thread then neither
// posts to that loop nor reaches the timer).
struct Leave {
  std::shared_ptr<Lookup> lookup;
  ~Leave() {
    std::lock_guard lock(lookup->mutex);
    lookup->wake = nullptr;
    lookup->abandoned = true;
  }
};

}  // namespace

Resolved resolve_blocking(const std::string& host, const std::string& service) {
  // A synchronous resolve calls getaddrinfo on this thread.
  asio::io_context context(1);
  tcp::resolver resolver(context);
  Resolved out;
  out.second = resolver.resolve(host, service, out.first);
  return out;
}

asio::awaitable<Resolved> resolve(asio::any_io_executor executor, std::string host,
                                  std::uint16_t port, std::chrono::milliseconds timeout,
                                  const std::atomic<bool>* stop, BlockingResolve blocking) {
  const std::string service = std::to_string(port);
  boost::system::error_code not_literal;
  const auto address = asio::ip::make_address(host, not_literal);
  if (!not_literal) {
    co_return Resolved{
        {}, tcp::resolver::results_type::create(tcp::endpoint(address, port), host, service)};
  }
  auto lookup = std::make_shared<Lookup>();
  lookup->executor = asio::prefer(executor, asio::execution::outstanding_work.untracked);
  asio::steady_timer wake(executor);
  lookup->wake = &wake;
  const Leave leave{lookup};
  try {
    std::thread([lookup, host, service, blocking] {
      Resolved answer = blocking(host, service);
      std::lock_guard lock(lookup->mutex);
      lookup->answer = std::move(answer);
      lookup->done = true;
      if (lookup->abandoned) return;
      // Still waited for, so its loop is alive: wake the coroutine there
      // (the handler finds the timer gone if it left meanwhile).
      asio::post(lookup->executor, [lookup] {
        std::lock_guard wake_lock(lookup->mutex);
        if (lookup->wake != nullptr) lookup->wake->cancel();
      });
    }).detach();
  } catch (const std::system_error&) {
    co_return Resolved{make_error_code(boost::system::errc::resource_unavailable_try_again), {}};
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(lookup->mutex);
      const auto now = std::chrono::steady_clock::now();
      const bool stopped = stop != nullptr && stop->load();
      if (lookup->done) co_return std::move(lookup->answer);
      if (stopped || now >= deadline) {
        co_return Resolved{stopped ? boost::system::error_code(asio::error::operation_aborted)
                                   : boost::system::error_code(boost::beast::error::timeout),
                           {}};
      }
      wake.expires_at(std::min(deadline, now + kStopCheck));
    }
    co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace s3loop::net
