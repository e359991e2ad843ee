#include "run_job.hpp"

#include "common.hpp"

#include <chrono>

namespace s3loop::cli {

JobRun run_job(exec::Strategy& strategy, exec::Job& job, s3::ClientShared& shared,
               std::chrono::steady_clock::time_point started, bool uploads_may_be_left) {
  install_interrupt_handler(&strategy.cancel_flag(), uploads_may_be_left);
  shared.interrupted = &strategy.cancel_flag();
  JobRun run;
  run.report = strategy.run(job, shared);
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  run.usage = exec::process_usage();
  install_interrupt_handler(nullptr);
  shared.interrupted = nullptr;
  return run;
}

}  // namespace s3loop::cli
