#include "ls_format.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <ctime>

namespace s3loop::cli {

namespace {

bool read_number(std::string_view text, std::size_t at, std::size_t digits, int& out) {
  if (at + digits > text.size()) return false;
  const char* first = text.data() + at;
  auto [end, ec] = std::from_chars(first, first + digits, out);
  return ec == std::errc{} && end == first + digits;
}

// After the seconds of an ISO 8601 time: an optional fraction, then 'Z',
// "+HH:MM", "-HHMM" or nothing (UTC, as S3 sends it). The offset east of UTC
// in seconds; false for anything else.
bool parse_zone(std::string_view rest, long& offset) {
  std::size_t at = 0;
  if (at < rest.size() && rest[at] == '.') {
    ++at;
    while (at < rest.size() && rest[at] >= '0' && rest[at] <= '9') ++at;
  }
  rest.remove_prefix(at);
  offset = 0;
  if (rest.empty() || rest == "Z" || rest == "z") return true;
  if (rest[0] != '+' && rest[0] != '-') return false;
  int hours = 0, minutes = 0;
  if (rest.size() == 6 && rest[3] == ':') {
    if (!read_number(rest, 1, 2, hours) || !read_number(rest, 4, 2, minutes)) return false;
  } else if (rest.size() == 5) {
    if (!read_number(rest, 1, 2, hours) || !read_number(rest, 3, 2, minutes)) return false;
  } else {
    return false;
  }
  if (hours > 23 || minutes > 59) return false;
  offset = (rest[0] == '-' ? -1L : 1L) * (hours * 3600L + minutes * 60L);
  return true;
}

// The fields of "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM]" as written, and its
// offset from UTC (a review's finding: a server sending "+05:30" had its
// times printed as if they were UTC).
bool parse_iso(std::string_view iso, std::tm& tm, long& offset) {
  int year, month, day, hour, minute, second;
  if (iso.size() < 19 || iso[4] != '-' || iso[7] != '-' || (iso[10] != 'T' && iso[10] != ' ') ||
      iso[13] != ':' || iso[16] != ':')
    return false;
  if (!read_number(iso, 0, 4, year) || !read_number(iso, 5, 2, month) ||
      !read_number(iso, 8, 2, day) || !read_number(iso, 11, 2, hour) ||
      !read_number(iso, 14, 2, minute) || !read_number(iso, 17, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return false;
  if (!parse_zone(iso.substr(19), offset)) return false;
  tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return true;
}

}  // namespace

std::string ls_time(std::string_view iso) {
  std::tm fields{};
  long offset = 0;
  if (!parse_iso(iso, fields, offset)) return std::string(iso);
  std::time_t when = ::timegm(&fields);
  if (when != static_cast<std::time_t>(-1)) when -= offset;
  std::tm local{};
  if (when == static_cast<std::time_t>(-1) || ::localtime_r(&when, &local) == nullptr)
    return std::string(iso);
  char out[32];
  const std::size_t n = std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &local);
  return n == 0 ? std::string(iso) : std::string(out, n);
}

std::string_view name_below(std::string_view name, std::string_view requested_prefix) {
  const auto slash = requested_prefix.rfind('/');
  if (slash == std::string_view::npos) return name;
  const std::string_view directory = requested_prefix.substr(0, slash + 1);
  if (!name.starts_with(directory)) return name;
  return name.substr(directory.size());
}

std::string human_readable_size(std::uint64_t bytes) {
  if (bytes == 1) return "1 Byte";
  if (bytes < 1024) return fmt::format("{} Bytes", bytes);
  // awscli's human_readable_size: the first unit in which the value, rounded
  // (half to even, as Python's round), is below 1024.
  static constexpr std::array<std::string_view, 6> kUnits = {"KiB", "MiB", "GiB",
                                                             "TiB", "PiB", "EiB"};
  const auto value = static_cast<double>(bytes);
  for (std::size_t i = 0; i < kUnits.size(); ++i) {
    const double in_unit = value / std::pow(1024.0, static_cast<double>(i + 1));
    if (std::nearbyint(in_unit) < 1024.0 || i + 1 == kUnits.size()) {
      return fmt::format("{:.1f} {}", in_unit, kUnits[i]);
    }
  }
  return {};  // not reached: the last unit always answers
}

std::string ls_summary(std::uint64_t objects, std::uint64_t bytes, bool human_readable) {
  return fmt::format("\nTotal Objects: {}\n   Total Size: {}\n", objects,
                     human_readable ? human_readable_size(bytes) : std::to_string(bytes));
}

}  // namespace s3loop::cli
