// How a Job runs. One interface, several strategies; jobs never know which.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/exec/adaptive_limit.hpp"
#include "s3loop/exec/job.hpp"
#include "s3loop/s3/client.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace s3loop::exec {

enum class StrategyKind { serial, threads, async, async_pool };

std::string_view strategy_name(StrategyKind kind);
Result<StrategyKind> parse_strategy(std::string_view name);

struct Settings {
  StrategyKind kind = StrategyKind::async;
  int concurrency = 256;  // async: requests in flight
  // threads: blocking workers, 0 = min(32, hardware threads + 4);
  // async-pool: CPU workers, 0 = hardware threads.
  int threads = 0;
  int loops = 1;  // async-pool: event loops
  // async, async-pool: at most `concurrency` requests in flight, fewer while
  // the server throttles (AdaptiveLimit), instead of always `concurrency`.
  // Off by default.
  bool adaptive = false;
};

// "1", "T=6", "C=256", "C=256 L=2 T=2": the parallelism a run really used.
std::string describe_workers(const Settings& settings);
// The most requests the strategy has in flight at once: 1 for serial, its
// workers for threads (one blocking request each), `concurrency` for the
// async strategies.
int max_in_flight(const Settings& settings);

// Beyond this many requests in flight, a single process would run out of
// sockets before it ran any faster.
inline constexpr int kMaxConcurrency = 10'000;

// Validates ranges; the message names the flag.
Result<void> validate(const Settings& settings);

struct Failure {
  std::string item;  // usually the key
  Error error;
};

struct RunReport {
  std::uint64_t produced = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  // Cut off in flight by a cancel (Ctrl-C), not counted as failed: like the
  // items never started, their work is simply not done.
  std::uint64_t interrupted = 0;
  std::uint64_t bytes = 0;
  bool cancelled = false;
  // The job as a whole failed: its listing did, or an error that every item
  // would hit (missing bucket, rejected credentials) stopped it early.
  std::optional<Error> job_error;
  std::vector<Failure> failures;    // the first kMaxFailureDetails
  std::uint64_t max_in_flight = 0;  // highest number of items processed at once
  // Adaptive concurrency (async strategies): the limit on requests in flight
  // over time, how often throttling cut it, and the lowest it was (the first
  // limit when nothing cut it).
  bool adaptive = false;
  int limit_cuts = 0;
  int limit_min = 0;
  int limit_final = 0;
  std::vector<LimitSample> limit_history;
  static constexpr std::size_t kMaxFailureDetails = 10'000;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Runs the job to completion (or cancellation) on threads of its own
  // choosing and returns when all work has finished. The run's clients are
  // interrupted by shared.interrupted when the caller set it (the command
  // points it at this same flag, for SIGINT), else by this strategy's cancel
  // flag; `shared` itself is not written, so several runs may share it.
  virtual RunReport run(Job& job, s3::ClientShared& shared) = 0;
  // Thread-safe and async-signal-safe to call through a flag: stops producing,
  // and (unless shared.interrupted names another flag) cuts off the requests
  // in flight; the items they belonged to end as interrupted. A cancelled
  // strategy stays cancelled: a later run() does no work (make a new one).
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }
  // For a signal handler: storing true into it is all cancel() does.
  std::atomic<bool>& cancel_flag() { return cancelled_; }

 protected:
  std::atomic<bool> cancelled_{false};
};

// Settings out of range (validate()) are an error of kind usage.
Result<std::unique_ptr<Strategy>> make_strategy(const Settings& settings);

// Errors that every further item would hit too (missing bucket, rejected
// credentials, untrusted certificate, a proxy refusing them -- kind config):
// the run stops at the first.
bool fails_whole_job(const Error& error);

}  // namespace s3loop::exec
