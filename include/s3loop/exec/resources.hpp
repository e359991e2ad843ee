// What the process has used: CPU seconds and peak resident memory.
#pragma once

#include <cstdint>

namespace s3loop::exec {

struct ResourceUsage {
  double user_seconds = 0;
  double system_seconds = 0;
  std::uint64_t peak_rss_bytes = 0;
  double cpu_seconds() const { return user_seconds + system_seconds; }
};

// getrusage(RUSAGE_SELF): the whole process, every thread.
ResourceUsage process_usage();

}  // namespace s3loop::exec
