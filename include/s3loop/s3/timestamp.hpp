// Reading the ISO 8601 times S3 and credential processes write. Pure.
// (Writing one for a message: s3loop/utc_text.hpp.)
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace s3loop::s3 {

// "YYYY-MM-DDTHH:MM:SS" (or a blank for the T), then an optional fraction of
// a second, then 'Z', "+HH:MM", "-HHMM" or nothing (UTC, as S3 writes
// LastModified): the seconds since 1970-01-01 UTC. nullopt for anything
// else. The zone counts (a server writing "+05:30" had its times printed
// as if they were UTC).
std::optional<std::int64_t> parse_iso8601(std::string_view iso);

}  // namespace s3loop::s3
