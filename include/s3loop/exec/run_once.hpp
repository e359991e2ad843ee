// Runs one coroutine against a fresh client on a private event loop and
// returns its result: for one-off operations (mb, set-up, plan_select, tests)
// that need no strategy.
//
// Stopping it: there is no strategy whose cancel() could reach it. Its client
// watches ClientShared::interrupted: point that at a flag before the call and
// set the flag (from any thread, or a signal handler) to cut its requests off
// within a tenth of a second ("... failed: interrupted", kind cancelled).
// Without it, a server that never answers holds the call for the client's
// timeouts and retries.
//
// An exception the body lets through comes back as an Error, as a
// strategy's run turns one into an item's or the job's error: nothing
// escapes.
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
  try {
    boost::asio::io_context loop(1);  // (which may find no descriptor left)
    s3::Client client(loop.get_executor(), shared);
    s3::RetryBudget retry_budget(shared.retry_budget.capacity());  // its own, as a run's
    client.set_retry_budget(&retry_budget);
    auto future = boost::asio::co_spawn(loop, body(client), boost::asio::use_future);
    loop.run();
    return future.get();
  } catch (...) {
    // (In place: a T that an Error converts to, std::optional<Error> say,
    // would make the plain conversion ambiguous.)
    return Result<T>(boost::system::in_place_error, error_from_exception(std::current_exception()));
  }
}

}  // namespace s3loop::exec
