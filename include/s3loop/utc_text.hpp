// How messages show a moment: "2026-12-06 20:00:00 UTC". Below every layer
// (as one_line.hpp is): net names the clock beside an out-of-date
// certificate, s3 when credentials expire.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace s3loop {

// `seconds` since 1970 UTC as "YYYY-MM-DD HH:MM:SS UTC".
inline std::string format_utc(std::int64_t seconds) {
  const auto when = static_cast<std::time_t>(seconds);
  std::tm fields{};
  char text[40];
  if (::gmtime_r(&when, &fields) == nullptr ||
      std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &fields) == 0) {
    return std::to_string(seconds) + " s after 1970 UTC";
  }
  return text;
}

}  // namespace s3loop
