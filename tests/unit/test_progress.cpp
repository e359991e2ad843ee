#include "progress.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace s3loop::cli {
namespace {

TEST(Progress, LineSaysWhatIsDoneAndHowFast) {
  ProgressCounts counts;
  counts.done = 1234567;
  counts.bytes = 3 * 1024 * 1024 + 512 * 1024;
  EXPECT_EQ(progress_line("copying", counts, 3725.9),
            "copying: 1,234,567 objects (3.5 MiB), 01:02:05, 331 objects/s");
  counts.skipped = 1000;
  counts.failed = 2;
  EXPECT_EQ(progress_line("copying", counts, 3725.9),
            "copying: 1,234,567 objects (3.5 MiB), 1,000 skipped, 2 failed, 01:02:05, 331 "
            "objects/s");
}

TEST(Progress, OneObjectIsSingular) {
  ProgressCounts counts;
  counts.done = 1;
  EXPECT_EQ(progress_line("copying", counts, 2),
            "copying: 1 object (0.0 MiB), 00:00:02, 0 objects/s");
}

TEST(Progress, NoRateInTheFirstSecond) {
  EXPECT_EQ(progress_line("would copy", ProgressCounts{}, 0.4),
            "would copy: 0 objects (0.0 MiB), 00:00:00");
  EXPECT_EQ(progress_line("copying", ProgressCounts{}, -1),
            "copying: 0 objects (0.0 MiB), 00:00:00");
}

TEST(Progress, ModeFollowsTheTerminalUnlessTold) {
  EXPECT_EQ(choose_progress_mode(false, false, true), ProgressMode::terminal);
  EXPECT_EQ(choose_progress_mode(false, false, false), ProgressMode::off);
  EXPECT_EQ(choose_progress_mode(true, false, false), ProgressMode::lines);
  EXPECT_EQ(choose_progress_mode(true, false, true), ProgressMode::terminal);
  EXPECT_EQ(choose_progress_mode(false, true, true), ProgressMode::off);
  // A terminal where the line cannot be redrawn (TERM=dumb, --debug's lines, a dry
  // run's on it): a plain line a second when asked for, none by default.
  EXPECT_EQ(choose_progress_mode(false, false, true, false), ProgressMode::off);
  EXPECT_EQ(choose_progress_mode(true, false, true, false), ProgressMode::lines);
}

// A wrapped line left its first rows on the screen at every redraw (80 columns were
// enough, with skipped and failed counts).
TEST(Progress, TheLineIsCutToTheTerminalsWidth) {
  const std::string line = progress_line("copying", ProgressCounts{1662, 1 << 20, 829, 376}, 12.8);
  ASSERT_EQ(line.size(), 82u) << line;
  EXPECT_EQ(fit_to_width(line, 80), line.substr(0, 79));
  EXPECT_EQ(fit_to_width(line, 83), line);
  EXPECT_EQ(fit_to_width(line, 82), line.substr(0, 81));
  EXPECT_EQ(fit_to_width(line, 0), line);  // unknown width
  EXPECT_EQ(fit_to_width(line, 1), line);
}

// Reads what a Progress wrote to a temporary file.
std::string written(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  return out;
}

TEST(Progress, TerminalLineIsDrawnAtOnceAndClearedAtTheEnd) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress progress(ProgressMode::terminal, "copying", f);
    progress.object_done(100, false);
    progress.start([] { return std::uint64_t{0}; });
    progress.message("s3loop: failed: x");
    progress.finish();
    progress.finish();  // idempotent
  }
  const std::string out = written(f);
  std::fclose(f);
  EXPECT_EQ(out.rfind("\r\033[Kcopying: 1 object (", 0), 0u) << out;
  // The error line starts on a cleared line and is whole.
  EXPECT_NE(out.find("\r\033[Ks3loop: failed: x\n"), std::string::npos) << out;
  // Nothing is left on the line once the job is over: the summary follows.
  EXPECT_TRUE(out.ends_with("\r\033[K") || out.ends_with("s3loop: failed: x\n")) << out;
}

TEST(Progress, OffDrawsNothingButStillPrintsMessages) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress progress(ProgressMode::off, "copying", f);
    progress.start();
    progress.object_done(1, false);
    progress.message("s3loop: failed: y");
  }
  EXPECT_EQ(written(f), "s3loop: failed: y\n");
  std::fclose(f);
}

}  // namespace
}  // namespace s3loop::cli
