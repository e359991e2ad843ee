// Which request copies an object, for the sake of its key (copy_source_key.hpp).
#include "jobs/copy_source_key.hpp"

#include "s3loop/jobs/copy_job.hpp"

#include <gtest/gtest.h>

namespace s3loop::jobs {
namespace {

TEST(CopySourceKey, AboveTheThresholdAKeyWithoutPercentCopiesInParts) {
  EXPECT_FALSE(copies_in_parts("a/b.bin", 99, 100));
  // At the threshold too, as aws cli (s3transfer: size >= threshold).
  EXPECT_TRUE(copies_in_parts("a/b.bin", 100, 100));
  EXPECT_TRUE(copies_in_parts("a/b.bin", 101, 100));
  EXPECT_FALSE(copies_in_parts("empty", 0, 1));
  EXPECT_TRUE(copies_in_parts("a/b+c d~e.bin", kMaxSingleCopy + 1, kMaxSingleCopy));
}

TEST(CopySourceKey, AKeyHoldingPercentCopiesWithCopyObjectUpToItsLimit) {
  // A review's finding: radosgw 16.2 read the part copies of `pct%41` as
  // `pctA`, and wrote that object's bytes under the new key.
  EXPECT_FALSE(copies_in_parts("pc/pct%41", 20, 1));
  EXPECT_FALSE(copies_in_parts("pc/pct%key", kMaxSingleCopy, 1));
  EXPECT_FALSE(copies_in_parts("100%", kMaxSingleCopy, 5 * kMiB));
  // Past 5 GiB only parts can copy it.
  EXPECT_TRUE(copies_in_parts("pc/pct%41", kMaxSingleCopy + 1, kMaxSingleCopy));
}

TEST(CopySourceKey, AKeyHoldingAVersionQueryCopiesWithCopyObjectUpToItsLimit) {
  // A review's finding: radosgw 16.2 read the part copies of `r?versionId=null` as `r`.
  EXPECT_FALSE(copies_in_parts("vq/r?versionId=null", 6 * kMiB, 5 * kMiB));
  EXPECT_FALSE(copies_in_parts("vq/r?versionId=", kMaxSingleCopy, 1));
  EXPECT_TRUE(copies_in_parts("vq/r?versionId=null", kMaxSingleCopy + 1, kMaxSingleCopy));
  // Read right: no '?' before it, another case, no '='.
  EXPECT_TRUE(copies_in_parts("vq/r&versionId=null", 6 * kMiB, 5 * kMiB));
  EXPECT_TRUE(copies_in_parts("vq/r?VersionId=null", 6 * kMiB, 5 * kMiB));
  EXPECT_TRUE(copies_in_parts("vq/r?versionId", 6 * kMiB, 5 * kMiB));
}

TEST(CopySourceKey, TheKeyAsMisread) {
  EXPECT_EQ(misread_source_key("vq/r?versionId=null"), "vq/r");
  EXPECT_EQ(misread_source_key("vq/r?versionId=abc&x=1"), "vq/r");
  EXPECT_EQ(misread_source_key("?versionId=null"), "");
  EXPECT_EQ(misread_source_key("p%41?versionId=1"), "pA");
  EXPECT_EQ(misread_source_key("vq/r?versionid=null"), std::nullopt);
}

TEST(CopySourceKey, TheKeyReadTwice) {
  EXPECT_EQ(misread_source_key("pc/pct%41"), "pc/pctA");
  EXPECT_EQ(misread_source_key("q%2541"), "q%41");
  EXPECT_EQ(misread_source_key("a%2Fb"), "a/b");
  // '+' is no space in a path; nothing to decode, nothing misread.
  EXPECT_EQ(misread_source_key("a+b%20c"), "a+b c");
  EXPECT_EQ(misread_source_key("plain/key"), std::nullopt);
  EXPECT_EQ(misread_source_key("100%"), std::nullopt);
  EXPECT_EQ(misread_source_key("pct%key"), std::nullopt);
}

}  // namespace
}  // namespace s3loop::jobs
