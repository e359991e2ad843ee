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
  auto result = exec::run_once<T>(shared, body);
  install_interrupt_handler(nullptr);
  shared.interrupted = nullptr;
  interrupted = flag.load();
  return result;
}

}  // namespace s3loop::cli
