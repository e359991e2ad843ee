// Runs an event loop the way io_context::run does, except that while many
// requests are in flight it lets their completions gather for a moment
// between polls instead of waking once per completion. Private to exec.
//
// Why: with hundreds of requests in flight against a server that answers a
// few hundred a second, replies arrive one at a time, and the loop thread
// slept and woke about 1.5 times per request -- two context switches each,
// some 20 us of CPU apiece on the 2-core VM we measure on, a tenth of the
// client's CPU. Waiting `window` after a poll that found work (and blocking
// as usual after one that found none) cut the wakeups from ~3,100 to ~1,000
// per 2,000 copies and the client's CPU by 6-11%, with the same wall time: a
// reply waits at most `window` longer, small beside a request's own latency
// when that many are in flight (bench/strategies).
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <thread>

namespace s3loop::exec {

struct CompletionBatching {
  std::chrono::microseconds window{0};  // 0: run exactly as io_context::run
  // Whether enough is in flight on this loop for completions to gather.
  std::function<bool()> busy;
  // How the loop waits out a window (tests count the calls).
  std::function<void(std::chrono::microseconds)> sleep = [](std::chrono::microseconds how_long) {
    std::this_thread::sleep_for(how_long);
  };
};

// Returns when the loop is out of work or stopped.
void run_batching(boost::asio::io_context& context, const CompletionBatching& batching);

}  // namespace s3loop::exec
