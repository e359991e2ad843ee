// The end-of-run summary, as one human line or one JSON object.
#pragma once

#include "run_job.hpp"

#include "s3loop/jobs/verify.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace s3loop::cli {

struct SummaryInput {
  std::string verb;  // "copied", "would copy"
  bool dry_run = false;
  std::string strategy;
  int concurrency = 0;
  std::string workers;  // how the strategy ran: "C=256", "T=6", "C=256 L=2 T=2"
  const jobs::VerifyReport* verify = nullptr;  // set when --verify ran
  // Ctrl-C while --verify walked the listings: the copy went through, and is
  // unverified ("cancelled", and "verify": {"interrupted": true}).
  bool verify_interrupted = false;
  // --verify asked for, not run: the copy stopped at an error ("verify":
  // {"not_run": true}).
  bool verify_not_run = false;
  const JobRun* run = nullptr;
  std::uint64_t skipped = 0;  // objects the journal or --skip-existing skipped
  // Multipart uploads a lost CreateMultipartUpload reply left behind: aborted,
  // and creates whose leftovers could not be looked for or aborted (warned).
  std::uint64_t orphans_aborted = 0;
  std::uint64_t orphan_cleanup_failures = 0;
  // A dry run with a journal: the uploads an earlier run left open, which the
  // run would abort first (s3:// URL and upload id each; the text output
  // prints them as "(dryrun) abort:" lines).
  std::optional<std::vector<std::pair<std::string, std::string>>> uploads_to_abort;
  const s3::ClientShared* shared = nullptr;
};

std::string summary_line(const SummaryInput& in);
std::string summary_json(const SummaryInput& in);
// "verified: N matched, M missing, D differ, U unexpected (not in the source)"
std::string verify_line(const jobs::VerifyReport& v);

}  // namespace s3loop::cli
