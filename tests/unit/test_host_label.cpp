// The one test for region names and host labels, checked against the cases
// botocore's validate_region_name decides.
#include "s3loop/s3/host_label.hpp"

#include <gtest/gtest.h>

#include <string>

namespace s3loop::s3 {
namespace {

TEST(HostLabel, LettersDigitsAndInnerDashes) {
  EXPECT_TRUE(is_host_label("a"));
  EXPECT_TRUE(is_host_label("my-bucket-1"));
  EXPECT_TRUE(is_host_label("MixedCase"));
  EXPECT_TRUE(is_host_label("123"));
  EXPECT_TRUE(is_host_label(std::string(63, 'x')));
  EXPECT_FALSE(is_host_label(std::string(64, 'x')));
  EXPECT_FALSE(is_host_label(""));
  EXPECT_FALSE(is_host_label("-a"));
  EXPECT_FALSE(is_host_label("a-"));
  EXPECT_FALSE(is_host_label("a.b"));
  EXPECT_FALSE(is_host_label("a_b"));
  EXPECT_FALSE(is_host_label("a b"));
  EXPECT_FALSE(is_host_label("caf\xc3\xa9"));
}

// Each case as botocore 1.43's validate_region_name decides it.
TEST(HostLabel, RegionNamesAsBotocoreAcceptsThem) {
  for (const char* ok : {"us-east-1", "cn-north-1", "eusc-de-east-1", "US-EAST-1", "default",
                         "local", "r2d2", "a"}) {
    EXPECT_TRUE(is_region_name(ok)) << ok;
  }
  EXPECT_TRUE(is_region_name(std::string(63, 'r')));
  for (const char* bad : {"12345", "-us-east-1", "us-east-1-", "eu-west-1 # Ireland", "us_east_1",
                          "us-east-1.", "eu west\n1"}) {
    EXPECT_FALSE(is_region_name(bad)) << bad;
  }
  EXPECT_FALSE(is_region_name(std::string(64, 'r')));
  // Stricter than botocore's regex, whose '$' also matches before a final
  // newline: a line break would end the signed header it goes into.
  EXPECT_FALSE(is_region_name("us-east-1\n"));
  EXPECT_FALSE(is_region_name(""));
}

}  // namespace
}  // namespace s3loop::s3
