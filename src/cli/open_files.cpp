#include "open_files.hpp"

#include <sys/resource.h>

#include <fmt/format.h>

#include <algorithm>
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

std::uint64_t other_open_files(std::uint64_t event_loops) {
  return kProcessOpenFiles + kOpenFilesPerLoop * event_loops;
}

Result<void> check_open_files(std::uint64_t connections, std::uint64_t event_loops,
                              std::uint64_t limit, const std::string& settings) {
  const std::uint64_t others = other_open_files(event_loops);
  const std::uint64_t needed = connections + others;
  if (needed <= limit) return {};
  const std::string head = fmt::format(
      "{} needs up to {} open files ({} connections and {} for the process itself), "
      "above this process's limit of {}",
      settings, needed, connections, others, limit);
  // No setting of the flags can fit: only a higher limit helps.
  if (limit <= others) {
    return make_error(ErrorKind::usage, fmt::format("{}: raise the limit (ulimit -n {})", head,
                                                    std::max<std::uint64_t>(needed, 256)));
  }
  return make_error(ErrorKind::usage,
                    fmt::format("{}: lower the connections to {} or fewer, or raise the limit "
                                "(ulimit -n)",
                                head, limit - others));
}

Result<void> check_open_files(std::uint64_t connections, std::uint64_t event_loops,
                              const std::string& settings) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  return check_open_files(connections, event_loops, as_count(limit.rlim_cur), settings);
}

}  // namespace s3loop::cli
