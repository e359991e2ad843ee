// The whitespace of Python's str.strip() and str.isspace(), which botocore's
// configparser trims from the lines, keys and values of ~/.aws/credentials
// and ~/.aws/config, in UTF-8: \t \n \v \f \r, \x1c-\x1f, space, U+0085,
// U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
// (A secret key pasted with a trailing no-break space works with the AWS
// CLI.) Pure.
#pragma once

#include <cstddef>
#include <string_view>

namespace s3loop::s3 {

// The length in bytes of the whitespace character `s` starts with; 0 when
// it starts with none.
constexpr std::size_t python_space_at_start(std::string_view s) {
  if (s.empty()) return 0;
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  if ((b(0) >= 0x09 && b(0) <= 0x0d) || (b(0) >= 0x1c && b(0) <= 0x20)) return 1;
  if (s.size() >= 2 && b(0) == 0xc2 && (b(1) == 0x85 || b(1) == 0xa0)) return 2;
  if (s.size() < 3) return 0;
  const unsigned code = (unsigned{b(0)} << 16) | (unsigned{b(1)} << 8) | b(2);
  const bool space = code == 0xe19a80                           // U+1680
                     || (code >= 0xe28080 && code <= 0xe2808a)  // U+2000-U+200A
                     || code == 0xe280a8 || code == 0xe280a9    // U+2028, U+2029
                     || code == 0xe280af || code == 0xe2819f    // U+202F, U+205F
                     || code == 0xe38080;                       // U+3000
  return space ? 3 : 0;
}

// The length in bytes of the whitespace character `s` ends with; 0 when it
// ends with none. (In valid UTF-8 the bytes of one character are no tail
// of another.)
constexpr std::size_t python_space_at_end(std::string_view s) {
  for (const std::size_t n : {std::size_t{3}, std::size_t{2}, std::size_t{1}}) {
    if (s.size() >= n && python_space_at_start(s.substr(s.size() - n)) == n) return n;
  }
  return 0;
}

// As str.strip(): `s` without the whitespace at either end.
constexpr std::string_view strip_python_space(std::string_view s) {
  while (const std::size_t n = python_space_at_start(s)) s.remove_prefix(n);
  while (const std::size_t n = python_space_at_end(s)) s.remove_suffix(n);
  return s;
}

// How deep a line is indented as configparser measures it: the number of
// whitespace characters (not bytes) before its first other one.
constexpr std::size_t python_indent(std::string_view line) {
  std::size_t characters = 0;
  while (const std::size_t n = python_space_at_start(line)) {
    line.remove_prefix(n);
    ++characters;
  }
  return characters;
}

}  // namespace s3loop::s3
