// Error, warning and failure lines are one line each, whatever the text they
// quote: an S3 key may hold a line break or any other control character, and
// so may a flag value or what a server wrote into its error reply. Such
// characters are written as C escapes. Below every layer (as error.hpp is):
// s3 escapes the server's words as they enter an Error, the command every
// line it writes.
#pragma once

#include <fmt/format.h>
#include "s3loop/utf8.hpp"

#include <string>
#include <string_view>

namespace s3loop {

// `text` with LF, CR and every other control character (tab aside) and DEL
// written as \n, \r, \xNN, and so are the C1 controls (U+0080-U+009F), the
// line and paragraph separators (U+2028, U+2029) and each byte that is no
// part of a valid UTF-8 character; everything else, UTF-8 included, as it is.
// Escaping twice changes nothing more: a backslash stays as it is.
inline std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      // A whole, valid UTF-8 character as it is; a byte that starts none
      // (a Latin-1 key typed in another encoding) as \xNN, so that the line
      // stays valid UTF-8 for the terminal or log that shows it.
      const auto decoded = utf8::decode_at(text, i);
      if (!decoded) {
        out += fmt::format("\\x{:02x}", byte);
        ++i;
        continue;
      }
      const char32_t cp = decoded->code_point;
      const std::size_t length = decoded->length;
      // C1 controls (U+0080-U+009F: CSI starts terminal escape sequences)
      // and the Unicode line and paragraph separators break a line too.
      if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) {
        for (std::size_t k = 0; k < length; ++k) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i + k]));
        }
      } else {
        out.append(text.substr(i, length));
      }
      i += length;
      continue;
    }
    ++i;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if ((byte < 0x20 && c != '\t') || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace s3loop
