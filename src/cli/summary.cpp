#include "summary.hpp"

#include "json_line.hpp"
#include "plural.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace s3loop::cli {

namespace {
constexpr double kMiB = 1024.0 * 1024.0;

double per_second(double amount, double seconds) {
  return seconds > 0 ? amount / seconds : 0.0;
}
}  // namespace

std::string summary_line(const SummaryInput& in) {
  const auto& r = in.run->report;
  const std::string skipped = in.skipped > 0 ? fmt::format(", {} skipped", in.skipped) : "";
  // Cut off by Ctrl-C in flight: not done, but not failed either.
  const std::string interrupted =
      r.interrupted > 0 ? fmt::format(", {} interrupted", r.interrupted) : "";
  const std::string throttled =
      r.adaptive && r.limit_cuts > 0
          ? fmt::format(", throttled: request limit cut {} {}, lowest {} (ended at {})",
                        r.limit_cuts, plural(r.limit_cuts, "time", "times"), r.limit_min,
                        r.limit_final)
          : "";
  const std::uint64_t refusals = in.shared->stats.budget_refusals.load();
  const std::string budget = refusals > 0
                                 ? fmt::format(", retry budget spent: {} {} not retried", refusals,
                                               plural(refusals, "error", "errors"))
                                 : "";
  std::string orphans;
  if (in.orphans_aborted > 0) {
    orphans += fmt::format(", {} orphaned multipart {} aborted", in.orphans_aborted,
                           plural(in.orphans_aborted, "upload", "uploads"));
  }
  if (in.orphan_cleanup_failures > 0) {
    orphans +=
        fmt::format(", orphaned multipart uploads possibly left on {} {} (see above)",
                    in.orphan_cleanup_failures, plural(in.orphan_cleanup_failures, "key", "keys"));
  }
  // A job stopped by an error (the listing failed part way, a journal write
  // failed) copied what it got to: the counts alone would read as a whole copy.
  const std::string stopped =
      r.job_error
          ? std::string(" (stopped by the error above: the rest of the source was not copied)")
          : std::string();
  const std::uint64_t copied = r.succeeded - in.skipped;
  const std::uint64_t requests = in.shared->stats.total_attempts();
  const std::uint64_t retries = in.shared->stats.total_retries();
  const std::uint64_t handshakes = in.shared->net_counters.tls_handshakes.load();
  // A dry run copies nothing: a rate of its objects would read as a measurement.
  const std::string rates =
      in.dry_run
          ? std::string()
          : fmt::format(" {:.0f} objects/s, {:.1f} MiB/s,",
                        // Of the objects the line says were copied: with
                        // --skip-existing, "copied 0 objects ... 106
                        // objects/s" counted the skipped (JSON's
                        // objects_per_second counts every object handled).
                        per_second(static_cast<double>(copied), in.run->wall_seconds),
                        per_second(static_cast<double>(r.bytes) / kMiB, in.run->wall_seconds));
  return fmt::format(
      "{} {} {} ({:.1f} MiB){}, {} failed{} in {:.2f} s:{} "
      "{} {}, {} {}, {} TLS {}, {:.2f} CPU s, peak RSS {:.0f} MiB "
      "[{}]{}{}{}{}{}",
      in.verb, copied, plural(copied, "object", "objects"), static_cast<double>(r.bytes) / kMiB,
      skipped, r.failed, interrupted, in.run->wall_seconds, rates, requests,
      plural(requests, "request", "requests"), retries, plural(retries, "retry", "retries"),
      handshakes, plural(handshakes, "handshake", "handshakes"), in.run->usage.cpu_seconds(),
      static_cast<double>(in.run->usage.peak_rss_bytes) / kMiB, in.strategy, throttled, budget,
      orphans, r.cancelled ? " (cancelled)" : "", stopped);
}

std::string verify_line(const jobs::VerifyReport& v) {
  // "Matched" by size alone must not read as checked content.
  const std::string size_only =
      v.matched_by_size_only == 0
          ? std::string()
          : fmt::format(" ({} by key and size only: multipart ETags, content not compared)",
                        v.matched_by_size_only);
  return fmt::format("verified: {} matched{}, {} missing, {} {}, {} unexpected (not in the source)",
                     v.matched, size_only, v.missing, v.mismatched,
                     plural(v.mismatched, "differs", "differ"), v.unexpected);
}

std::string summary_json(const SummaryInput& in) {
  const auto& r = in.run->report;
  const auto& stats = in.shared->stats;
  boost::json::object requests_by_op;
  for (std::size_t i = 0; i < s3::kOpCount; ++i) {
    const auto& op = stats.ops[i];
    if (op.attempts.load() == 0) continue;
    requests_by_op[s3::op_name(static_cast<s3::Op>(i))] = boost::json::object{
        {"requests", op.attempts.load()},
        {"retries", op.retries.load()},
        {"failures", op.failures.load()},
        {"p50_ms", static_cast<double>(op.latency.percentile(0.5).count()) / 1000.0},
        {"p99_ms", static_cast<double>(op.latency.percentile(0.99).count()) / 1000.0}};
  }
  boost::json::array failures;
  for (const auto& f : r.failures) {
    failures.push_back(boost::json::object{{"key", f.item}, {"error", f.error.message}});
  }
  boost::json::object out{
      {"strategy", in.strategy},
      {"dry_run", in.dry_run},
      {"concurrency", in.concurrency},
      {"workers", in.workers},
      {"objects", r.succeeded},
      {"copied", r.succeeded - in.skipped},
      {"skipped", in.skipped},
      {"bytes", r.bytes},
      {"failed", r.failed},
      {"interrupted", r.interrupted},
      {"cancelled", r.cancelled},
      {"wall_seconds", in.run->wall_seconds},
      {"cpu_seconds", in.run->usage.cpu_seconds()},
      {"peak_rss_bytes", in.run->usage.peak_rss_bytes},
      {"objects_per_second", per_second(static_cast<double>(r.succeeded), in.run->wall_seconds)},
      {"requests", stats.total_attempts()},
      {"retries", stats.total_retries()},
      {"tls_handshakes", in.shared->net_counters.tls_handshakes.load()},
      {"connections", in.shared->net_counters.connections.load()},
      {"tls_resumed", in.shared->net_counters.tls_resumed.load()},
      {"max_in_flight", r.max_in_flight},
      {"requests_by_kind", std::move(requests_by_op)},
      {"failures", std::move(failures)},
      // Past RunReport::kMaxFailureDetails, failures are counted, not kept.
      {"failures_omitted", r.failed - r.failures.size()}};
  if (r.job_error) out["error"] = r.job_error->message;
  out["throttled"] = in.shared->stats.throttled.load();
  out["retry_budget_refusals"] = in.shared->stats.budget_refusals.load();
  out["orphaned_uploads_aborted"] = in.orphans_aborted;
  out["orphan_cleanup_failures"] = in.orphan_cleanup_failures;
  if (in.uploads_to_abort) {
    boost::json::array uploads;
    for (const auto& [url, upload_id] : *in.uploads_to_abort) {
      uploads.push_back(boost::json::object{{"destination", url}, {"upload_id", upload_id}});
    }
    out["uploads_to_abort"] = std::move(uploads);
  }
  if (r.adaptive) {
    boost::json::array history;
    for (const auto& sample : r.limit_history) {
      history.push_back(boost::json::array{sample.seconds, sample.limit});
    }
    out["concurrency_limit"] = boost::json::object{{"cuts", r.limit_cuts},
                                                   {"min", r.limit_min},
                                                   {"final", r.limit_final},
                                                   {"history", std::move(history)}};
  }
  if (in.verify_interrupted) {
    out["cancelled"] = true;
    out["verify"] = boost::json::object{{"interrupted", true}};
  }
  if (in.verify_not_run) out["verify"] = boost::json::object{{"not_run", true}};
  if (in.verify != nullptr) {
    out["verify"] = boost::json::object{{"matched", in.verify->matched},
                                        {"matched_by_size_only", in.verify->matched_by_size_only},
                                        {"missing", in.verify->missing},
                                        {"mismatched", in.verify->mismatched},
                                        {"unexpected", in.verify->unexpected}};
  }
  return json_line(out);
}

}  // namespace s3loop::cli
