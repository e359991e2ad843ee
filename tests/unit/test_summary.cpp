#include "summary.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace s3loop::cli {
namespace {

// A run of `n` of everything the summary counts, so that each count's noun
// is seen with 1 and with 2.
struct Fixture {
  JobRun run;
  s3::ClientShared shared;
  SummaryInput in;

  explicit Fixture(std::uint64_t n) {
    run.wall_seconds = 2;
    run.report.succeeded = n;
    run.report.adaptive = true;
    run.report.limit_cuts = static_cast<int>(n);
    shared.stats[s3::Op::copy_object].attempts = n;
    shared.stats[s3::Op::copy_object].retries = n;
    shared.stats.budget_refusals = n;
    shared.net_counters.tls_handshakes = n;
    in.verb = "copied";
    in.strategy = "async";
    in.run = &run;
    in.shared = &shared;
    in.orphans_aborted = n;
    in.orphan_cleanup_failures = n;
  }
};

TEST(Summary, OneOfAnythingIsSingular) {
  Fixture one(1);
  const std::string line = summary_line(one.in);
  EXPECT_EQ(line.rfind("copied 1 object (0.0 MiB), 0 failed in 2.00 s", 0), 0U) << line;
  for (const char* part :
       {" 1 request,", " 1 retry,", " 1 TLS handshake,", "request limit cut 1 time,",
        "retry budget spent: 1 error not retried", "1 orphaned multipart upload aborted",
        "possibly left on 1 key (see above)"}) {
    EXPECT_NE(line.find(part), std::string::npos) << part << " not in: " << line;
  }
}

TEST(Summary, TwoOfAnythingIsPlural) {
  Fixture two(2);
  const std::string line = summary_line(two.in);
  EXPECT_EQ(line.rfind("copied 2 objects (0.0 MiB), 0 failed in 2.00 s", 0), 0U) << line;
  for (const char* part :
       {" 2 requests,", " 2 retries,", " 2 TLS handshakes,", "request limit cut 2 times,",
        "retry budget spent: 2 errors not retried", "2 orphaned multipart uploads aborted",
        "possibly left on 2 keys (see above)"}) {
    EXPECT_NE(line.find(part), std::string::npos) << part << " not in: " << line;
  }
  Fixture none(0);
  const std::string nothing = summary_line(none.in);
  EXPECT_EQ(nothing.rfind("copied 0 objects ", 0), 0U);
  // What did not happen is not told ("retry budget spent: 0 errors").
  for (const char* part : {"retry budget", "request limit cut", "orphaned"}) {
    EXPECT_EQ(nothing.find(part), std::string::npos) << part << " in: " << nothing;
  }
}

// A review's finding: with --skip-existing the line said "copied 0 objects, 308 skipped ...
// 106 objects/s", the rate counting the skipped.
TEST(Summary, TheRateIsOfTheObjectsCopied) {
  Fixture f(4);
  f.in.skipped = 4;
  EXPECT_NE(summary_line(f.in).find("copied 0 objects (0.0 MiB), 4 skipped, 0 failed in 2.00 s: 0 "
                                    "objects/s,"),
            std::string::npos)
      << summary_line(f.in);
  f.in.skipped = 2;
  EXPECT_NE(summary_line(f.in).find(": 1 objects/s,"), std::string::npos) << summary_line(f.in);
}

TEST(Summary, ADryRunShowsNoRates) {
  Fixture f(4);
  EXPECT_NE(summary_line(f.in).find(" in 2.00 s: 2 objects/s, 0.0 MiB/s, 4 requests,"),
            std::string::npos)
      << summary_line(f.in);
  f.in.verb = "would copy";
  f.in.dry_run = true;
  const std::string line = summary_line(f.in);
  EXPECT_EQ(line.rfind("would copy 4 objects (0.0 MiB), 0 failed in 2.00 s: 4 requests,", 0), 0U)
      << line;
  EXPECT_EQ(line.find("/s"), std::string::npos) << line;
}

TEST(Summary, AJobStoppedByAnErrorSaysTheRestWasNotCopied) {
  Fixture f(2);
  EXPECT_EQ(summary_line(f.in).find("stopped"), std::string::npos);
  f.run.report.job_error = make_error(ErrorKind::network, "listing s3://src/: connection reset");
  const std::string line = summary_line(f.in);
  EXPECT_EQ(line.rfind("copied 2 objects (0.0 MiB), 0 failed", 0), 0U) << line;
  EXPECT_TRUE(
      line.ends_with(" (stopped by the error above: the rest of the source was not copied)"))
      << line;
}

TEST(Summary, VerifyLineAgrees) {
  jobs::VerifyReport v;
  v.matched = 3;
  v.mismatched = 1;
  EXPECT_EQ(verify_line(v),
            "verified: 3 matched, 0 missing, 1 differs, 0 unexpected (not in the source)");
  v.mismatched = 2;
  EXPECT_EQ(verify_line(v),
            "verified: 3 matched, 0 missing, 2 differ, 0 unexpected (not in the source)");
  v.matched_by_size_only = 2;
  EXPECT_EQ(verify_line(v),
            "verified: 3 matched (2 by key and size only: multipart ETags, content not "
            "compared), 0 missing, 2 differ, 0 unexpected (not in the source)");
  v.matched_by_size_only = 1;  // one alone is said too
  EXPECT_NE(verify_line(v).find("(1 by key and size only"), std::string::npos);
}

// A verification cut short by Ctrl-C: --json says the run was cancelled and
// what of the verification (nothing to read as a clean check).
TEST(Summary, JsonOfAnInterruptedVerifySaysCancelled) {
  Fixture f(2);
  f.in.verify_interrupted = true;
  const auto parsed = boost::json::parse(summary_json(f.in)).as_object();
  EXPECT_TRUE(parsed.at("cancelled").as_bool());
  EXPECT_TRUE(parsed.at("verify").as_object().at("interrupted").as_bool());
}

TEST(Summary, JsonSaysWhetherItWasADryRun) {
  Fixture f(1);
  for (bool dry_run : {true, false}) {
    f.in.dry_run = dry_run;
    const auto parsed = boost::json::parse(summary_json(f.in)).as_object();
    ASSERT_TRUE(parsed.contains("dry_run"));
    EXPECT_EQ(parsed.at("dry_run").as_bool(), dry_run);
  }
}

// The failure list keeps the first RunReport::kMaxFailureDetails; --json counts the others
// (it stopped at 10,000 entries without a word: a script retrying `failures` lost the rest).
TEST(Summary, JsonCountsTheFailuresItDoesNotList) {
  Fixture f(1);
  f.run.report.failed = 3;
  f.run.report.failures = {exec::Failure{"a", make_error(ErrorKind::s3, "no")},
                           exec::Failure{"b", make_error(ErrorKind::s3, "no")}};
  auto parsed = boost::json::parse(summary_json(f.in)).as_object();
  EXPECT_EQ(parsed.at("failures").as_array().size(), 2u);
  EXPECT_EQ(parsed.at("failures_omitted").as_int64(), 1);
  f.run.report.failed = 2;
  parsed = boost::json::parse(summary_json(f.in)).as_object();
  EXPECT_EQ(parsed.at("failures_omitted").as_int64(), 0);
}

// The text line's rate is of the objects copied; --json's objects_per_second counts every
// object handled, the skipped among them, and "copied" leaves them out.
TEST(Summary, JsonRateCountsTheSkippedToo) {
  Fixture f(4);
  f.in.skipped = 2;
  const auto parsed = boost::json::parse(summary_json(f.in)).as_object();
  EXPECT_EQ(parsed.at("objects_per_second").to_number<double>(), 2.0);
  EXPECT_EQ(parsed.at("copied").to_number<std::uint64_t>(), 2u);
}

// --json names the error that stopped the job (the text line says "see above").
TEST(Summary, JsonNamesTheErrorThatStoppedTheJob) {
  Fixture f(2);
  EXPECT_FALSE(boost::json::parse(summary_json(f.in)).as_object().contains("error"));
  f.run.report.job_error = make_error(ErrorKind::network, "listing s3://src/: connection reset");
  const auto parsed = boost::json::parse(summary_json(f.in)).as_object();
  ASSERT_TRUE(parsed.contains("error"));
  EXPECT_EQ(parsed.at("error").as_string(), "listing s3://src/: connection reset");
}

}  // namespace
}  // namespace s3loop::cli
