// Runs one coroutine against a fresh client on a private event loop and
// returns its result: for one-off operations (mb, set-up, tests) that need no
// strategy.
#pragma once

#include "s3loop/s3/client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <functional>

namespace s3loop::exec {

template <class T>
Result<T> run_once(s3::ClientShared& shared,
                   const std::function<boost::asio::awaitable<Result<T>>(s3::Client&)>& body) {
  boost::asio::io_context loop(1);
  s3::Client client(loop.get_executor(), shared);
  s3::RetryBudget retry_budget(shared.retry_budget.capacity());  // its own, as a run's
  client.set_retry_budget(&retry_budget);
  auto future = boost::asio::co_spawn(loop, body(client), boost::asio::use_future);
  loop.run();
  return future.get();
}

}  // namespace s3loop::exec
