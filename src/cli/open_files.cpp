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

Result<void> check_open_files(const OpenFileNeed& need, std::uint64_t limit) {
  const std::uint64_t others = other_open_files(need.event_loops);
  const std::uint64_t needed = need.connections + others;
  if (needed <= limit) return {};
  const std::string head = fmt::format(
      "{} needs up to {} open files ({} connections and {} for the process itself), "
      "above this process's limit of {}",
      need.settings, needed, need.connections, others, limit);
  // The largest value of the flag that fits: what the run needs without it,
  // and each unit's connection (and, under threads, its loop).
  std::uint64_t fits = 0;
  if (!need.flag.empty() && need.flag_value > 0) {
    const std::uint64_t without =
        need.connections - need.flag_value +
        other_open_files(need.event_loops - need.loops_per_unit * need.flag_value);
    const std::uint64_t per_unit = 1 + kOpenFilesPerLoop * need.loops_per_unit;
    if (limit > without) fits = (limit - without) / per_unit;
  }
  if (fits == 0) {
    // No value of the flag fits: only a higher limit helps.
    return make_error(ErrorKind::usage, fmt::format("{}: raise the limit (ulimit -n {})", head,
                                                    std::max<std::uint64_t>(needed, 256)));
  }
  return make_error(ErrorKind::usage,
                    fmt::format("{}: lower {} to {} or fewer, or raise the limit (ulimit -n {})",
                                head, need.flag, fits, needed));
}

Result<void> check_open_files(const OpenFileNeed& need) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  return check_open_files(need, as_count(limit.rlim_cur));
}

}  // namespace s3loop::cli
