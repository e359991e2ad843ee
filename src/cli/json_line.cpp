#include "json_line.hpp"

#include "s3loop/utf8.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <cstdint>

namespace s3loop::cli {

std::string json_line(const boost::json::value& value) {
  const std::string text = boost::json::serialize(value);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto character = utf8::decode_at(text, i);
    const std::size_t length = character ? character->length : 1;
    // (JSON's structure is ASCII: such a character is inside a string.)
    if (character && utf8::breaks_json_lines(character->code_point)) {
      out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(character->code_point));
    } else {
      out.append(text, i, length);
    }
    i += length;
  }
  return out;
}

}  // namespace s3loop::cli
