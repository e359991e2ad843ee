#include "content_range.hpp"

#include <fmt/format.h>

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

}  // namespace

std::optional<std::string> content_range_problem(std::string_view range,
                                                 std::optional<std::string_view> content_range) {
  if (!take(range, "bytes=")) return std::nullopt;
  const auto first = take_number(range);
  if (!first || !take(range, "-")) return std::nullopt;
  const auto last = take_number(range);
  if (!last || !range.empty() || *last < *first) return std::nullopt;
  if (!content_range) return std::nullopt;

  // "bytes F-L/N" or "bytes F-L/*" (RFC 9110, 14.4); whitespace around it allowed.
  std::string_view text = *content_range;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  const std::string asked = fmt::format("bytes {}-{}", *first, *last);
  auto wrong = [&] {
    return fmt::format(
        "the server's 206 reply holds '{}' (its Content-Range), not the range "
        "asked for, {}",
        std::string(text.substr(0, 100)), asked);
  };
  std::string_view rest = text;
  if (!take(rest, "bytes ")) return wrong();
  const auto got_first = take_number(rest);
  if (!got_first || !take(rest, "-")) return wrong();
  const auto got_last = take_number(rest);
  if (!got_last || !take(rest, "/")) return wrong();
  std::optional<std::uint64_t> size;
  if (!take(rest, "*")) {
    size = take_number(rest);
    if (!size) return wrong();
  }
  if (!rest.empty()) return wrong();
  // The range from its first byte, up to the object's end if that comes first.
  const std::uint64_t expected_last = size && *size > 0 && *size - 1 < *last ? *size - 1 : *last;
  const bool fits =
      *got_first == *first && *got_last <= *last && (size ? *got_last == expected_last : true);
  if (!fits) return wrong();
  return std::nullopt;
}

std::optional<std::uint64_t> content_range_length(std::optional<std::string_view> content_range) {
  if (!content_range) return std::nullopt;
  std::string_view text = *content_range;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  if (!take(text, "bytes ")) return std::nullopt;
  const auto first = take_number(text);
  if (!first || !take(text, "-")) return std::nullopt;
  const auto last = take_number(text);
  if (!last || *last < *first || !take(text, "/")) return std::nullopt;
  return *last - *first + 1;
}

}  // namespace s3loop::net
