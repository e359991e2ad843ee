#include "s3loop/exec/strategy.hpp"

#include "loop_runner.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <thread>

namespace s3loop::exec {

std::unique_ptr<Strategy> make_async_strategy(const Settings& settings);
std::unique_ptr<Strategy> make_serial_strategy(const Settings& settings);
std::unique_ptr<Strategy> make_threads_strategy(const Settings& settings);
std::unique_ptr<Strategy> make_async_pool_strategy(const Settings& settings);

std::string_view strategy_name(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::serial:
      return "serial";
    case StrategyKind::threads:
      return "threads";
    case StrategyKind::async:
      return "async";
    case StrategyKind::async_pool:
      return "async-pool";
  }
  return "?";
}

Result<StrategyKind> parse_strategy(std::string_view name) {
  for (auto kind : {StrategyKind::serial, StrategyKind::threads, StrategyKind::async,
                    StrategyKind::async_pool}) {
    if (name == strategy_name(kind)) return kind;
  }
  return make_error(
      ErrorKind::usage,
      fmt::format("unknown strategy '{}': use serial, threads, async or async-pool", name));
}

std::string describe_workers(const Settings& settings) {
  switch (settings.kind) {
    case StrategyKind::serial:
      return "1";
    case StrategyKind::threads:
      return fmt::format("T={}", max_in_flight(settings));
    case StrategyKind::async:
      return fmt::format("C={}", settings.concurrency);
    case StrategyKind::async_pool:
      // (No more loops run than requests may be in flight.)
      return fmt::format("C={} L={} T={}", settings.concurrency,
                         std::min(settings.loops, settings.concurrency),
                         settings.threads > 0 ? settings.threads : default_cpu_workers());
  }
  return "?";
}

int max_in_flight(const Settings& settings) {
  switch (settings.kind) {
    case StrategyKind::serial:
      return 1;
    case StrategyKind::threads:
      return settings.threads > 0 ? settings.threads : default_thread_count();
    case StrategyKind::async:
    case StrategyKind::async_pool:
      return settings.concurrency;
  }
  return settings.concurrency;
}

Result<void> validate(const Settings& settings) {
  // Beyond these, a single process would run out of threads before it ran
  // any faster.
  constexpr int kMaxThreads = 1'024;
  constexpr int kMaxLoops = 64;
  if (settings.concurrency < 1 || settings.concurrency > kMaxConcurrency) {
    return make_error(ErrorKind::usage,
                      fmt::format("--concurrency must be between 1 and {} (got {})",
                                  kMaxConcurrency, settings.concurrency));
  }
  if (settings.threads < 0 || settings.threads > kMaxThreads) {
    // (0 is no flag's value but the library's "choose for me": said, so that
    // the range does not read as if 0 were refused.)
    return make_error(ErrorKind::usage,
                      fmt::format("--threads must be between 1 and {}, or 0 for the strategy's "
                                  "default (got {})",
                                  kMaxThreads, settings.threads));
  }
  if (settings.loops < 1 || settings.loops > kMaxLoops) {
    return make_error(ErrorKind::usage, fmt::format("--loops must be between 1 and {} (got {})",
                                                    kMaxLoops, settings.loops));
  }
  return {};
}

bool fails_whole_job(const Error& error) {
  // A TLS error every connection would meet (an untrusted certificate, a
  // refused session) stops the job; one a connection met by chance (the
  // server closed it in the handshake) is retried and, when retries ran
  // out, fails its item only -- it stopped a 308-object copy after 69.
  const bool tls_for_every_connection = error.kind == ErrorKind::tls && !error.retryable;
  // A setting that must change (a proxy that wants other credentials, or
  // does not allow the host) fails every request after it too; proxy
  // credentials may expire mid-run (400 lines of the same 407 before).
  return error.kind == ErrorKind::credentials || error.kind == ErrorKind::config ||
         tls_for_every_connection || error.s3_code == "NoSuchBucket";
}

Result<std::unique_ptr<Strategy>> make_strategy(const Settings& settings) {
  // Out of range, they hang (no request slot) or crash (no event loop).
  if (auto valid = validate(settings); !valid) return valid.error();
  switch (settings.kind) {
    case StrategyKind::serial:
      return make_serial_strategy(settings);
    case StrategyKind::async:
      return make_async_strategy(settings);
    case StrategyKind::threads:
      return make_threads_strategy(settings);
    case StrategyKind::async_pool:
      return make_async_pool_strategy(settings);
  }
  return make_error(ErrorKind::usage, "unknown strategy kind");
}

}  // namespace s3loop::exec
