// One UTF-8 character at a time, read the one way every layer reads text:
// a key in an s3:// URL, a filter's pattern, a CSV field, a LIKE pattern, an
// XML value, an error line. Below every layer (as error.hpp is).
#pragma once

#include <boost/locale/utf.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace s3loop::utf8 {

struct Character {
  char32_t code_point = 0;
  std::size_t length = 0;  // bytes, 1 to 4
};

// The character that starts at text[at] (at < text.size()), or nullopt when
// the bytes there start no whole, valid UTF-8 sequence: a stray or missing
// continuation byte, an overlong form, a surrogate, a code point past
// U+10FFFF, a sequence cut off by the end of the text (Boost.Locale's
// decoder refuses them all). Callers decide what an invalid byte becomes --
// U+FFFD, \xNN, one character of its own -- and go on at at + 1.
inline std::optional<Character> decode_at(std::string_view text, std::size_t at) {
  namespace utf = boost::locale::utf;
  auto it = text.begin() + static_cast<std::ptrdiff_t>(at);
  const utf::code_point cp = utf::utf_traits<char>::decode(it, text.end());
  if (cp == utf::illegal || cp == utf::incomplete) return std::nullopt;
  return Character{static_cast<char32_t>(cp), static_cast<std::size_t>(it - text.begin()) - at};
}

// Where the first byte that starts no valid UTF-8 sequence is, or npos: S3
// keys are UTF-8, and text in another encoding names none.
inline std::size_t first_invalid(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    const auto character = decode_at(text, at);
    if (!character) return at;
    at += character->length;
  }
  return std::string_view::npos;
}

// U+0085, U+2028 and U+2029: no line breaks to JSON, but to Python's
// str.splitlines() (and JavaScript before ES2019). JSON that is read a line
// at a time writes them as \u escapes.
inline bool breaks_json_lines(char32_t code_point) {
  return code_point == 0x85 || code_point == 0x2028 || code_point == 0x2029;
}

}  // namespace s3loop::utf8
