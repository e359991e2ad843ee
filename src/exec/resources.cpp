#include "s3loop/exec/resources.hpp"

#include <sys/resource.h>

namespace s3loop::exec {

ResourceUsage process_usage() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  ResourceUsage out;
  out.user_seconds = static_cast<double>(usage.ru_utime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
  out.system_seconds = static_cast<double>(usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
  out.peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux: KiB
  return out;
}

}  // namespace s3loop::exec
