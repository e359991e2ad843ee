#include "content_range.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace s3loop::net {

namespace {

// Reads a decimal number off the front of `text`.
std::optional<std::uint64_t> take_number(std::string_view& text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

bool take(std::string_view& text, std::string_view what) {
  if (!text.starts_with(what)) return false;
  text.remove_prefix(what.size());
  return true;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::optional<std::uint64_t> size;  // none: "*", unknown
};

// "bytes F-L/N" or "bytes F-L/*" (RFC 9110, 14.4), F <= L; whitespace around
// it allowed.
std::optional<ContentRange> parse_content_range(std::string_view text) {
  text = trimmed(text);
  ContentRange range;
  if (!take(text, "bytes ")) return std::nullopt;
  const auto first = take_number(text);
  if (!first || !take(text, "-")) return std::nullopt;
  const auto last = take_number(text);
  if (!last || *last < *first || !take(text, "/")) return std::nullopt;
  range.first = *first;
  range.last = *last;
  if (!take(text, "*")) {
    range.size = take_number(text);
    if (!range.size) return std::nullopt;
  }
  if (!text.empty()) return std::nullopt;
  return range;
}

}  // namespace

std::optional<std::string> content_range_problem(std::string_view range,
                                                 std::optional<std::string_view> content_range) {
  if (!take(range, "bytes=")) return std::nullopt;
  const auto first = take_number(range);
  if (!first || !take(range, "-")) return std::nullopt;
  const auto last = take_number(range);
  if (!last || !range.empty() || *last < *first) return std::nullopt;
  if (!content_range) return std::nullopt;

  const auto got = parse_content_range(*content_range);
  // The range from its first byte, up to the object's end if that comes first.
  const bool fits = got && got->first == *first && got->last <= *last &&
                    (!got->size || got->last == std::min(*last, *got->size - 1));
  if (fits) return std::nullopt;
  return fmt::format(
      "the server's 206 reply holds '{}' (its Content-Range), not the range asked for, bytes "
      "{}-{}",
      std::string(trimmed(*content_range).substr(0, 100)), *first, *last);
}

std::optional<std::uint64_t> content_range_length(std::optional<std::string_view> content_range) {
  if (!content_range) return std::nullopt;
  const auto range = parse_content_range(*content_range);
  if (!range) return std::nullopt;
  return range->last - range->first + 1;
}

}  // namespace s3loop::net
