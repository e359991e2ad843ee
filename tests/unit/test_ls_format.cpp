#include "ls_format.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace s3loop::cli {
namespace {

// Sets TZ for one test and puts the old value back.
class TimeZone {
 public:
  explicit TimeZone(const char* zone) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~TimeZone() {
    if (old_) {
      ::setenv("TZ", old_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  TimeZone(const TimeZone&) = delete;
  TimeZone& operator=(const TimeZone&) = delete;

 private:
  std::optional<std::string> old_;
};

TEST(LsFormat, TimesAreShownInTheLocalZone) {
  {
    TimeZone utc("UTC0");
    EXPECT_EQ(ls_time("2024-11-25T13:00:00.000Z"), "2024-11-25 13:00:00");
    EXPECT_EQ(ls_time("2024-11-25T13:00:00Z"), "2024-11-25 13:00:00");
  }
  {
    // POSIX TZ strings need no tz database: "IST-5:30" is UTC+05:30.
    TimeZone india("IST-5:30");
    EXPECT_EQ(ls_time("2024-11-25T20:45:07.123Z"), "2024-11-26 02:15:07");
  }
  {
    TimeZone west("XYZ+8");
    EXPECT_EQ(ls_time("2024-03-01T03:00:00.000Z"), "2024-02-29 19:00:00");
  }
}

// A review's finding: a server that sends its times with an offset had them
// printed as if they were UTC (aws cli converts them).
TEST(LsFormat, AnOffsetFromUtcIsApplied) {
  TimeZone utc("UTC0");
  EXPECT_EQ(ls_time("2026-12-05T16:37:08+05:30"), "2026-12-05 11:07:08");
  EXPECT_EQ(ls_time("2026-12-05T16:37:08.250-0800"), "2026-12-06 00:37:08");
  EXPECT_EQ(ls_time("2026-12-05T16:37:08"), "2026-12-05 16:37:08");
  EXPECT_EQ(ls_time("2026-12-05T16:37:08.5"), "2026-12-05 16:37:08");
}

TEST(LsFormat, TimesThatDoNotParseAreShownAsGiven) {
  TimeZone utc("UTC0");
  for (const char* odd :
       {"", "yesterday", "2024-11-25", "2024-13-25T13:00:00Z", "2024-11-25X13:00:00Z",
        "2024-11-25T1a:00:00Z", "2024-11-25T13:00", "2024-11-25T13:00:00 GMT",
        "2024-11-25T13:00:00+5", "2024-11-25T13:00:00+25:00", "2024-11-25T13:00:00Zulu"}) {
    EXPECT_EQ(ls_time(odd), odd);
  }
}

TEST(LsFormat, NamesBelowTheRequestedPrefixesLastSlash) {
  EXPECT_EQ(name_below("a/x.txt", "a/"), "x.txt");
  EXPECT_EQ(name_below("a/b/", "a/"), "b/");
  EXPECT_EQ(name_below("a/x.txt", "a/x"), "x.txt");
  EXPECT_EQ(name_below("a/", "a"), "a/");
  EXPECT_EQ(name_below("top.txt", ""), "top.txt");
  // A doubled slash is a directory of its own, whose name is empty.
  EXPECT_EQ(name_below("d//", "d/"), "/");
  EXPECT_EQ(name_below("d//x", "d//"), "x");
  // The object named like the directory itself.
  EXPECT_EQ(name_below("d/", "d/"), "");
  // Not below the prefix (the server never sends one): kept whole.
  EXPECT_EQ(name_below("other/x", "a/"), "other/x");
}

// awscli's human_readable_size, its doctests and edges included.
TEST(LsFormat, HumanReadableSizesReadAsAwsCliPrintsThem) {
  EXPECT_EQ(human_readable_size(0), "0 Bytes");
  EXPECT_EQ(human_readable_size(1), "1 Byte");
  EXPECT_EQ(human_readable_size(10), "10 Bytes");
  EXPECT_EQ(human_readable_size(1023), "1023 Bytes");
  EXPECT_EQ(human_readable_size(1024), "1.0 KiB");
  EXPECT_EQ(human_readable_size(1536), "1.5 KiB");
  EXPECT_EQ(human_readable_size(1024 * 1024), "1.0 MiB");
  // 1048575 bytes is 1023.999 KiB, which rounds to 1024: the next unit.
  EXPECT_EQ(human_readable_size(1048575), "1.0 MiB");
  // 1023.5 KiB rounds half to even, to 1024: MiB too.
  EXPECT_EQ(human_readable_size(1023 * 1024 + 512), "1.0 MiB");
  EXPECT_EQ(human_readable_size(1023 * 1024 + 511), "1023.5 KiB");
  EXPECT_EQ(human_readable_size(5 * 1048576 + 300000), "5.3 MiB");
  EXPECT_EQ(human_readable_size(std::uint64_t{1} << 40), "1.0 TiB");
  EXPECT_EQ(human_readable_size(UINT64_MAX), "16.0 EiB");
}

TEST(LsFormat, SummaryLinesAsAwsCliEndsWithThem) {
  EXPECT_EQ(ls_summary(7, 3584, false), "\nTotal Objects: 7\n   Total Size: 3584\n");
  EXPECT_EQ(ls_summary(7, 3584, true), "\nTotal Objects: 7\n   Total Size: 3.5 KiB\n");
  EXPECT_EQ(ls_summary(0, 0, true), "\nTotal Objects: 0\n   Total Size: 0 Bytes\n");
}

}  // namespace
}  // namespace s3loop::cli
