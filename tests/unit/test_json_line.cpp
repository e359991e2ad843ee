#include "json_line.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace s3loop::cli {
namespace {

TEST(JsonLine, LineBreaksBeyondAsciiAreEscaped) {
  const boost::json::object key{{"key", "a\u2028b\u2029c\u0085d"}};
  const std::string line = json_line(key);
  EXPECT_EQ(line, R"({"key":"a\u2028b\u2029c\u0085d"})");
  EXPECT_EQ(boost::json::parse(line), boost::json::value(key));
}

TEST(JsonLine, OtherTextIsAsSerialized) {
  // Neighbours of those characters (U+2027, U+202A, U+0084, U+0086), other multibyte text.
  const boost::json::object key{{"key", "\u2027\u202a\u0084\u0086 caf\u00e9 \U0001F600 \"\\\n"}};
  EXPECT_EQ(json_line(key), boost::json::serialize(key));
}

}  // namespace
}  // namespace s3loop::cli
