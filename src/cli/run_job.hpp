// Runs a job under a strategy with SIGINT wired to cancellation, and gathers
// the numbers the summary reports.
#pragma once

#include "s3loop/exec/resources.hpp"
#include "s3loop/exec/strategy.hpp"

namespace s3loop::cli {

struct JobRun {
  exec::RunReport report;
  double wall_seconds = 0;
  exec::ResourceUsage usage;
};

JobRun run_job(exec::Strategy& strategy, exec::Job& job, s3::ClientShared& shared);

}  // namespace s3loop::cli
