// One-off requests that Ctrl-C stops cleanly (a command's checks and
// planning before its run): no further attempt, and the caller ends with
// one line and 130 (143 for SIGTERM) rather than the process dying of the
// signal -- which a shell shows as 130 too, but a CI runner, Python's
// returncode (-2) or a supervisor do not.
#pragma once

#include "common.hpp"

#include "s3loop/exec/run_once.hpp"

#include <atomic>
#include <functional>
#include <optional>

namespace s3loop::cli {

// exec::run_once with SIGINT and SIGTERM cutting the requests off;
// `interrupted` says whether one came (the result is then an error).
template <class T>
Result<T> run_once_interruptible(
    s3::ClientShared& shared, bool& interrupted,
    const std::function<boost::asio::awaitable<Result<T>>(s3::Client&)>& body) {
  std::atomic<bool> flag{false};
  install_interrupt_handler(&flag);
  shared.interrupted = &flag;
  // Removed on every way out: an exception from the body (out of memory,
  // caught in main) left the handler and the clients pointing at this
  // frame's flag, gone once it unwound.
  struct Uninstall {
    s3::ClientShared& shared;
    ~Uninstall() {
      install_interrupt_handler(nullptr);
      shared.interrupted = nullptr;
    }
  };
  std::optional<Result<T>> result;
  {
    const Uninstall uninstall{shared};
    result.emplace(exec::run_once<T>(shared, body));
  }
  // Read once the handler is gone: a signal up to then counts.
  interrupted = flag.load();
  return std::move(*result);
}

}  // namespace s3loop::cli
