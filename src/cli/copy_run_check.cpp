#include "copy_run_check.hpp"

#include "open_files.hpp"

#include <cstdint>

namespace s3loop::cli {

Result<CopyRun> check_copy_run(const CopyRunFlags& flags) {
  auto settings = strategy_settings(flags.run);
  if (!settings) return settings.error();
  CopyRun run;
  run.settings = *settings;
  run.settings.adaptive = flags.adaptive;
  // serial means one request at a time, the listing's included.
  run.list_concurrency =
      flags.list_concurrency.value_or(run.settings.kind == exec::StrategyKind::serial ? 1 : 16);
  if (auto fits = check_open_files(
          copy_open_file_need(run.settings, static_cast<std::uint64_t>(run.list_concurrency)));
      !fits) {
    return fits.error();
  }
  return run;
}

}  // namespace s3loop::cli
