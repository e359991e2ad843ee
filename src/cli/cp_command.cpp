// s3loop cp s3://src/prefix s3://dst/prefix [--concurrency C] [--dry-run] [--json]
#include "bucket_check.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "copy_run_check.hpp"
#include "copy_url.hpp"
#include "filter_flags.hpp"
#include "interruptible.hpp"
#include "plural.hpp"
#include "progress.hpp"
#include "run_job.hpp"
#include "size_parse.hpp"
#include "strategy_flags.hpp"
#include "summary.hpp"

#include "s3loop/exec/run_once.hpp"
#include "s3loop/jobs/copy_job.hpp"
#include "s3loop/jobs/parallel_list.hpp"
#include "s3loop/jobs/verify.hpp"
#include "s3loop/one_line.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace s3loop::cli {

Runner add_cp_command(CLI::App& app) {
  struct Args {
    CommonOptions common;
    std::string source;
    std::string destination;
    StrategyFlags run;
    std::optional<int> list_concurrency;
    bool dry_run = false;
    bool recursive = false;  // accepted, changes nothing: see its help
    bool quiet = false;
    bool verify = false;
    bool adaptive = false;
    bool in_compare = false;
    std::optional<std::string> journal;
    bool skip_existing = false;
    std::string multipart_threshold = "5GiB";
    std::string multipart_chunksize = "512MiB";
    bool progress = false;
    bool no_progress = false;
    std::vector<jobs::KeyFilter> filters;  // in command-line order
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "cp", "Copy every object under a source prefix to a destination prefix, server-side");
  cmd->add_option("source", args->source,
                  "s3://bucket[/prefix]: a folder; or one object, when nothing lies under "
                  "prefix/")
      ->required();
  cmd->add_option("destination", args->destination,
                  "s3://bucket[/prefix]: a folder, also for one object, which keeps its name "
                  "(as rclone copy; aws s3 cp would name the copy prefix)")
      ->required();
  add_strategy_flags(*cmd, args->run, kCopyDefaultConcurrency, "Requests");
  cmd->add_flag("--adaptive", args->adaptive,
                "async strategies: start with few requests in flight and grow towards "
                "--concurrency, cut to 70% on 503 SlowDown (default: always --concurrency)");
  whole_number_option(
      cmd->add_option("--list-concurrency", args->list_concurrency,
                      "ListObjectsV2 requests in flight listing the source, over disjoint key "
                      "ranges (default 16; 1 with --strategy serial: one page after another)"),
      1, jobs::kMaxListConcurrency);
  // aws s3 cp spells it --dryrun.
  cmd->add_flag("--dry-run,--dryrun", args->dry_run, "Show what would be copied, copy nothing");
  // aws s3 cp copies a prefix only with --recursive; here a prefix is always
  // copied whole, so users' habit is accepted rather than refused.
  cmd->add_flag("-r,--recursive", args->recursive,
                "Accepted for aws s3 cp habits; changes nothing: cp always copies every object "
                "under the source prefix");
  // aws cli's --only-show-errors is what this does (aws's own --quiet hides
  // errors too, which a copy that failed should not): both names are taken.
  cmd->add_flag("--quiet,--only-show-errors", args->quiet,
                "Print nothing when everything was copied: no status line, no summary, no dry-run "
                "lines (errors and warnings still go to stderr, as with aws cli's "
                "--only-show-errors; --json still prints its object)");
  cmd->add_flag("--verify", args->verify,
                "Afterwards, compare an independent listing of the destination with the source "
                "(keys, sizes, single-part ETags); a missing or different object exits 1");
  cmd->add_option("--journal", args->journal,
                  "Append each finished key to FILE (fsync'ed in batches); a rerun with the same "
                  "FILE skips them while the source's ETag and size are unchanged, even after "
                  "kill -9");
  cmd->add_flag("--skip-existing", args->skip_existing,
                "Skip objects whose destination has the same size and ETag (one HEAD each; a "
                "copy made part by part has an ETag of its own and is copied again: --journal "
                "skips it)");
  cmd->add_option("--multipart-threshold", args->multipart_threshold,
                  "Copy objects of this size and larger part by part, as aws cli does (default "
                  "5GiB, the CopyObject limit; keys holding '%' go whole up to 5GiB)");
  cmd->add_option("--multipart-chunksize", args->multipart_chunksize,
                  "Part size of multipart copies (default 512MiB; 5MiB..5GiB; doubled for an "
                  "object that would need more than 10,000 parts, as aws cli does)");
  add_filter_options(*cmd, args->filters);
  cmd->add_flag("--progress", args->progress,
                "Show the status line even when stderr is not a terminal (a line each second)");
  cmd->add_flag("--no-progress", args->no_progress,
                "No status line (default: one on stderr, redrawn in place, when it is a terminal)");
  add_common_options(*cmd, args->common);
  // compare passes the same strategy flags to the run of every strategy;
  // that each run leaves some unused is no news.
  cmd->add_flag("--compare-run", args->in_compare, "")->group("");

  return [args]() -> int {
    if (args->progress && args->no_progress) {
      return usage_error(make_error(
          ErrorKind::usage, "--progress and --no-progress contradict each other: give one"));
    }
    if (args->quiet && args->progress) {
      return usage_error(
          make_error(ErrorKind::usage, "--quiet and --progress contradict each other: give one"));
    }
    if (args->verify && args->dry_run) {
      return usage_error(make_error(ErrorKind::usage,
                                    "--verify has nothing to check after --dry-run, which copies "
                                    "nothing: leave one of them out"));
    }
    if (args->journal && args->journal->empty()) {
      return usage_error(make_error(ErrorKind::usage, "--journal needs a file path"));
    }
    auto source = parse_copy_location(args->source);
    if (!source) return usage_error(source.error());
    auto destination = parse_copy_location(args->destination);
    if (!destination) return usage_error(destination.error());
    auto threshold = parse_size(args->multipart_threshold, "--multipart-threshold");
    if (!threshold) return usage_error(threshold.error());
    auto chunk = parse_size(args->multipart_chunksize, "--multipart-chunksize");
    if (!chunk) return usage_error(chunk.error());
    auto checked = check_copy_run({args->run, args->adaptive, args->list_concurrency});
    if (!checked) return usage_error(checked.error());
    const exec::Settings& settings = checked->settings;
    auto made = exec::make_strategy(settings);
    if (!made) return usage_error(made.error());
    auto strategy = std::move(*made);
    const std::atomic<bool>* interrupted = &strategy->cancel_flag();

    jobs::CopyOptions options;
    options.source = *source;
    options.destination = *destination;
    options.multipart_threshold = *threshold;
    options.part_size = *chunk;
    options.dry_run = args->dry_run;
    options.skip_existing = args->skip_existing;
    options.filters = args->filters;
    options.list_concurrency = checked->list_concurrency;
    auto normalised = jobs::normalise_copy_locations(std::move(options));
    if (!normalised) return usage_error(normalised.error());

    const bool json = args->common.json;
    const bool dry_run = args->dry_run;
    const bool quiet = args->quiet;
    // The dry run's lines show keys (and upload ids) with control characters
    // escaped on a terminal, as ls shows them; raw into a pipe or a file.
    const bool stdout_is_terminal = isatty(STDOUT_FILENO) != 0;
    const auto shown = [stdout_is_terminal](const std::string& text) {
      return stdout_is_terminal ? one_line(text) : text;
    };
    const std::string src_bucket = normalised->source.bucket;
    const std::string dst_bucket = normalised->destination.bucket;
    // A dry run prints a line per object on stdout already; a status line on
    // the same terminal would only tear them (asked for, it comes a line at
    // a time), as --debug's lines would, and a dumb terminal shows the
    // escape sequences that redraw it.
    const char* term = std::getenv("TERM");
    const bool can_redraw = !(term != nullptr && std::string_view(term) == "dumb") &&
                            !args->common.debug && !(dry_run && stdout_is_terminal);
    const auto progress = std::make_shared<Progress>(
        choose_progress_mode(args->progress,
                             args->no_progress || quiet || (dry_run && !args->progress),
                             isatty(STDERR_FILENO) != 0, can_redraw),
        dry_run ? "would copy" : "copying", stderr);
    normalised->on_object = [=](const std::string& src, const std::string& dst, std::uint64_t size,
                                const Error* error) {
      // Cut off by Ctrl-C: not copied, as the objects never started are not;
      // the summary counts them, as interrupted.
      if (error != nullptr && error->kind == ErrorKind::cancelled && interrupted->load()) return;
      progress->object_done(size, error != nullptr);
      // A job-wide error is reported once, at the end, not for every object.
      if (error != nullptr && !exec::fails_whole_job(*error)) {
        progress->message(fmt::format("s3loop: failed: s3://{}/{} -> s3://{}/{}: {}", src_bucket,
                                      src, dst_bucket, dst, error->message));
      } else if (error == nullptr && dry_run && !json && !quiet) {
        std::printf("(dryrun) copy: s3://%s/%s to s3://%s/%s\n", src_bucket.c_str(),
                    shown(src).c_str(), dst_bucket.c_str(), shown(dst).c_str());
      }
    };

    normalised->on_warning = [=](const std::string& message) {
      progress->message(warning_line(message));
    };
    // compare warns of an object beside a same-named folder once, not once per run.
    if (args->in_compare) normalised->warn_object_beside_directory = false;

    // A dry run changes nothing: like ls, it may end with its reader.
    if (!dry_run) keep_running_when_output_closes();
    auto shared = make_client_shared(args->common, /*warn_unverified=*/!args->in_compare);
    if (!shared) return usage_error(shared.error());
    note_credential_renewals(**shared, args->common.debug, [progress](const std::string& line) {
      progress->message(warning_line(line));
    });
    // The summary's time is the command's: the bucket check's requests count,
    // as they do among its requests.
    const auto started = std::chrono::steady_clock::now();
    // Every copy into a missing bucket would fail alike, and a dry run would
    // promise copies that cannot happen: say it once, copy nothing.
    if (auto refused = check_buckets(**shared, {{"source", normalised->source.bucket},
                                                {"destination", normalised->destination.bucket}})) {
      // compare reads a run's last line: stopped before any copy, nothing is
      // in flight to wait for (no summary would leave it unsure).
      if (args->in_compare && refused->kind == ErrorKind::cancelled) {
        std::printf("{\"objects\":0,\"interrupted\":0,\"cancelled\":true}\n");
      }
      return report_failure(*refused);
    }

    // Opened only now: a command refused above leaves no journal behind. (Its
    // header names the endpoint, known once the client's settings are.)
    std::unique_ptr<jobs::CopyJournal> journal;
    // A dry run with a journal: what the run would abort first (SummaryInput).
    std::optional<std::vector<std::pair<std::string, std::string>>> uploads_to_abort;
    if (args->journal) {
      // A dry run reads an existing journal (its keys show as skipped) but
      // neither creates nor writes it.
      // scheme://host:port, the port always given: one spelling per server.
      const net::Endpoint& endpoint = (*shared)->options.endpoint;
      const jobs::JournalScope scope{
          (endpoint.tls ? "https://" : "http://") + endpoint.host_port(),
          s3::s3_uri(normalised->source.bucket, normalised->source.key),
          s3::s3_uri(normalised->destination.bucket, normalised->destination.key)};
      auto opened = jobs::CopyJournal::open(*args->journal, scope, /*read_only=*/dry_run);
      if (!opened) {
        print_error(opened.error().message);
        return opened.error().kind == ErrorKind::usage ? kExitUsage : kExitFailed;
      }
      journal = std::move(*opened);
      normalised->journal = journal.get();
      if (!journal->unlocked_reason().empty()) {
        progress->message(warning_line("journal " + *args->journal + " cannot be locked (" +
                                       journal->unlocked_reason() +
                                       "): do not run two copies with it at once"));
      }
      // What the run itself would do first (CopyJob::produce): abort the
      // multipart uploads an earlier, killed run left open.
      if (dry_run) {
        uploads_to_abort.emplace();
        for (const auto& upload : journal->open_uploads()) {
          uploads_to_abort->emplace_back(s3::s3_uri(dst_bucket, upload.key), upload.upload_id);
          if (json || quiet) continue;  // (--json: in the summary)
          std::printf("(dryrun) abort: %s (multipart upload %s, left open by an earlier run)\n",
                      shown(uploads_to_abort->back().first).c_str(),
                      shown(upload.upload_id).c_str());
        }
      }
    }

    // Said once the command is known to run: a refused one gets its one
    // error line alone.
    if (!args->in_compare) {
      for (const auto& unused : unused_strategy_flags(args->run, settings.kind, args->adaptive)) {
        progress->message(warning_line(unused_flag_warning(unused, settings.kind)));
      }
      if (auto reduced = reduced_flag_warning(args->run, settings)) {
        progress->message(warning_line(*reduced));
      }
    }
    const jobs::CopyOptions locations = *normalised;
    jobs::CopyJob job(std::move(*normalised));
    progress->start([&job] { return job.skipped(); });
    const JobRun run = run_job(*strategy, job, **shared, started, /*uploads_may_be_left=*/true);
    progress->finish();
    std::optional<Error> journal_error;
    if (journal) {
      if (auto flushed = journal->flush(); !flushed) journal_error = flushed.error();
    }

    // Verification only makes sense for a run that went through.
    std::optional<Result<jobs::VerifyReport>> verified;
    // Ctrl-C while verifying ends it as during the copy, with the summary
    // (the process died of the signal, silent: a review).
    bool verify_interrupted = false;
    if (args->verify && !run.report.cancelled && !run.report.job_error) {
      verified = run_once_interruptible<jobs::VerifyReport>(
          **shared, verify_interrupted,
          [&](s3::Client& client) { return jobs::verify_copy(client, locations); });
    }

    const bool verify_failed =
        verified && (!*verified || (*verified)->missing > 0 || (*verified)->mismatched > 0);
    int exit_code = kExitFailed;
    if (run.report.cancelled || verify_interrupted) {
      exit_code = cancelled_exit_code();
    } else if (run.report.job_error) {
      exit_code = exit_code_for(*run.report.job_error);
    } else if (run.report.failed == 0 && !verify_failed && !journal_error) {
      exit_code = kExitOk;
    }
    // --quiet: a run that went through says nothing; one that did not still
    // gets its summary, which counts what failed.
    const bool show = !quiet || exit_code != kExitOk;

    SummaryInput summary;
    summary.verb = dry_run ? "would copy" : "copied";
    summary.dry_run = dry_run;
    summary.strategy = args->run.strategy;
    // What the run could have in flight, not the flag: serial's is 1.
    summary.concurrency = exec::max_in_flight(settings);
    summary.workers = exec::describe_workers(settings);
    summary.run = &run;
    summary.skipped = job.skipped();
    summary.orphans_aborted = job.orphans_aborted();
    summary.orphan_cleanup_failures = job.orphan_cleanup_failures();
    summary.uploads_to_abort = std::move(uploads_to_abort);
    summary.shared = shared->get();
    if (verified && *verified) summary.verify = &**verified;
    summary.verify_interrupted = verify_interrupted;
    // A copy stopped by an error part way is not verified; asked for, that is
    // said (not of a command refused before any copy: its error says it all).
    summary.verify_not_run = args->verify && !verified && !run.report.cancelled &&
                             run.report.job_error && run.report.succeeded + run.report.failed > 0;
    if (run.report.job_error) print_error(run.report.job_error->message);
    // As aws s3 cp, an empty source is no error (scripts copy prefixes that
    // may be empty), but a mistyped one should not pass for a copy that went
    // through. (compare says it once, for all its runs.)
    if (exit_code == kExitOk && job.source_empty() && !args->in_compare) {
      print_warning("no objects under " +
                    s3::s3_uri(locations.source.bucket, locations.source.key) +
                    ": nothing to copy (check the source URL)");
    }
    // Nothing but the source folder's own marker: "copied 0 objects" needs
    // the reason, or it reads as a copy that lost something.
    if (exit_code == kExitOk && job.only_folder_marker() && !args->in_compare) {
      print_warning(s3::s3_uri(locations.source.bucket, locations.source.key) +
                    " holds nothing but its own empty folder marker, which has no name at the "
                    "root of s3://" +
                    locations.destination.bucket +
                    "/: nothing to copy (name a destination folder to keep it)");
    }
    // A job that failed before copying anything has nothing to summarise in
    // text; --json users still get the object (with its "error"), --quiet or
    // not: they asked for it.
    if (json || (show && (!run.report.job_error || run.report.succeeded + run.report.failed > 0))) {
      std::puts((json ? summary_json(summary) : summary_line(summary)).c_str());
    }
    if (summary.verify_not_run) {
      std::fputs("s3loop: verify: not run: the copy stopped at the error above\n", stderr);
    }
    if (verified) {
      if (verify_interrupted) {
        print_error("verify: interrupted before it finished: the copy went through, unverified");
      } else if (!*verified) {
        print_error("verify: " + verified->error().message);
      } else {
        const auto& v = **verified;
        if (!json && show) std::puts(verify_line(v).c_str());
        for (const auto& problem : v.problems) {
          // (A key's line break or CR written as an escape: one line each.)
          std::fprintf(stderr, "s3loop: verify: %s\n", one_line(problem).c_str());
        }
        // A key the journal had is skipped without a look at the
        // destination: one deleted or changed there since stays missing or
        // different on every rerun. (Missing keys no more than the copies
        // that failed are those.)
        if ((v.missing > run.report.failed || v.mismatched > 0) && job.skipped_by_journal() > 0) {
          const std::string_view were = plural(job.skipped_by_journal(), "key was", "keys were");
          std::fprintf(stderr,
                       "s3loop: verify: %llu %.*s skipped as already copied by the journal %s, "
                       "without a look at the destination: to copy again what is missing or "
                       "different there, rerun with --skip-existing and without --journal (or "
                       "with a new one)\n",
                       static_cast<unsigned long long>(job.skipped_by_journal()),
                       static_cast<int>(were.size()), were.data(), args->journal->c_str());
        }
      }
    }
    // One error line: a job that stopped on an error (a journal write among
    // them) has said why; the final flush failing too adds nothing.
    if (journal_error && !run.report.job_error) print_error(journal_error->message);
    std::fflush(stdout);
    return exit_code;
  };
}

}  // namespace s3loop::cli
