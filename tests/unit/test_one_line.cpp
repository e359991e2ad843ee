// Error and failure lines quote keys and flag values, which may hold line
// breaks and other control characters: each stays one line.
#include "one_line.hpp"

#include <gtest/gtest.h>

#include <string>

namespace s3loop::cli {
namespace {

TEST(OneLine, ControlCharactersAreEscapedAndTheRestKept) {
  EXPECT_EQ(one_line("plain key, tab\there"), "plain key, tab\there");
  EXPECT_EQ(one_line("new\nline\r\n"), "new\\nline\\r\\n");
  EXPECT_EQ(one_line(std::string("nul\0bel\x07"
                                 "del\x7f",
                                 12)),
            "nul\\x00bel\\x07del\\x7f");
  EXPECT_EQ(one_line("\xc3\xa9t\xc3\xa9 \xe6\x97\xa5"), "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5");
  EXPECT_EQ(one_line(""), "");
}

}  // namespace
}  // namespace s3loop::cli
