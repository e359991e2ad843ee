// What the process has used: CPU seconds and peak resident memory; and the
// open-file limit that bounds its connections.
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

// Every connection is a socket, a descriptor: a run at concurrency 3000 holds
// as many, and Debian's default soft RLIMIT_NOFILE is 1024 -- past it, each
// further connection fails ("Too many open files"). The command raises the
// soft limit to the hard one at start-up (as Go programs, rclone among them,
// do by themselves); the library changes no process-wide limit on its own, so
// a program of yours that runs more than about a thousand connections calls
// this first (or its shell raises `ulimit -n`). Returns the soft limit in
// force afterwards (UINT64_MAX: none; 0 when the limit cannot be read); a
// raise the system refuses leaves the old one.
std::uint64_t raise_open_file_limit();

}  // namespace s3loop::exec
