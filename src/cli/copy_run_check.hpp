// What cp checks of how a run would go before it starts, its URLs aside: the
// strategy's settings, and that the run's connections fit the open-file
// limit. compare makes the same checks for every strategy it compares before
// its first run: a run refused there (async at --concurrency 3000 under a
// limit of 1024) ended compare after the runs before it had copied in full,
// their results thrown away.
#pragma once

#include "strategy_flags.hpp"

#include "s3loop/error.hpp"
#include "s3loop/exec/strategy.hpp"

#include <optional>

namespace s3loop::cli {

// Requests in flight by default (--concurrency).
inline constexpr int kCopyDefaultConcurrency = 256;

struct CopyRunFlags {
  StrategyFlags run;
  bool adaptive = false;
  std::optional<int> list_concurrency;
};

struct CopyRun {
  exec::Settings settings;
  int list_concurrency = 0;  // the flag's, or the strategy's default
};

// A usage error names the flag to change.
Result<CopyRun> check_copy_run(const CopyRunFlags& flags);

}  // namespace s3loop::cli
