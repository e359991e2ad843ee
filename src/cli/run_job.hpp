// Runs a job under a strategy with SIGINT wired to cancellation, and gathers
// the numbers the summary reports.
#pragma once

#include "s3loop/exec/resources.hpp"
#include "s3loop/exec/strategy.hpp"

#include <chrono>

namespace s3loop::cli {

struct JobRun {
  exec::RunReport report;
  double wall_seconds = 0;
  exec::ResourceUsage usage;
};

// The wall time counts from `started`: a command whose own requests come
// before the job (cp's bucket check, select's plan) passes when it began them,
// so that the summary's time covers every request it counts.
// uploads_may_be_left: see install_interrupt_handler (cp).
JobRun run_job(exec::Strategy& strategy, exec::Job& job, s3::ClientShared& shared,
               std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now(),
               bool uploads_may_be_left = false);

}  // namespace s3loop::cli
