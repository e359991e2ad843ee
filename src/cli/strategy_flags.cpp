#include "strategy_flags.hpp"
#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace s3loop::cli {

void add_strategy_flags(CLI::App& command, StrategyFlags& flags, int default_concurrency,
                        const std::string& in_flight, const std::string& concurrency_note) {
  flags.default_concurrency = default_concurrency;
  command.add_option("--strategy", flags.strategy,
                     "serial, threads, async or async-pool (default async)");
  command
      .add_option(
          "-c,--concurrency", flags.concurrency,
          fmt::format("{} in flight for async and async-pool (default {}{}; 1..{})", in_flight,
                      default_concurrency, concurrency_note, exec::kMaxConcurrency))
      ->transform(whole_number_ranged_later(1, exec::kMaxConcurrency));
  whole_number_option(command.add_option("--threads", flags.threads,
                                         "threads: blocking workers (default min(32, cores+4)); "
                                         "async-pool: CPU workers (default cores)"),
                      1, 1024);
  whole_number_option(command.add_option("--loops", flags.loops,
                                         "async-pool: event loops, one thread each (default 1)"),
                      1, 64);
}

Result<exec::Settings> strategy_settings(const StrategyFlags& flags) {
  auto kind = exec::parse_strategy(flags.strategy);
  if (!kind) return kind.error();
  exec::Settings settings;
  settings.kind = *kind;
  settings.concurrency = flags.concurrency.value_or(flags.default_concurrency);
  settings.threads = flags.threads.value_or(0);  // 0: the strategy's default
  settings.loops = flags.loops.value_or(1);
  if (auto valid = exec::validate(settings); !valid) return valid.error();
  return settings;
}

std::uint64_t connections_in_flight(const exec::Settings& settings) {
  // One connection per request in flight (the threads default as exec takes it).
  return static_cast<std::uint64_t>(exec::max_in_flight(settings));
}

std::uint64_t event_loops(const exec::Settings& settings) {
  switch (settings.kind) {
    case exec::StrategyKind::threads:
      return connections_in_flight(settings);
    case exec::StrategyKind::async_pool:
      // No more loops run than requests may be in flight.
      return static_cast<std::uint64_t>(
          std::max(std::min(settings.loops, settings.concurrency), 1));
    case exec::StrategyKind::serial:
    case exec::StrategyKind::async:
      break;
  }
  return 1;
}

OpenFileNeed open_file_need(const exec::Settings& settings) {
  OpenFileNeed need;
  need.connections = connections_in_flight(settings);
  need.event_loops = event_loops(settings);
  switch (settings.kind) {
    case exec::StrategyKind::serial:
      need.settings = "--strategy serial";
      return need;
    case exec::StrategyKind::threads:
      need.settings = settings.threads > 0 ? fmt::format("--threads {}", settings.threads)
                                           : std::string("--strategy threads");
      need.flag = "--threads";
      need.loops_per_unit = 1;
      break;
    case exec::StrategyKind::async_pool:
      // A loop per request in flight, up to --loops.
      need.loops_per_unit = 1;
      need.loops_cap = static_cast<std::uint64_t>(std::max(settings.loops, 1));
      [[fallthrough]];
    case exec::StrategyKind::async:
      need.settings = fmt::format("--concurrency {}", settings.concurrency);
      need.flag = "--concurrency";
      break;
  }
  need.flag_value = need.connections;
  return need;
}

OpenFileNeed copy_open_file_need(const exec::Settings& settings, std::uint64_t listing) {
  OpenFileNeed need = open_file_need(settings);
  need.connections += listing;
  need.event_loops += 1;  // the listing's
  need.settings += fmt::format(" with --list-concurrency {}", listing);
  if (need.flag.empty()) {  // serial: only the listing's connections can be fewer
    need.flag = "--list-concurrency";
    need.flag_value = listing;
  }
  return need;
}

std::vector<UnusedFlag> unused_strategy_flags(const StrategyFlags& flags, exec::StrategyKind kind,
                                              bool adaptive) {
  using exec::StrategyKind;
  const bool async_kind = kind == StrategyKind::async || kind == StrategyKind::async_pool;
  std::vector<UnusedFlag> unused;
  if (flags.concurrency.has_value() && !async_kind) {
    unused.push_back({"--concurrency", kind == StrategyKind::threads
                                           ? "async and async-pool; threads: set --threads"
                                           : "async and async-pool"});
  }
  if (flags.threads.has_value() && kind != StrategyKind::threads &&
      kind != StrategyKind::async_pool) {
    unused.push_back({"--threads", "threads and async-pool"});
  }
  if (flags.loops.has_value() && kind != StrategyKind::async_pool) {
    unused.push_back({"--loops", "async-pool"});
  }
  if (adaptive && !async_kind) unused.push_back({"--adaptive", "async and async-pool"});
  return unused;
}

std::string unused_flag_warning(const UnusedFlag& unused, exec::StrategyKind kind) {
  return fmt::format("{} has no effect under --strategy {} (it is for {})", unused.flag,
                     exec::strategy_name(kind), unused.used_by);
}

std::optional<std::string> reduced_flag_warning(const StrategyFlags& flags,
                                                const exec::Settings& settings) {
  if (settings.kind != exec::StrategyKind::async_pool || !flags.loops.has_value() ||
      *flags.loops <= settings.concurrency) {
    return std::nullopt;
  }
  return fmt::format("--loops {} runs as {}: no more event loops than --concurrency {}",
                     *flags.loops, settings.concurrency, settings.concurrency);
}

}  // namespace s3loop::cli
