// s3loop compare cp SRC DST [cp flags] --strategies serial,threads,async,async-pool
//   [--repeat R] [--keep] [--json]
// Runs the job once per strategy (and repetition), each in a fresh child
// process so its CPU time and peak RSS are its own, each into a fresh
// destination prefix; verifies every run by an independent listing, deletes
// the copies unless --keep, and prints one table.
#include "bucket_check.hpp"
#include "child_process.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "copy_run_check.hpp"
#include "copy_url.hpp"
#include "filter_flags.hpp"
#include "flag_as_value.hpp"
#include "job_words.hpp"
#include "json_line.hpp"
#include "plural.hpp"
#include "strategy_flags.hpp"

#include "s3loop/exec/run_once.hpp"
#include "s3loop/exec/strategy.hpp"
#include "s3loop/jobs/delete_prefix.hpp"
#include "s3loop/jobs/verify.hpp"
#include "s3loop/s3/client.hpp"
#include "s3loop/s3/s3_url.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <thread>

namespace s3loop::cli {

namespace {

struct RunResult {
  std::string strategy;
  int repetition = 0;
  int exit_code = 0;
  boost::json::object summary;  // the child's cp --json
  bool verified = false;
  // Matched by key and size alone (multipart ETags): content not compared.
  std::uint64_t matched_by_size_only = 0;
  std::string verify_note;
  std::string left_behind;  // the run's destination, when deleting it failed
  std::string destination;  // s3://bucket/prefix/ the run copied into
};

double number(const boost::json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return 0;
  return it->value().is_double() ? it->value().as_double()
                                 : static_cast<double>(it->value().to_number<double>());
}

struct Spread {
  double median = 0, min = 0, max = 0;
};

Spread spread(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {median, values.front(), values.back()};
}

std::string format_cell(const Spread& s, int repeat, const char* fmt_one) {
  std::string median = fmt::format(fmt::runtime(fmt_one), s.median);
  if (repeat <= 1) return median;
  return median + " (" + fmt::format(fmt::runtime(fmt_one), s.min) + "-" +
         fmt::format(fmt::runtime(fmt_one), s.max) + ")";
}

// The job's flags as cp will read them, checked once before any run: a typo
// would otherwise fail every run, each in its own child, and the table would
// read as a failed comparison rather than a wrong command.
// `strategy_flags_given`, when asked for: which of cp's strategy flags the
// words hold (--concurrency, --threads, --loops, --adaptive); `run_flags`:
// those flags' values, and --strategy's.
std::optional<Error> check_job_flags(const std::vector<std::string>& cp_argv,
                                     std::vector<std::string>* strategy_flags_given = nullptr,
                                     CopyRunFlags* run_flags = nullptr) {
  CLI::App dry{"s3loop"};
  dry.require_subcommand(1);
  // As main.cpp reads them: a flag given twice counts as given last.
  dry.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // The runner owns the variables cp's options write into: it must outlive
  // the parse.
  const Runner cp_runner = add_cp_command(dry);
  const std::vector<std::string> words(cp_argv.begin() + 1, cp_argv.end());
  if (auto refused = misread_flag(dry, words)) {
    return make_error(ErrorKind::usage, "the cp flags given to compare: " + refused->message);
  }
  std::vector<const char*> argv;
  for (const auto& word : cp_argv) argv.push_back(word.c_str());
  try {
    dry.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    const std::string what = describe_parse_error(e, dry);
    return make_error(ErrorKind::usage, "the cp flags given to compare: " +
                                            (what.empty() ? std::string("help asked for")
                                                          : what + " (see s3loop "
                                                                   "cp --help)"));
  }
  if (strategy_flags_given != nullptr) {
    const CLI::App* cp = dry.get_subcommand("cp");
    for (const char* name : {"--concurrency", "--threads", "--loops", "--adaptive"}) {
      if (cp->get_option(name)->count() > 0) strategy_flags_given->emplace_back(name);
    }
  }
  if (run_flags != nullptr) {
    const CLI::App* cp = dry.get_subcommand("cp");
    const auto given = [cp](const char* name) -> std::optional<int> {
      const CLI::Option* option = cp->get_option(name);
      if (option->count() == 0) return std::nullopt;
      return option->as<int>();
    };
    run_flags->run.strategy = cp->get_option("--strategy")->as<std::string>();
    run_flags->run.default_concurrency = kCopyDefaultConcurrency;
    run_flags->run.concurrency = given("--concurrency");
    run_flags->run.threads = given("--threads");
    run_flags->run.loops = given("--loops");
    run_flags->adaptive = cp->get_option("--adaptive")->count() > 0;
    run_flags->list_concurrency = given("--list-concurrency");
  }
  return std::nullopt;
}

// A strategy flag that no compared strategy uses (`--loops` with
// serial,threads) would change none of the runs: say so, once.
void warn_of_flags_no_run_uses(const std::vector<std::string>& given,
                               const std::vector<exec::StrategyKind>& kinds,
                               const std::string& strategies) {
  StrategyFlags flags;
  bool adaptive = false;
  for (const auto& name : given) {
    if (name == "--concurrency") flags.concurrency = 1;
    if (name == "--threads") flags.threads = 1;
    if (name == "--loops") flags.loops = 1;
    if (name == "--adaptive") adaptive = true;
  }
  for (const auto& name : given) {
    std::string used_by;  // as the last compared strategy says it
    const bool unused_by_all = std::all_of(kinds.begin(), kinds.end(), [&](auto kind) {
      for (const auto& unused : unused_strategy_flags(flags, kind, adaptive)) {
        if (unused.flag == name) {
          used_by = unused.used_by;
          return true;
        }
      }
      return false;
    });
    if (unused_by_all) {
      print_warning(name + " has no effect on any run of --strategies " + strategies +
                    " (it is for " + used_by + ")");
    }
  }
}

// A name no other compare uses: the runs' copies are deleted afterwards, so
// the prefix they go to must hold nothing else. (The pid alone repeats, say
// in containers, where every run may be pid 1.)
std::string fresh_run_token() {
  std::random_device random;
  return fmt::format("{}-{:08x}", getpid(), random());
}

}  // namespace

Runner add_compare_command(CLI::App& app) {
  struct Args {
    CommonOptions common;
    std::string job;
    std::string strategies = "serial,threads,async,async-pool";
    int repeat = 1;
    bool keep = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "compare", "Run one job under several strategies, each in a fresh process, and compare");
  cmd->add_option("job", args->job,
                  "The job to run: cp, followed by its source and destination "
                  "(s3://bucket[/prefix]; each run copies into a fresh sub-prefix) and cp "
                  "flags, in any order (but --strategy, --dry-run, --quiet (--only-show-errors), "
                  "--progress, "
                  "--no-progress, --skip-existing, --verify and --journal: compare sets, "
                  "measures or verifies those itself)")
      ->required()
      ->check(CLI::Validator(
          [](const std::string& job) {
            if (job == "cp") return std::string();
            return "'" + job +
                   "' is no job compare runs: write s3loop compare cp SRC DST [cp flags]";
          },
          "cp"));
  cmd->add_option("--strategies", args->strategies,
                  "Comma-separated (default serial,threads,async,async-pool)");
  whole_number_option(cmd->add_option("--repeat", args->repeat,
                                      "Runs per strategy (default 1); the table shows medians"),
                      1, 50);
  cmd->add_flag("--keep", args->keep, "Keep the copies instead of deleting them");
  add_common_options(*cmd, args->common);
  // The job's URLs and flags (--concurrency, --threads...), which go to
  // every run: in the order given, told apart by split_job_words.
  cmd->allow_extras();
  cmd->footer(
      "Usage: s3loop compare cp s3://SRC s3://DST [cp flags] [--strategies ...] "
      "[--repeat R] [--keep] [--json]");

  return [args, cmd]() -> int {
    // Its runs copy, and it deletes their copies at the end.
    keep_running_when_output_closes();
    std::vector<std::string> strategies;
    std::vector<exec::StrategyKind> kinds;
    for (std::size_t start = 0; start <= args->strategies.size();) {
      const std::size_t comma =
          std::min(args->strategies.find(',', start), args->strategies.size());
      std::string name = args->strategies.substr(start, comma - start);
      if (name.empty()) {
        return usage_error(
            make_error(ErrorKind::usage,
                       "--strategies '" + args->strategies +
                           "' has an empty entry: name strategies separated by single commas"));
      }
      auto kind = exec::parse_strategy(name);
      if (!kind) return usage_error(kind.error());
      // Its runs would be merged into one row, printed once per name.
      if (std::find(strategies.begin(), strategies.end(), name) != strategies.end()) {
        return usage_error(make_error(ErrorKind::usage, "--strategies names " + name +
                                                            " twice: name each strategy once "
                                                            "(--repeat runs one several times)"));
      }
      strategies.push_back(name);
      kinds.push_back(*kind);
      start = comma + 1;
    }
    // cp's parser first: a mistyped flag is named as such, not as a word
    // that is no URL (`--concurency 8` leaves "8" looking like one).
    std::vector<std::string> as_cp = {"s3loop", "cp"};
    for (const auto& word : cmd->remaining()) as_cp.push_back(word);
    if (auto bad = check_job_flags(as_cp)) return usage_error(*bad);
    auto job_words = split_job_words(cmd->remaining());
    if (!job_words) return usage_error(job_words.error());
    const std::vector<std::string>& job_flags = job_words->flags;
    for (const auto& word : job_flags) {
      // "--strategy=async" is "--strategy async" to cp: judge the name alone.
      const std::string flag = word.substr(0, word.find('='));
      // Its runs are measured copies (deleted afterwards unless --keep).
      if (flag == "--dry-run" || flag == "--dryrun") {
        return usage_error(make_error(ErrorKind::usage,
                                      "compare measures real copies (deleted after each run "
                                      "unless --keep), not dry runs: leave " +
                                          flag + " out"));
      }
      if (flag == "--quiet" || flag == "--only-show-errors") {
        return usage_error(
            make_error(ErrorKind::usage, "compare prints its table and nothing else, which " +
                                             flag + " would not change: leave " + flag + " out"));
      }
      if (flag == "--strategy" || flag == "--json" || flag == "--progress" ||
          flag == "--no-progress") {
        return usage_error(
            make_error(ErrorKind::usage, "compare sets " + flag + " itself: leave it out"));
      }
      // Measured work that is not the copy's: every run copies to a fresh
      // prefix (nothing there to skip, one HEAD per object all the same),
      // and compare verifies every run itself.
      if (flag == "--skip-existing" || flag == "--verify") {
        return usage_error(make_error(
            ErrorKind::usage,
            "compare " +
                std::string(flag == "--verify" ? "verifies every run itself"
                                               : "copies to a fresh prefix in every run") +
                ": leave " + flag + " out"));
      }
      // A journal names one copy; every run copies to a prefix of its own,
      // so the second run would refuse it (and the file would stay behind).
      if (flag == "--journal") {
        return usage_error(make_error(ErrorKind::usage,
                                      "compare cannot pass --journal to its runs (each copies "
                                      "to a fresh prefix): leave it out"));
      }
    }
    auto source = parse_copy_location(job_words->source);
    if (!source) return usage_error(source.error());
    auto destination = parse_copy_location(job_words->destination);
    if (!destination) return usage_error(destination.error());
    jobs::CopyOptions base;
    base.source = *source;
    base.destination = *destination;
    // cp applies them in each run; the verification below must skip the same keys.
    base.filters = filters_in(job_flags);
    // The runs copy into fresh sub-prefixes of the destination, not into it:
    // a source below the destination ("data/x/" to "data/") cannot be
    // written over by a run, so it is checked against a run's prefix.
    std::string given = base.destination.key;
    if (!given.empty() && !given.ends_with('/')) given += '/';
    const bool source_below = base.source.bucket == base.destination.bucket &&
                              base.source.key.starts_with(given) && base.source.key != given;
    if (source_below) base.destination.key = given + "compare-run/";
    auto normalised = jobs::normalise_copy_locations(base);
    if (!normalised) return usage_error(normalised.error());
    normalised->destination.key = given;
    auto shared = make_client_shared(args->common);
    if (!shared) return usage_error(shared.error());
    // Every run would fail on a missing source or destination bucket (or an
    // endpoint that cannot be reached, or keys it refuses), each saying so,
    // and there would be nothing to clean up: say it once, run nothing.
    if (auto refused = check_buckets(**shared, {{"source", normalised->source.bucket},
                                                {"destination", normalised->destination.bucket}})) {
      return report_failure(*refused);
    }
    // From here on (check_buckets handles Ctrl-C during its own requests):
    // Ctrl-C during the checks below ends compare with one line once they
    // are done (a second one at once), and later reaches the run in progress.
    supervise_interrupts();
    set_interrupt_note("s3loop: error: compare cancelled\n");
    // compare's own requests (the versioning and emptiness checks, each
    // run's verification) stop at the first Ctrl-C rather than running every
    // attempt out against a slow server; the cleanup of copies does not
    // (delete_copies), since leaving them behind is what a first Ctrl-C must
    // not do.
    // (Cut off, a check below says nothing: the first run's turn ends
    // compare, with its one line and, with --json, its document.)
    (*shared)->interrupted = interrupt_flag();

    const std::string self = self_executable();
    const auto common_flags = common_option_arguments(args->common);
    const std::string token = fresh_run_token();
    // The argv of one run. The job's flags come last, so that one missing its
    // value is an error rather than taking the next flag as its value.
    auto run_argv = [&](const jobs::CopyOptions& options, const std::string& strategy) {
      std::vector<std::string> argv = {
          self, "cp",
          // As given: a name without '/' may be one object (copy_job.hpp).
          "s3://" + options.source.bucket + "/" +
              (options.named_object.empty() ? options.source.key : options.named_object),
          "s3://" + options.destination.bucket + "/" + options.destination.key, "--strategy",
          strategy, "--json",
          // The runs are measured: no status line drawn meanwhile.
          "--no-progress",
          // Each run uses only its strategy's flags, as expected here.
          "--compare-run"};
      argv.insert(argv.end(), common_flags.begin(), common_flags.end());
      argv.insert(argv.end(), job_flags.begin(), job_flags.end());
      return argv;
    };
    std::vector<std::string> strategy_flags_given;
    if (auto bad =
            check_job_flags(run_argv(*normalised, strategies.front()), &strategy_flags_given)) {
      return usage_error(*bad);
    }
    // What each run would refuse before it starts, refused before the first
    // runs (an open-file limit that async's --concurrency passes and
    // threads' does not ended compare after the earlier runs had copied).
    for (const auto& strategy : strategies) {
      CopyRunFlags run_flags;
      if (auto bad = check_job_flags(run_argv(*normalised, strategy), nullptr, &run_flags)) {
        return usage_error(*bad);
      }
      if (auto run = check_copy_run(run_flags); !run) {
        return usage_error(make_error(
            ErrorKind::usage, "the " + strategy + " run would refuse: " + run.error().message));
      }
    }
    const std::string runs_prefix = normalised->destination.key + "compare-" + token + "-";
    // Where run `repetition` of `strategy` copies to: the sub-prefix the
    // key-limit check below measures is the one the run gets. All of one
    // length (the strategy's name padded with '_', the number with zeros):
    // a source key near S3's limit fits under every run's or under none (it
    // failed the runs whose strategy's name was longer, and one strategy
    // looked the only correct one, a review).
    std::size_t name_width = 0;
    for (const auto& strategy : strategies) name_width = std::max(name_width, strategy.size());
    const std::size_t number_width = std::to_string(args->repeat).size();
    auto run_prefix = [&runs_prefix, name_width, number_width](const std::string& strategy,
                                                               int repetition) {
      return fmt::format("{}{:_<{}}-{:0{}}/", runs_prefix, strategy, name_width, repetition,
                         number_width);
    };
    const std::string& dst_bucket = normalised->destination.bucket;
    // Each run's sub-prefix is longer than the destination given: one over
    // S3's key limit would have its run refuse it, and compare blame "the
    // flags given to compare".
    std::size_t longest_run_prefix = 0;
    for (const auto& strategy : strategies) {
      longest_run_prefix = std::max(longest_run_prefix, run_prefix(strategy, args->repeat).size());
    }
    if (longest_run_prefix > s3::kMaxKeyBytes) {
      return usage_error(make_error(
          ErrorKind::usage,
          fmt::format("the destination prefix leaves no room for compare's run sub-prefixes "
                      "(compare-<pid>-<random>-<strategy>-<n>/): with them it is up to {} bytes, "
                      "and S3 keys are at most {}: choose a destination prefix at least {} bytes "
                      "shorter",
                      longest_run_prefix, s3::kMaxKeyBytes,
                      longest_run_prefix - s3::kMaxKeyBytes)));
    }
    // In a bucket that has (or had) versioning on, deleting a run's copies
    // would only hide them under delete markers, every version kept (and
    // paid for): there compare deletes each version its runs wrote.
    bool versioned = false;
    if (!args->keep) {
      auto status = exec::run_once<std::string>(
          **shared, [&](s3::Client& client) { return client.bucket_versioning(dst_bucket); });
      if (status) {
        versioned = *status == "Enabled" || *status == "Suspended";
      } else if (interrupt_requested()) {
        // Cut off: no warning (and no run follows).
      } else {
        // Only the cleanup needs the answer: a server that has no versioning
        // (NotImplemented), keys that may not ask (AccessDenied) or any other
        // failure leaves the copies to be deleted as in an unversioned bucket.
        print_warning("cannot tell whether s3://" + dst_bucket + " has versioning on (" +
                      status.error().message +
                      "); if it has, the runs' copies stay there as noncurrent versions");
      }
    }
    {
      // Whatever lies under the runs' prefix is deleted with the copies (in
      // a versioned bucket, every version of it): it must hold nothing
      // before the first run.
      auto holds_anything = [&](s3::Client& client) {
        return client.holds_any_object(dst_bucket, runs_prefix, versioned);
      };
      auto held = exec::run_once<bool>(**shared, holds_anything);
      if (!held && !interrupt_requested()) return report_failure(held.error());
      if (held && *held) {
        return report_failure(make_error(
            ErrorKind::usage, "s3://" + dst_bucket + "/" + runs_prefix +
                                  "... already holds objects, and compare deletes what its "
                                  "runs leave there: run compare again (it picks another name)"));
      }
    }

    // Deletes a run's copies; the error when they could not be (a bucket
    // that is gone holds none: nothing is left behind).
    // `abort_uploads`: for a run that ended without its summary (a second
    // signal ends it at once, before it aborts its multipart uploads; a
    // review found them left, and the prefix said cleaned up). One that
    // printed it aborted its own, or named those it could not.
    auto delete_copies = [&](const jobs::CopyOptions& run_options,
                             bool abort_uploads) -> std::optional<Error> {
      // Carried out after a Ctrl-C too (a second one exits at once).
      (*shared)->interrupted = nullptr;
      struct Restore {
        s3::ClientShared& shared;
        ~Restore() { shared.interrupted = interrupt_flag(); }
      } restore{**shared};
      const std::string& bucket = run_options.destination.bucket;
      const std::string& prefix = run_options.destination.key;
      auto deleted = exec::run_once<std::uint64_t>(
          **shared, [&](s3::Client& client) -> boost::asio::awaitable<Result<std::uint64_t>> {
            if (abort_uploads) {
              auto aborted = co_await jobs::abort_prefix_uploads(client, bucket, prefix);
              if (!aborted) co_return aborted.error();
            }
            // (Not one co_await of a ?: of the two: GCC 12 destroyed that
            // temporary awaitable twice.)
            if (versioned) co_return co_await jobs::delete_prefix_versions(client, bucket, prefix);
            co_return co_await jobs::delete_prefix(client, bucket, prefix);
          });
      if (deleted || deleted.error().s3_code == "NoSuchBucket") return std::nullopt;
      // A delete whose reply was lost (timed out, say) may have been carried
      // out: the copies are left behind only if a listing still finds them
      // (a review saw "left behind: delete it by hand", exit 1, with nothing
      // left).
      auto left = exec::run_once<bool>(**shared, [&](s3::Client& client) {
        return client.holds_any_object(bucket, prefix, versioned);
      });
      if (left && !*left) return std::nullopt;
      return deleted.error();
    };

    warn_of_flags_no_run_uses(strategy_flags_given, kinds, args->strategies);
    // Every run would leave out an object beside a same-named folder alike:
    // said once, here, as cp says it (the runs skip the check).
    if (!normalised->named_object.empty()) {
      auto warning = exec::run_once<std::optional<std::string>>(
          **shared,
          [&](s3::Client& client) -> boost::asio::awaitable<Result<std::optional<std::string>>> {
            auto folder =
                co_await client.holds_any_object(normalised->source.bucket, normalised->source.key);
            // A failed listing is the runs' to report.
            if (!folder || !*folder) co_return std::optional<std::string>();
            co_return co_await jobs::object_beside_directory_warning(client, *normalised);
          });
      if (warning && *warning) print_warning(**warning);
    }
    std::vector<RunResult> runs;
    // `copied_nothing`: the comparison had nothing to copy, so no run verified
    // anything (as the strategies' rows say).
    auto runs_json = [&](bool copied_nothing) {
      boost::json::array out_runs;
      for (const auto& run : runs) {
        out_runs.push_back(
            boost::json::object{{"strategy", run.strategy},
                                {"repetition", run.repetition},
                                {"exit_code", run.exit_code},
                                {"verified", run.verified && !copied_nothing},
                                {"matched_by_size_only", run.matched_by_size_only},
                                {"destination", run.destination},
                                {"cleaned_up", !args->keep && run.left_behind.empty()},
                                {"summary", run.summary}});
      }
      return out_runs;
    };
    // Stopped by a signal: the one line, and with --json still one document
    // of the same shape, with the runs measured so far (and the interrupted
    // one's summary) and no strategy compared, as cp --json prints its own on
    // Ctrl-C.
    auto cancelled = [&](const std::string& line, int code) {
      print_error(line);
      if (args->common.json) {
        std::puts(json_line(boost::json::object{{"repeat", args->repeat},
                                                {"cancelled", true},
                                                {"strategies", boost::json::array{}},
                                                {"runs", runs_json(false)}})
                      .c_str());
        std::fflush(stdout);
      }
      return code;
    };
    bool all_ok = true;
    for (int r = 1; r <= args->repeat; ++r) {
      for (const auto& strategy : strategies) {
        if (interrupt_requested()) return cancelled("compare cancelled", cancelled_exit_code());
        RunResult run;
        run.strategy = strategy;
        run.repetition = r;
        jobs::CopyOptions options = *normalised;
        options.destination.key = run_prefix(strategy, r);
        const std::string run_url =
            "s3://" + options.destination.bucket + "/" + options.destination.key;
        set_interrupt_note("s3loop: error: compare cancelled; " + run_url +
                           " may be left behind: delete it by hand\n");
        run.destination = run_url;
        // With --keep, where to find the copies afterwards.
        std::fprintf(stderr, "compare: %s, run %d of %d%s...\n", strategy.c_str(), r, args->repeat,
                     args->keep ? (" into " + run_url + " (kept)").c_str() : "");
        auto child = run_child(run_argv(options, strategy));
        // (Not the command's fault: the binary replaced mid-run, no process
        // to spare. Exit 1, not 2.)
        if (!child) return report_failure(child.error());
        run.exit_code = child->exit_code;
        const auto last_line_start = child->out.find_last_of('\n', child->out.size() - 2);
        const std::string last_line =
            child->out.substr(last_line_start == std::string::npos ? 0 : last_line_start + 1);
        boost::system::error_code ec;
        auto parsed = boost::json::parse(last_line, ec);
        if (!ec && parsed.is_object()) run.summary = parsed.as_object();
        if (is_cancelled_exit(run.exit_code) || interrupt_requested()) {
          // The interrupted run's copies are cleaned up like any other's.
          // Copies it cut off in flight may still be carried out by the
          // server: a second pass a moment later finds what landed since,
          // and the message says where later ones would land.
          const auto cut_off = static_cast<std::uint64_t>(number(run.summary, "interrupted"));
          std::string left = args->keep ? "; its copies are kept under " + run_url : "";
          if (!args->keep) {
            // (A run a second signal ended at once printed no summary: then
            // nothing says none was cut off. One a single signal killed
            // outside its run -- starting, or done and summing up -- had
            // nothing in flight.)
            const bool outside_its_run = child->killed_by_signal && interrupts_received() <= 1;
            const bool maybe_in_flight = cut_off > 0 || (run.summary.empty() && !outside_its_run);
            auto failed = delete_copies(options, run.summary.empty());
            if (!failed && maybe_in_flight) {
              std::this_thread::sleep_for(std::chrono::seconds(2));
              failed = delete_copies(options, run.summary.empty());
            }
            if (failed) {
              run.left_behind = run_url;
              left = "; cleaning up: " + failed->message + "; " + run_url +
                     " is left behind: delete it by hand";
            } else if (maybe_in_flight) {
              const std::string copies =
                  cut_off > 0 ? fmt::format("{} {}", cut_off, plural(cut_off, "copy", "copies"))
                              : "copies";
              left = fmt::format(
                  "; {} cut off in flight may still be carried out by the server: check {} "
                  "later and delete what is there",
                  copies, run_url);
            }
          }
          runs.push_back(run);
          // A run a signal stopped that compare did not get (sent to the run
          // alone) ends compare with the run's own code.
          return cancelled("compare cancelled" + left,
                           interrupt_requested() ? cancelled_exit_code() : run.exit_code);
        }
        if (run.exit_code == kExitUsage) {
          // cp refused its flags (a value out of range, say): every run
          // would. Its own error line is above.
          if (!args->keep) (void)delete_copies(options, false);
          print_error("cp refused the flags given to compare (see above): nothing was compared");
          return kExitUsage;
        }

        auto verified = exec::run_once<jobs::VerifyReport>(
            **shared, [&](s3::Client& client) { return jobs::verify_copy(client, options); });
        if (!verified) {
          run.verify_note = verified.error().message;
        } else {
          run.verified = verified->ok() && run.exit_code == kExitOk;
          run.matched_by_size_only = verified->matched_by_size_only;
          run.verify_note =
              fmt::format("{} matched, {} missing, {} unexpected, {} differ", verified->matched,
                          verified->missing, verified->unexpected, verified->mismatched);
        }
        if (run.exit_code != kExitOk)
          run.verify_note += fmt::format("; cp exited {}", run.exit_code);
        all_ok = all_ok && run.verified;
        if (!args->keep) {
          if (auto failed = delete_copies(options, run.summary.empty())) {
            // The copies stay; say where, and fail the command (below).
            run.left_behind = run_url;
            print_error("cleaning up: " + failed->message + "; " + run.left_behind +
                        " is left behind: delete it by hand");
            all_ok = false;
          }
        }
        runs.push_back(std::move(run));
      }
    }

    // A Ctrl-C or SIGTERM while the last run was verified or cleaned up.
    if (interrupt_requested()) return cancelled("compare cancelled", cancelled_exit_code());

    // Per strategy: medians over repetitions.
    struct Row {
      std::string strategy, workers;
      Spread wall, objects_per_s, mib_per_s, cpu, rss_mib, objects, requests, retries, handshakes;
      bool verified = true;
      // A run printed a summary: the numbers are its (a crashed run's row
      // showed zeros, as if measured, a review).
      bool measured = false;
      std::uint64_t matched_by_size_only = 0;  // the most of any run
      std::string note;
    };
    std::vector<Row> rows;
    for (const auto& strategy : strategies) {
      Row row;
      row.strategy = strategy;
      std::vector<double> wall, ops, mibs, cpu, rss, objects, requests, retries, handshakes;
      for (const auto& run : runs) {
        if (run.strategy != strategy) continue;
        // The note explains a NO: the first failed run's, else the last's.
        if (row.verified) row.note = run.verify_note;
        row.verified = row.verified && run.verified;
        row.matched_by_size_only = std::max(row.matched_by_size_only, run.matched_by_size_only);
        // A run that printed no summary (it crashed) measured nothing: its
        // zeros would drag the medians down.
        const auto& s = run.summary;
        if (s.empty()) continue;
        row.measured = true;
        const double w = number(s, "wall_seconds");
        wall.push_back(w);
        ops.push_back(w > 0 ? number(s, "objects") / w : 0);
        mibs.push_back(w > 0 ? number(s, "bytes") / (1024.0 * 1024.0) / w : 0);
        cpu.push_back(number(s, "cpu_seconds"));
        rss.push_back(number(s, "peak_rss_bytes") / (1024.0 * 1024.0));
        objects.push_back(number(s, "objects"));
        requests.push_back(number(s, "requests"));
        retries.push_back(number(s, "retries"));
        handshakes.push_back(number(s, "tls_handshakes"));
        if (auto it = s.find("workers"); it != s.end() && it->value().is_string()) {
          row.workers = std::string(it->value().as_string());
        }
      }
      row.wall = spread(wall);
      row.objects_per_s = spread(ops);
      row.mib_per_s = spread(mibs);
      row.cpu = spread(cpu);
      row.rss_mib = spread(rss);
      row.objects = spread(objects);
      row.requests = spread(requests);
      row.retries = spread(retries);
      row.handshakes = spread(handshakes);
      rows.push_back(std::move(row));
    }
    // A failed copy's time is no result: neither the base of a speed-up nor
    // faster than it (a run whose listing broke "ran" 40x faster than serial).
    // The speed-up is of objects/s -- the wall times' ratio when the runs
    // copied the same objects, and still true when a source still written to
    // grew between runs (its serial run of 20 objects was "5x faster" than an
    // async one of 320, a review).
    double serial_rate = 0;
    for (const auto& row : rows) {
      if (row.strategy == "serial" && row.verified) serial_rate = row.objects_per_s.median;
    }
    {
      double fewest = 0;
      double most = 0;
      bool any = false;
      for (const auto& run : runs) {
        if (run.summary.empty() || !run.verified) continue;
        const double n = number(run.summary, "objects");
        fewest = any ? std::min(fewest, n) : n;
        most = any ? std::max(most, n) : n;
        any = true;
      }
      if (fewest != most) {
        print_warning(fmt::format(
            "the runs copied different numbers of objects ({} to {}: the source changed between "
            "runs?), so their wall times compare different work: the speed-ups are of objects/s",
            fewest, most));
      }
    }
    // A comparison of nothing (a mistyped source prefix, filters that leave
    // nothing) is no result, however fast: no speed-up, nothing verified.
    // (A run that failed -- refused at its bucket check, its listing broken --
    // copied nothing too, for a reason of its own: its row says NO and why.)
    const bool copied_nothing = std::all_of(runs.begin(), runs.end(), [](const RunResult& run) {
      return run.exit_code == kExitOk && number(run.summary, "objects") == 0 &&
             number(run.summary, "failed") == 0;
    });
    // Without a serial run there is nothing to be faster than: no number.
    auto speedup = [&](const Row& row) -> std::optional<double> {
      if (copied_nothing || !row.verified) return std::nullopt;
      if (serial_rate > 0 && row.objects_per_s.median > 0) {
        return row.objects_per_s.median / serial_rate;
      }
      return std::nullopt;
    };

    // Counts are whole numbers (a median of two may end in .5), in the table
    // and in JSON alike.
    auto count = [](const Spread& s) { return static_cast<std::uint64_t>(std::llround(s.median)); };
    if (args->common.json) {
      boost::json::array out_rows;
      for (const auto& row : rows) {
        const std::optional<double> up = speedup(row);
        // Null where no run of the strategy measured anything.
        const auto measured = [&row](auto value) {
          return row.measured ? boost::json::value(value) : boost::json::value(nullptr);
        };
        out_rows.push_back(boost::json::object{
            {"strategy", row.strategy},
            {"workers", row.workers},
            {"objects", measured(count(row.objects))},
            {"wall_seconds", measured(row.wall.median)},
            {"wall_seconds_min", measured(row.wall.min)},
            {"wall_seconds_max", measured(row.wall.max)},
            {"objects_per_second", measured(row.objects_per_s.median)},
            {"mib_per_second", measured(row.mib_per_s.median)},
            {"cpu_seconds", measured(row.cpu.median)},
            {"peak_rss_mib", measured(row.rss_mib.median)},
            {"requests", measured(count(row.requests))},
            {"retries", measured(count(row.retries))},
            {"tls_handshakes", measured(count(row.handshakes))},
            {"speedup_vs_serial", up ? boost::json::value(*up) : boost::json::value(nullptr)},
            {"verified", row.verified && !copied_nothing},
            {"matched_by_size_only", row.matched_by_size_only},
            {"verification", row.note}});
      }
      std::puts(json_line(boost::json::object{{"repeat", args->repeat},
                                              {"cancelled", false},
                                              {"strategies", std::move(out_rows)},
                                              {"runs", runs_json(copied_nothing)}})
                    .c_str());
    } else {
      const int rep = args->repeat;
      std::string table = fmt::format(
          "{:<11} {:<16} {:>8} {:>16} {:>10} {:>8} {:>9} {:>9} {:>8} {:>9} {:>8}  {}\n", "strategy",
          "workers", "objects", rep > 1 ? "wall s (min-max)" : "wall s", "objects/s", "MiB/s",
          "CPU s", "RSS MiB", "requests", "retries", "TLS hs", "speed-up / verified");
      for (const auto& row : rows) {
        const std::optional<double> up = speedup(row);
        // "-" where no run of the strategy measured anything.
        const auto cell = [&row](auto value, const char* format) {
          return row.measured ? fmt::format(fmt::runtime(format), value) : std::string("-");
        };
        table += fmt::format(
            "{:<11} {:<16} {:>8} {:>16} {:>10} {:>8} {:>9} {:>9} {:>8} {:>9} {:>8}  {} / {}\n",
            row.strategy, row.workers, cell(count(row.objects), "{}"),
            row.measured ? format_cell(row.wall, rep, "{:.2f}") : std::string("-"),
            cell(row.objects_per_s.median, "{:.0f}"), cell(row.mib_per_s.median, "{:.1f}"),
            cell(row.cpu.median, "{:.2f}"), cell(row.rss_mib.median, "{:.0f}"),
            cell(count(row.requests), "{}"), cell(count(row.retries), "{}"),
            cell(count(row.handshakes), "{}"), up ? fmt::format("{:.1f}x", *up) : std::string("-"),
            copied_nothing  ? "-"
            : !row.verified ? "NO (" + row.note + ")"
            // As cp --verify says it: a "yes" must not read as checked content.
            : row.matched_by_size_only > 0
                ? fmt::format("yes ({} by key and size only: multipart ETags, content not "
                              "compared)",
                              row.matched_by_size_only)
                : std::string("yes"));
      }
      std::fputs(table.c_str(), stdout);
    }
    std::fflush(stdout);
    if (copied_nothing) {
      print_error("the runs found nothing to copy under " + job_words->source +
                  " (check the prefix and filters): nothing was compared");
      return kExitFailed;
    }
    return all_ok ? kExitOk : kExitFailed;
  };
}

}  // namespace s3loop::cli
