#include "jobs/glob_match.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace s3loop::jobs {
namespace {

struct Case {
  std::string_view pattern;
  std::string_view subject;
  bool matches;
};

// Each expectation is what Python's fnmatch.fnmatchcase answers (aws cli's
// matcher), checked when the table was written.
TEST(GlobMatch, AnswersAsPythonsFnmatchDoes) {
  const Case cases[] = {
      {"??.txt", "é.txt", false},
      {"?.txt", "é.txt", true},
      {"???.txt", "xé.txt", false},
      {"??.txt", "xé.txt", true},
      {"???.txt", "日.txt", false},
      {"?.txt", "日.txt", true},
      {"[!a].txt", "é.txt", true},
      {"[!a]?.txt", "é.txt", false},
      {"[é]", "é", true},
      {"[à-ü]x", "éx", true},
      {"*é", "caféé", true},
      {"a*b*c", "a--b--b--c", true},
      {"a*b*c", "a--b--b--", false},
      {"[a-]", "-", true},
      {"[!-a]", "-", false},
      {"[]]", "]", true},
      {"[!]]", "]", false},
      {"[!]", "!", false},
      {"[!]", "[!]", true},
      {"[z-a]", "z", false},
      {"[a-a]", "a", true},  // a range of one character
      {"[0-0]x", "0x", true},
      {"[xz-ab]", "b", true},
      {"[xz-ab]", "y", false},
      {"[a-c-e]", "-", true},
      {"[a-c-e]", "d", false},
      {"*", "a\nb", true},
      {"?", "/", true},
      {"[^a]", "^", true},
      {"[^a]", "b", false},
      {"a[", "a[", true},
      {"[[:alpha:]]", "a", false},
      {"[[:alpha:]]", ":]", true},
      {"**a", "xa", true},
      {"😀?", "😀x", true},
      {"?", "😀", true},
      {"*.csv", "dir/sub/b.csv", true},
      {"x*y*z*", "xyz", true},
      {"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(glob_matches(c.pattern, c.subject), c.matches)
        << "pattern '" << c.pattern << "' against '" << c.subject << "'";
  }
}

// glibc's fnmatch under C.UTF-8 said yes to both "?.txt" and "??.txt" for
// "é.txt": one of them is a byte count.
TEST(GlobMatch, AQuestionMarkIsOneLetterNeverOneByte) {
  EXPECT_TRUE(glob_matches("?.txt", "\xc3\xa9.txt"));
  EXPECT_FALSE(glob_matches("??.txt", "\xc3\xa9.txt"));
  EXPECT_FALSE(glob_matches("[!x][!x].txt", "\xc3\xa9.txt"));
}

TEST(GlobMatch, BytesThatAreNotUtf8AreCharactersOfTheirOwn) {
  EXPECT_TRUE(glob_matches("a?b",
                           "a\xff"
                           "b"));
  EXPECT_TRUE(glob_matches("a??b", "a\xc3(b"));  // a lead byte without its follower
  EXPECT_TRUE(
      glob_matches("a\xff"
                   "b",
                   "a\xff"
                   "b"));
  EXPECT_FALSE(
      glob_matches("a\xfe"
                   "b",
                   "a\xff"
                   "b"));
  // A surrogate's three bytes (not valid UTF-8) are three characters.
  EXPECT_TRUE(glob_matches("???", "\xed\xa0\x80"));
  EXPECT_FALSE(glob_matches("?", "\xed\xa0\x80"));
  // An overlong '/' is not '/'.
  EXPECT_FALSE(glob_matches("/", "\xc0\xaf"));
}

}  // namespace
}  // namespace s3loop::jobs
