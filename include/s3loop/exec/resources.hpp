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

// CPU from getrusage(RUSAGE_SELF) (every thread); peak RSS from /proc/self/status
// VmHWM (this process alone, not a parent it was forked from).
ResourceUsage process_usage();

}  // namespace s3loop::exec
