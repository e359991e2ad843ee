// Error and failure lines quote keys and flag values, which may hold line
// breaks and other control characters: each stays one line.
#include "s3loop/one_line.hpp"

#include <gtest/gtest.h>

#include <string>

namespace s3loop {
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

TEST(OneLine, BytesThatAreNoUtf8AreEscapedSoTheLineIsUtf8) {
  // A Latin-1 "café" in a bucket name or a flag was printed raw: not UTF-8.
  EXPECT_EQ(one_line("caf\xe9"), "caf\\xe9");
  EXPECT_EQ(one_line("--fr\xe9"
                     "b"),
            "--fr\\xe9b");
  EXPECT_EQ(one_line("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(one_line("\xe6\x97"), "\\xe6\\x97");           // cut short
  EXPECT_EQ(one_line("ok \xf0\x9f\x98\x80 \xc0\xaf"), "ok \xf0\x9f\x98\x80 \\xc0\\xaf");
}

TEST(OneLine, C1ControlsAndLineSeparatorsAreEscapedToo) {
  // U+009B (CSI) starts a terminal escape sequence; U+0085 (NEL), U+2028 and
  // U+2029 break lines. A key holding them was printed as it is.
  EXPECT_EQ(one_line("a\xc2\x9b"
                     "31mb"),
            "a\\xc2\\x9b31mb");
  EXPECT_EQ(one_line("a\xc2\x85"
                     "b"),
            "a\\xc2\\x85b");
  EXPECT_EQ(one_line("a\xe2\x80\xa8"
                     "b\xe2\x80\xa9"),
            "a\\xe2\\x80\\xa8b\\xe2\\x80\\xa9");
  EXPECT_EQ(one_line("\xc2\xa0\xc2\xa9"), "\xc2\xa0\xc2\xa9");  // NBSP and (c) are text
}

}  // namespace
}  // namespace s3loop
