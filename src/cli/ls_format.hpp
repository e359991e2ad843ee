// How `s3loop ls` prints a listing as text: the shape of `aws s3 ls`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace s3loop::cli {

// "2024-11-25T13:00:00.000Z" -> "2024-11-25 13:00:00" in the local time zone
// (TZ), as aws s3 ls shows times. A time that does not parse is shown as
// given rather than dropped.
std::string ls_time(std::string_view iso);

// The part of a listed key or common prefix that aws s3 ls prints without
// --recursive: what follows the last '/' of the requested prefix, so listing
// s3://b/a/ prints "x.txt" and "PRE b/" for a/x.txt and a/b/. The server
// only returns names that start with the prefix; any other is kept whole.
std::string_view name_below(std::string_view name, std::string_view requested_prefix);

// A size as aws s3 ls --human-readable shows it: "1 Byte", "10 Bytes",
// "1.0 KiB", "5.3 MiB" (binary units, one decimal, the unit chosen so that
// the rounded number stays below 1024).
std::string human_readable_size(std::uint64_t bytes);

// The lines aws s3 ls --summarize ends with: a blank line, then
// "Total Objects: N" and "   Total Size: S" (S human-readable when asked).
std::string ls_summary(std::uint64_t objects, std::uint64_t bytes, bool human_readable);

}  // namespace s3loop::cli
