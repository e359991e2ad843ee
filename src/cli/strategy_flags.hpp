// The flags that choose how a job runs (--strategy, --concurrency, --threads,
// --loops), shared by cp and select, and their check into exec::Settings.
#pragma once

#include "open_files.hpp"

#include "s3loop/error.hpp"
#include "s3loop/exec/strategy.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace s3loop::cli {

struct StrategyFlags {
  std::string strategy = "async";
  int default_concurrency = 0;  // the command's, given to add_strategy_flags
  // Unset when not given: the strategy's default then, and no word about a
  // flag it does not use.
  std::optional<int> concurrency;
  std::optional<int> threads;
  std::optional<int> loops;
};

// `in_flight` names what --concurrency counts ("Requests", "Ranges") and
// `concurrency_note` adds to its help.
void add_strategy_flags(CLI::App& command, StrategyFlags& flags, int default_concurrency,
                        const std::string& in_flight, const std::string& concurrency_note = "");

// Parsed and validated; a usage error names the bad flag.
Result<exec::Settings> strategy_settings(const StrategyFlags& flags);

// The connections a run under `settings` may hold at once (one per request
// in flight).
std::uint64_t connections_in_flight(const exec::Settings& settings);
// The event loops it runs (each holds descriptors of its own): one per
// worker under threads, --loops (at most --concurrency) under async-pool, one
// otherwise; a listing's own loop not included.
std::uint64_t event_loops(const exec::Settings& settings);
// Both, with the flag that sets them ("--concurrency 256"), for the open-file
// check.
OpenFileNeed open_file_need(const exec::Settings& settings);
// A copy's: the strategy's, and its listing's `listing` connections and loop.
OpenFileNeed copy_open_file_need(const exec::Settings& settings, std::uint64_t listing);

// A flag given that a strategy does not use (`--loops 4` under async), and
// the strategies it is for: a warning, since the command still runs as asked,
// only not as the flag suggests.
struct UnusedFlag {
  std::string flag;     // "--loops"
  std::string used_by;  // "async-pool"
};

// `adaptive`: cp's --adaptive was given.
std::vector<UnusedFlag> unused_strategy_flags(const StrategyFlags& flags, exec::StrategyKind kind,
                                              bool adaptive = false);

// "--loops has no effect under --strategy async (it is for async-pool)".
std::string unused_flag_warning(const UnusedFlag& unused, exec::StrategyKind kind);

// A flag given that the run takes as less than asked: --loops above
// --concurrency under async-pool runs one loop per request in flight ("--loops
// 3 runs as 2: no more event loops than --concurrency 2"). None otherwise.
std::optional<std::string> reduced_flag_warning(const StrategyFlags& flags,
                                                const exec::Settings& settings);

}  // namespace s3loop::cli
