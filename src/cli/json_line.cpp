#include "json_line.hpp"

#include <boost/json/serialize.hpp>

#include <string_view>

namespace s3loop::cli {

std::string json_line(const boost::json::value& value) {
  const std::string text = boost::json::serialize(value);
  // (JSON's structure is ASCII: these bytes occur only inside strings, and
  // 0xC2 and 0xE2 start a character, so no other one holds them.)
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::string_view rest = std::string_view(text).substr(i);
    if (rest.starts_with("\xE2\x80\xA8")) {
      out += "\\u2028";
      i += 2;
    } else if (rest.starts_with("\xE2\x80\xA9")) {
      out += "\\u2029";
      i += 2;
    } else if (rest.starts_with("\xC2\x85")) {
      out += "\\u0085";
      i += 1;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace s3loop::cli
