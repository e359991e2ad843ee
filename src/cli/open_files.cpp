#include "open_files.hpp"

#include <sys/resource.h>

#include <fmt/format.h>

#include <limits>

namespace s3loop::cli {
namespace {

std::uint64_t as_count(rlim_t value) {
  return value == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max()
                                : static_cast<std::uint64_t>(value);
}

}  // namespace

std::uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::numeric_limits<std::uint64_t>::max();
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    // Refused (say, a hard limit above the kernel's nr_open): keep the old one.
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return as_count(limit.rlim_cur);
}

Result<void> check_open_files(std::uint64_t connections, std::uint64_t limit,
                              const std::string& settings) {
  const std::uint64_t needed = connections + kOtherOpenFiles;
  if (needed <= limit) return {};
  return make_error(ErrorKind::usage,
                    fmt::format("{} needs up to {} open files ({} connections and {} more), "
                                "above this process's limit of {}: lower it, or raise the limit "
                                "(ulimit -n)",
                                settings, needed, connections, kOtherOpenFiles, limit));
}

Result<void> check_open_files(std::uint64_t connections, const std::string& settings) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  return check_open_files(connections, as_count(limit.rlim_cur), settings);
}

}  // namespace s3loop::cli
