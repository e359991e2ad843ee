// The flags that choose how a job runs (--strategy, --concurrency, --threads,
// --loops), shared by cp and select, and their check into exec::Settings.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/exec/strategy.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace s3loop::cli {

struct StrategyFlags {
  std::string strategy = "async";
  int concurrency = 0;  // the command's default, given to add_strategy_flags
  int threads = 0;      // 0: the strategy's default
  int loops = 1;
};

// `in_flight` names what --concurrency counts ("Requests", "Ranges") and
// `concurrency_note` adds to its help.
void add_strategy_flags(CLI::App& command, StrategyFlags& flags, int default_concurrency,
                        const std::string& in_flight, const std::string& concurrency_note = "");

// Parsed and validated; a usage error names the bad flag.
Result<exec::Settings> strategy_settings(const StrategyFlags& flags);

}  // namespace s3loop::cli
