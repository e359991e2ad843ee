// compare cp's words: the two URLs wherever they stand among cp's flags.
#include "job_words.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s3loop::cli {
namespace {

using Words = std::vector<std::string>;

TEST(JobWords, TheUrlsMayComeBeforeBetweenOrAfterTheFlags) {
  const Words expected_flags = {"--concurrency", "4", "--exclude", "*.tmp"};
  for (const Words& words : {
           Words{"s3://src/a", "s3://dst/b", "--concurrency", "4", "--exclude", "*.tmp"},
           Words{"--concurrency", "4", "--exclude", "*.tmp", "s3://src/a", "s3://dst/b"},
           Words{"--concurrency", "4", "s3://src/a", "--exclude", "*.tmp", "s3://dst/b"},
       }) {
    auto split = split_job_words(words);
    ASSERT_TRUE(split) << split.error().message;
    EXPECT_EQ(split->source, "s3://src/a");
    EXPECT_EQ(split->destination, "s3://dst/b");
    EXPECT_EQ(split->flags, expected_flags);
  }
}

TEST(JobWords, ShortFormsAttachedValuesAndFlagsWithoutValues) {
  auto split = split_job_words({"-c", "8", "--threads=3", "--verify", "s3://src", "--adaptive",
                                "s3://dst", "-c9", "--max-attempts", "-1"});
  ASSERT_TRUE(split) << split.error().message;
  EXPECT_EQ(split->source, "s3://src");
  EXPECT_EQ(split->destination, "s3://dst");
  EXPECT_EQ(split->flags, (Words{"-c", "8", "--threads=3", "--verify", "--adaptive", "-c9",
                                 "--max-attempts", "-1"}));
}

TEST(JobWords, GroupedSingleLetterFlagsTakeAValueForTheirLastLetter) {
  // -r takes no value, -c does: "-rc 4" is -r -c 4, "-rc4" carries its 4.
  auto split = split_job_words({"-rc", "4", "s3://src", "s3://dst", "-rc5"});
  ASSERT_TRUE(split) << split.error().message;
  EXPECT_EQ(split->source, "s3://src");
  EXPECT_EQ(split->destination, "s3://dst");
  EXPECT_EQ(split->flags, (Words{"-rc", "4", "-rc5"}));
}

TEST(JobWords, AnUnknownFlagTakesNoValueAndIsLeftForCpToRefuse) {
  auto split = split_job_words({"--no-such-flag", "s3://src", "s3://dst"});
  ASSERT_TRUE(split) << split.error().message;
  EXPECT_EQ(split->source, "s3://src");
  EXPECT_EQ(split->flags, Words{"--no-such-flag"});
}

TEST(JobWords, AnythingButTwoUrlsIsOneLineNamingWhatWasFound) {
  for (const auto& [words, names] :
       {std::pair{Words{}, std::string("got none")},
        std::pair{Words{"s3://src", "-c", "4"}, std::string("got 's3://src'")},
        std::pair{Words{"s3://a", "s3://b", "4"}, std::string("'s3://a', 's3://b', '4'")},
        // A value flag at the end has nothing to take.
        std::pair{Words{"s3://a", "--concurrency"}, std::string("got 's3://a'")}}) {
    auto split = split_job_words(words);
    ASSERT_FALSE(split);
    EXPECT_EQ(split.error().kind, ErrorKind::usage);
    EXPECT_NE(split.error().message.find("compare cp takes one source and one destination"),
              std::string::npos);
    EXPECT_NE(split.error().message.find(names), std::string::npos) << split.error().message;
  }
}

}  // namespace
}  // namespace s3loop::cli
