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

void raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  // Refused (say, a hard limit above the kernel's nr_open): the old one stays.
  (void)::setrlimit(RLIMIT_NOFILE, &limit);
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
