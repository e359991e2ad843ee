#include "s3loop/s3/timestamp.hpp"

#include <charconv>
#include <ctime>

namespace s3loop::s3 {

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

std::optional<std::int64_t> parse_iso8601(std::string_view iso) {
  std::tm fields{};
  long offset = 0;
  if (!parse_iso(iso, fields, offset)) return std::nullopt;
  const std::time_t when = ::timegm(&fields);
  if (when == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(when) - offset;
}

}  // namespace s3loop::s3
