#include "size_parse.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>

namespace s3loop::cli {

Result<std::uint64_t> parse_size(std::string_view text, std::string_view flag) {
  auto bad = [&] {
    return make_error(
        ErrorKind::usage,
        fmt::format("{} '{}' is not a size: use e.g. 8MiB, 5GiB or a byte count", flag, text));
  };
  // A size, only too large for any flag (it said "not a size").
  auto too_large = [&] {
    return make_error(ErrorKind::usage,
                      fmt::format("{} '{}' is too large (over 16 EiB): use e.g. 8MiB, 5GiB or a "
                                  "byte count",
                                  flag, text));
  };
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (end == text.data()) return bad();
  const bool overflowed = ec == std::errc::result_out_of_range;
  if (ec != std::errc{} && !overflowed) return bad();
  std::string unit(end, text.data() + text.size());
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  struct Unit {
    const char* name;
    std::uint64_t factor;
  };
  // KB, MB, GB and TB are binary too, as in aws cli's multipart_threshold and
  // multipart_chunksize ("8MB" is 8 MiB there) and rclone's size flags: a
  // user's "5GB" copy threshold is S3's 5 GiB CopyObject limit.
  static constexpr Unit kUnits[] = {{"", 1},
                                    {"b", 1},
                                    {"k", 1ull << 10},
                                    {"kib", 1ull << 10},
                                    {"kb", 1ull << 10},
                                    {"m", 1ull << 20},
                                    {"mib", 1ull << 20},
                                    {"mb", 1ull << 20},
                                    {"g", 1ull << 30},
                                    {"gib", 1ull << 30},
                                    {"gb", 1ull << 30},
                                    {"t", 1ull << 40},
                                    {"tib", 1ull << 40},
                                    {"tb", 1ull << 40}};
  for (const auto& u : kUnits) {
    if (unit == u.name) {
      if (overflowed || number > std::numeric_limits<std::uint64_t>::max() / u.factor) {
        return too_large();
      }
      return number * u.factor;
    }
  }
  return bad();
}

}  // namespace s3loop::cli
