#include "strategy_flags.hpp"

#include <fmt/format.h>

namespace s3loop::cli {

void add_strategy_flags(CLI::App& command, StrategyFlags& flags, int default_concurrency,
                        const std::string& in_flight, const std::string& concurrency_note) {
  flags.concurrency = default_concurrency;
  command.add_option("--strategy", flags.strategy,
                     "serial, threads, async or async-pool (default async)");
  command.add_option("-c,--concurrency", flags.concurrency,
                     fmt::format("{} in flight for async and async-pool (default {}{})", in_flight,
                                 default_concurrency, concurrency_note));
  command
      .add_option("--threads", flags.threads,
                  "threads: blocking workers (default min(32, cores+4)); async-pool: CPU "
                  "workers (default cores)")
      ->check(CLI::Range(1, 1024));
  command
      .add_option("--loops", flags.loops, "async-pool: event loops, one thread each (default 1)")
      ->check(CLI::Range(1, 64));
}

Result<exec::Settings> strategy_settings(const StrategyFlags& flags) {
  auto kind = exec::parse_strategy(flags.strategy);
  if (!kind) return kind.error();
  exec::Settings settings;
  settings.kind = *kind;
  settings.concurrency = flags.concurrency;
  settings.threads = flags.threads;
  settings.loops = flags.loops;
  if (auto valid = exec::validate(settings); !valid) return valid.error();
  return settings;
}

}  // namespace s3loop::cli
