#include "s3loop/exec/resources.hpp"

#include <sys/resource.h>

#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace s3loop::exec {

namespace {

// The high-water mark of this process's own memory (VmHWM), in bytes; 0 when
// /proc is not there. Preferred to ru_maxrss, which Linux carries over from
// the parent across fork and exec: s3loop started by a 500 MiB Python test
// reported 500 MiB of its own.
std::uint64_t vm_high_water_mark() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    std::uint64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return 0;
}

}  // namespace

ResourceUsage process_usage() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  ResourceUsage out;
  out.user_seconds = static_cast<double>(usage.ru_utime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
  out.system_seconds = static_cast<double>(usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
  out.peak_rss_bytes = vm_high_water_mark();
  if (out.peak_rss_bytes == 0) {
    out.peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux: KiB
  }
  return out;
}

std::uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    // Refused (say, a hard limit above the kernel's nr_open): the old one stays.
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max()
                                         : static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace s3loop::exec
