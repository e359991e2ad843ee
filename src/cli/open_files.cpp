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
  // The largest value of the flag that fits: each unit is a connection, and
  // (threads; async-pool up to --loops) an event loop.
  const auto loops_of = [&](std::uint64_t value) {
    return need.loops_per_unit * std::min(value, need.loops_cap);
  };
  const auto fits_with = [&](std::uint64_t value) {
    return need.connections - need.flag_value + value +
               other_open_files(need.event_loops - loops_of(need.flag_value) + loops_of(value)) <=
           limit;
  };
  std::uint64_t fits = 0;  // (fits_with grows with the value: halve the range)
  if (!need.flag.empty()) {
    std::uint64_t low = 0;
    std::uint64_t high = need.flag_value;  // does not fit
    while (high - low > 1) {
      const std::uint64_t middle = low + (high - low) / 2;
      (fits_with(middle) ? low : high) = middle;
    }
    fits = low;
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
