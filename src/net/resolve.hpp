// Name resolution that the connect deadline and a stop (Ctrl-C) cut short.
// Private to net.
//
// Why not asio's resolver alone: it runs getaddrinfo on a thread of its own
// and its cancel() takes effect only when getaddrinfo returns, which, with
// the resolver unreachable, is resolv.conf's timeout later (10 s here per
// attempt) -- --connect-timeout did not bound the lookup, and a Ctrl-C
// waited it out. Here the lookup runs on a detached thread of its own and
// the waiting coroutine leaves at the deadline or the stop; a lookup given
// up on finishes by itself and its answer is dropped. An IP address needs
// no lookup (nor a thread).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace s3loop::net {

using Resolved = std::pair<boost::system::error_code, boost::asio::ip::tcp::resolver::results_type>;

// Looks host:service up, blocking the calling thread (getaddrinfo).
using BlockingResolve =
    std::function<Resolved(const std::string& host, const std::string& service)>;
Resolved resolve_blocking(const std::string& host, const std::string& service);

// host:port's addresses; or beast::error::timeout once `timeout` has passed,
// asio::error::operation_aborted once `*stop` is set (looked at every tenth
// of a second), errc::resource_unavailable_try_again when no thread could be
// started, or the lookup's own error. (Arguments by value: a coroutine
// starts after the expression that made it, its temporaries gone.)
boost::asio::awaitable<Resolved> resolve(boost::asio::any_io_executor executor, std::string host,
                                         std::uint16_t port, std::chrono::milliseconds timeout,
                                         const std::atomic<bool>* stop,
                                         BlockingResolve blocking = resolve_blocking);

}  // namespace s3loop::net
