// s3loop select s3://bucket/key.csv --expression "SQL" [--chunk-size 8MiB] ...
#include "commands.hpp"
#include "common.hpp"
#include "interruptible.hpp"
#include "json_line.hpp"
#include "open_files.hpp"
#include "plural.hpp"
#include "run_job.hpp"
#include "size_parse.hpp"
#include "strategy_flags.hpp"

#include "s3loop/exec/resources.hpp"
#include "s3loop/exec/run_once.hpp"
#include "s3loop/jobs/select_job.hpp"
#include "s3loop/one_line.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string_view>
#include <vector>

namespace s3loop::cli {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// --delimiter and --output-delimiter.
Result<char> parse_delimiter(const std::string& text, std::string_view flag) {
  if (text == "\\t" || text == "tab") return '\t';
  // ASCII only (see CsvFormat); control characters such as Hive's \x01 too,
  // given as the byte itself or written \x01 (as Hive's DDL writes it).
  unsigned c = text.size() == 1 ? static_cast<unsigned char>(text[0]) : 0;
  if (text.size() == 4 && text.starts_with("\\x") &&
      std::isxdigit(static_cast<unsigned char>(text[2])) != 0 &&
      std::isxdigit(static_cast<unsigned char>(text[3])) != 0) {
    c = static_cast<unsigned>(std::stoul(text.substr(2), nullptr, 16));
  }
  if (c != 0 && c < 0x80 && c != '"' && c != '\n' && c != '\r') return static_cast<char>(c);
  return make_error(ErrorKind::usage, std::string(flag) + " '" + text +
                                          "' must be one ASCII character other than a quote or "
                                          "a newline (or \\t, or \\xNN for a control "
                                          "character)");
}

// --comments: S3 Select's Comments, one character (default #). Not the
// delimiter (a record with an empty first field would vanish) nor the quote.
Result<char> parse_comment_character(const std::optional<std::string>& given, char delimiter) {
  // --delimiter '#' alone meets the default: name what was typed.
  if (!given && delimiter == '#') {
    return make_error(ErrorKind::usage,
                      "--delimiter '#' is also the default comment character: pass --comments "
                      "with another one");
  }
  const std::string text = given.value_or("#");
  const unsigned c = text.size() == 1 ? static_cast<unsigned char>(text[0]) : 0;
  if (c >= 0x20 && c < 0x7F && c != '"' && static_cast<char>(c) != delimiter) {
    return static_cast<char>(c);
  }

  return make_error(ErrorKind::usage, "--comments '" + text +
                                          "' must be one printable ASCII character other than "
                                          "the delimiter and the quote (default #)");
}

// False when what was written could not reach stdout: a small output sits in
// stdio's buffer until this flush, and fails only here (a full disk). The
// summary is not said for output that was lost; main.cpp reports it.
bool stdout_flushed() {
  return std::fflush(stdout) == 0 && !std::ferror(stdout);
}

// False once a write failed: stdio keeps the error, and main.cpp reports it.
bool write_stdout(std::string_view bytes) {
  return std::fwrite(bytes.data(), 1, bytes.size(), stdout) == bytes.size() && !std::ferror(stdout);
}

std::string range_line(const jobs::RangeSummary& r, std::uint64_t ranges, const std::string& key,
                       std::uint64_t object_size) {
  const std::string what =
      r.index == ranges ? std::string("all ranges") : fmt::format("range {}", r.index);
  // ("bytes 0-0" would read as one byte.)
  const std::string bytes = object_size == 0
                                ? std::string("no bytes")
                                : fmt::format("bytes {}-{}", r.bytes.first, r.bytes.last);
  return fmt::format("{} ({}): {} {}, min {} {}, max {} {}", what, bytes, r.records,
                     plural(r.records, "record", "records"), key, r.min.empty() ? "-" : r.min, key,
                     r.max.empty() ? "-" : r.max);
}

// --server-dialect: one request, no strategy; the same summary line.
// `started`: when the command's first request (the plan's) was sent.
int run_server_dialect(s3::ClientShared& shared, const jobs::SelectOptions& options,
                       const jobs::SelectPlan& plan, bool json,
                       std::chrono::steady_clock::time_point started) {
  // An empty object holds no records: nothing to ask (radosgw answers a
  // malformed reply to a select over zero bytes, retried in vain).
  Result<jobs::ServerSelectResult> result = jobs::ServerSelectResult{};
  bool interrupted = false;
  if (plan.object_size > 0) {
    result = run_once_interruptible<jobs::ServerSelectResult>(
        shared, interrupted,
        [options](s3::Client& client) { return jobs::select_in_server_dialect(client, options); });
    if (interrupted) result = make_error(ErrorKind::cancelled, "interrupted");
  }
  const bool flushed = stdout_flushed();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto usage = exec::process_usage();
  const std::uint64_t records = result ? result->records : 0;
  const bool output_failed = result && (result->output_failed || !flushed);
  if (json) {
    boost::json::object out{{"engine", "s3select"},
                            {"engine_reason", plan.engine_reason},
                            {"object_bytes", plan.object_size},
                            {"records_out", records},
                            // null: the server said nothing (0 would read as measured)
                            {"bytes_scanned", result && result->bytes_scanned
                                                  ? boost::json::value(*result->bytes_scanned)
                                                  : boost::json::value(nullptr)},
                            {"wall_seconds", wall},
                            {"cpu_seconds", usage.cpu_seconds()},
                            {"peak_rss_bytes", usage.peak_rss_bytes},
                            {"requests", shared.stats.total_attempts()},
                            {"retries", shared.stats.total_retries()}};
    if (!result) out["error"] = result.error().message;
    if (output_failed) out["error"] = "writing the output to stdout failed";
    std::fprintf(stderr, "%s\n", json_line(out).c_str());
  } else if (result && !output_failed) {  // a failure is told in one line, below
    std::fprintf(stderr,
                 "s3loop: the server selected %llu %s from %llu bytes in %.2f s, %llu "
                 "requests, %.2f CPU s; engine s3select: %s\n",
                 static_cast<unsigned long long>(records),
                 std::string(plural(records, "record", "records")).c_str(),
                 static_cast<unsigned long long>(plan.object_size), wall,
                 static_cast<unsigned long long>(shared.stats.total_attempts()),
                 usage.cpu_seconds(), one_line(plan.engine_reason).c_str());
  }
  if (!result) return report_failure(result.error());
  // main.cpp finds stdout's error flag and says so, in the one error line.
  if (output_failed) return kExitFailed;
  return kExitOk;
}

}  // namespace

Runner add_select_command(CLI::App& app) {
  struct Args {
    CommonOptions common;
    std::string url;
    std::string expression;
    std::string chunk_size = "8MiB";
    std::string engine = "auto";
    std::string header = "use";
    std::string delimiter = ",";
    std::optional<std::string> comments;  // default #
    std::optional<std::string> output_delimiter;
    std::string output = "csv";
    std::vector<std::string> require_columns;  // one list per --require-columns
    bool per_range = false;
    std::string key_column;
    bool server_dialect = false;
    StrategyFlags run;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "select", "Query one CSV object with SQL, as many byte ranges processed at once");
  cmd->add_option("url", args->url, "s3://bucket/key")->required();
  cmd->add_option("-e,--expression", args->expression,
                  "S3 Select SQL, e.g. \"SELECT COUNT(*) FROM S3Object s WHERE s.id > 10\"")
      ->required();
  const CLI::Option* chunk_size_flag = cmd->add_option(
      "--chunk-size", args->chunk_size, "Bytes per range, at least 1KiB (default 8MiB)");
  cmd->add_option("--engine", args->engine,
                  "auto (S3 Select where the server has it with AWS semantics, else local), "
                  "s3select or local (ranged GET + local CSV/SQL)");
  cmd->add_option("--header", args->header,
                  "use (first line names the columns, default), ignore, or none");
  cmd->add_option("--delimiter", args->delimiter,
                  "The object's field delimiter (default ,; \\t for tab); the output's is "
                  "--output-delimiter");
  cmd->add_option("--comments", args->comments,
                  "A line starting with this character is no record, as S3 Select's Comments "
                  "(default #; give another when a first field may start with #)");
  cmd->add_option("--output", args->output, "Record output: csv (default) or json (one per line)");
  cmd->add_option("--output-delimiter", args->output_delimiter,
                  "Field delimiter of CSV output (default , whatever --delimiter is, as S3 "
                  "Select's OutputSerialization; \\t for tab)");
  const CLI::Option* require_columns_flag =
      cmd->add_option("--require-columns", args->require_columns,
                      "Comma-separated columns the header must have; checked before any range runs")
          // Given twice, both lists are required (a flag given twice otherwise
          // counts as given last). Split by us, not by CLI11: its delimiter
          // dropped the empty names of "," and then called the value missing.
          // One word per occurrence: `--require-columns id s3://b/k` leaves
          // the URL to the command.
          ->expected(1)
          ->allow_extra_args(false)
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--per-range", args->per_range,
                "Print each range's record count and min/max of --key-column to stderr, in order, "
                "then the combined line");
  const CLI::Option* key_column_flag = cmd->add_option(
      "--key-column", args->key_column, "Column --per-range summarises (default id)");
  cmd->add_flag("--server-dialect", args->server_dialect,
                "Send --expression to the server's S3 Select as written (in its own SQL, e.g. "
                "Ceph's \"SELECT _1 FROM stdin\"), over the whole object in one request: no "
                "probe, no ranges, no local SQL");
  add_strategy_flags(*cmd, args->run, 32, "Ranges",
                     "; ranges stream, memory is at most 2 x concurrency x a range's output");
  add_common_options(*cmd, args->common);
  // Not stdout's format, as for the other commands: stdout holds the records.
  cmd->get_option("--json")->description(
      "The summary as one JSON object on stderr (records in JSON: --output json)");

  return [args, chunk_size_flag, require_columns_flag, key_column_flag]() -> int {
    auto location = s3::parse_s3_url(args->url);
    if (!location) return usage_error(location.error());
    if (location->key.empty() || location->key.back() == '/') {
      return usage_error(make_error(
          ErrorKind::usage,
          "select needs one object: s3://bucket/key, not a prefix ('" + args->url + "')"));
    }
    // (Else the HEAD's bare 400 BadRequest said nothing of why.)
    if (location->key.size() > s3::kMaxKeyBytes) {
      return usage_error(make_error(
          ErrorKind::usage, fmt::format("the key is {} bytes, and S3 keys are at most {}: no "
                                        "object has it (check the URL)",
                                        location->key.size(), s3::kMaxKeyBytes)));
    }
    jobs::SelectOptions options;
    options.location = *location;
    options.expression = args->expression;
    auto chunk = parse_size(args->chunk_size, "--chunk-size");
    if (!chunk) return usage_error(chunk.error());
    if (*chunk < 1024) {
      return usage_error(make_error(ErrorKind::usage, "--chunk-size must be at least 1KiB"));
    }
    options.chunk_size = *chunk;
    auto engine = jobs::parse_engine(args->engine);
    if (!engine) return usage_error(engine.error());
    options.engine = *engine;
    auto header = jobs::parse_header_info(args->header);
    if (!header) return usage_error(header.error());
    options.header = *header;
    auto delimiter = parse_delimiter(args->delimiter, "--delimiter");
    if (!delimiter) return usage_error(delimiter.error());
    options.format.field_delimiter = *delimiter;
    auto comment = parse_comment_character(args->comments, *delimiter);
    if (!comment) return usage_error(comment.error());
    options.format.comment = *comment;
    auto output = jobs::parse_output(args->output);
    if (!output) return usage_error(output.error());
    options.output = *output;
    if (args->output_delimiter) {
      auto output_delimiter = parse_delimiter(*args->output_delimiter, "--output-delimiter");
      if (!output_delimiter) return usage_error(output_delimiter.error());
      if (options.output == jobs::SelectOutput::json) {
        return usage_error(make_error(ErrorKind::usage,
                                      "--output-delimiter is for CSV output: JSON lines have no "
                                      "delimiter (drop --output-delimiter or --output json)"));
      }
      options.output_format.field_delimiter = *output_delimiter;
    }
    for (const auto& list : args->require_columns) {
      for (auto& column : jobs::split_column_list(list)) {
        options.require_columns.push_back(std::move(column));
      }
    }
    // Given, but naming nothing (`--require-columns "$UNSET"`): it would check
    // nothing, silently.
    if (require_columns_flag->count() > 0 && options.require_columns.empty()) {
      return usage_error(make_error(ErrorKind::usage,
                                    "--require-columns names no column: give the columns the "
                                    "header must have (e.g. id,name), or leave it out"));
    }
    if (key_column_flag->count() > 0 && args->key_column.empty()) {
      return usage_error(make_error(ErrorKind::usage,
                                    "--key-column needs a column name (without it --per-range "
                                    "summarises id)"));
    }
    // (--header ignore still has a header line, whose names can be checked.)
    if (!options.require_columns.empty() && options.header == jobs::select::FileHeaderInfo::none) {
      return usage_error(make_error(ErrorKind::usage,
                                    "--require-columns names the header's columns, and --header "
                                    "none says the object has no header line (its first line "
                                    "is a record): drop one of them"));
    }
    if (args->per_range) {
      options.key_column = args->key_column.empty() ? std::string("id") : args->key_column;
    } else if (!args->key_column.empty()) {
      return usage_error(
          make_error(ErrorKind::usage, "--key-column only makes sense with --per-range"));
    }

    if (args->server_dialect) {
      if (options.engine == jobs::SelectEngine::local || options.key_column) {
        return usage_error(make_error(
            ErrorKind::usage,
            std::string("--server-dialect runs the SQL on the server: it cannot go with ") +
                (options.key_column ? "--per-range" : "--engine local")));
      }
      // radosgw 16.2 answers a JSON OutputSerialization with CSV rows anyway.
      if (options.output == jobs::SelectOutput::json) {
        return usage_error(make_error(ErrorKind::usage,
                                      "--server-dialect prints the server's CSV rows: --output "
                                      "json needs the AWS dialect (drop --server-dialect)"));
      }
      options.server_dialect = true;
      options.engine = jobs::SelectEngine::s3select;
    }

    auto run_settings = strategy_settings(args->run);
    if (!run_settings) return usage_error(run_settings.error());
    const exec::Settings settings = *run_settings;
    // Ranges that may wait, finished, for an earlier slow one: twice what runs
    // at once keeps every worker busy without holding the whole object.
    const std::uint64_t parallel = connections_in_flight(settings);
    options.reorder_window = static_cast<std::size_t>(2 * parallel);
    if (auto fits = check_open_files(open_file_need(settings)); !fits) {
      return usage_error(fits.error());
    }

    auto shared = make_client_shared(args->common);
    if (!shared) return usage_error(shared.error());

    // The summary's time is the command's: the plan's HEAD and header read
    // (retries and all) count, as their requests do.
    const auto planning_started = std::chrono::steady_clock::now();
    bool interrupted = false;
    auto plan = run_once_interruptible<jobs::SelectPlan>(
        **shared, interrupted,
        [options](s3::Client& client) { return jobs::plan_select(client, options); });
    // (A review's finding: until the ranges ran, Ctrl-C killed the process.)
    if (interrupted) {
      return report_failure(make_error(ErrorKind::cancelled, "interrupted before any range ran"));
    }
    if (!plan) return report_failure(plan.error());
    options.on_output = write_stdout;
    // (An empty object's SQL may have been planned to run here: see plan_select.)
    if (options.server_dialect && plan->engine == jobs::SelectEngine::s3select) {
      for (const auto* flag :
           {args->run.concurrency ? "--concurrency" : nullptr,
            args->run.threads ? "--threads" : nullptr, args->run.loops ? "--loops" : nullptr,
            chunk_size_flag->count() > 0 ? "--chunk-size" : nullptr}) {
        if (flag != nullptr) {
          print_warning(std::string(flag) +
                        " has no effect with --server-dialect (one request for the whole object)");
        }
      }
      return run_server_dialect(**shared, options, *plan, args->common.json, planning_started);
    }
    const std::string key_column = options.key_column.value_or("");
    const std::uint64_t ranges = plan->ranges;
    const std::uint64_t object_size = plan->object_size;
    if (options.key_column) {
      options.on_range = [key_column, ranges, object_size](const jobs::RangeSummary& r) {
        std::fprintf(stderr, "%s\n", range_line(r, ranges, key_column, object_size).c_str());
      };
    }
    const jobs::SelectPlan decided = *plan;
    auto job = jobs::SelectJob::create(std::move(options), std::move(*plan));
    if (!job) return usage_error(job.error());
    // Said once the command is known to run: a refused one gets its one
    // error line alone.
    for (const auto& unused : unused_strategy_flags(args->run, settings.kind)) {
      print_warning(unused_flag_warning(unused, settings.kind));
    }
    if (auto reduced = reduced_flag_warning(args->run, settings)) print_warning(*reduced);
    auto strategy = exec::make_strategy(settings);
    if (!strategy) return usage_error(strategy.error());
    const JobRun run = run_job(**strategy, **job, **shared, planning_started);
    // Cancelled, the aggregate covers only the ranges that finished: a wrong
    // number for whoever reads stdout, so it is not printed (rows already
    // out are right).
    const auto finished = run.report.cancelled ? Result<void>() : (*job)->finish();
    const bool output_failed = !stdout_flushed() || (*job)->output_failed();

    // Of every range, cut off or failed too (run.report.bytes counts finished ones).
    const std::uint64_t fetched = (*job)->bytes_fetched();
    const double mib = static_cast<double>(fetched) / kMiB;
    const double rate = run.wall_seconds > 0 ? mib / run.wall_seconds : 0;
    const std::string engine_used(jobs::engine_name(decided.engine));
    if (args->common.json) {
      boost::json::object out{{"engine", engine_used},
                              {"engine_reason", decided.engine_reason},
                              {"strategy", args->run.strategy},
                              {"workers", exec::describe_workers(settings)},
                              {"object_bytes", decided.object_size},
                              {"ranges", decided.ranges},
                              {"ranges_done", run.report.succeeded},
                              {"ranges_used", (*job)->ranges_used()},
                              {"ranges_failed", run.report.failed},
                              {"ranges_interrupted", run.report.interrupted},
                              {"records_out", (*job)->records_out()},
                              {"bytes_fetched", fetched},
                              {"wall_seconds", run.wall_seconds},
                              {"cpu_seconds", run.usage.cpu_seconds()},
                              {"peak_rss_bytes", run.usage.peak_rss_bytes},
                              {"requests", (*shared)->stats.total_attempts()},
                              {"retries", (*shared)->stats.total_retries()},
                              {"tls_handshakes", (*shared)->net_counters.tls_handshakes.load()},
                              {"cancelled", run.report.cancelled}};
      if (!finished) out["error"] = finished.error().message;
      if (run.report.job_error) out["error"] = run.report.job_error->message;
      if (output_failed) out["error"] = "writing the output to stdout failed";
      std::fprintf(stderr, "%s\n", json_line(out).c_str());
    } else if (!output_failed && !run.report.job_error && finished) {
      // A failed run has no answer to sum up: its error is the one line said
      // (nor is "selected N records" said for output that was lost).
      std::fprintf(stderr,
                   "s3loop: selected %llu %s from %llu of %llu ranges (%.1f MiB fetched) in "
                   "%.2f s, %.1f MiB/s, %llu requests, %llu retries, %.2f CPU s, peak RSS %.0f "
                   "MiB [%s %s]; engine %s: %s%s\n",
                   static_cast<unsigned long long>((*job)->records_out()),
                   std::string(plural((*job)->records_out(), "record", "records")).c_str(),
                   static_cast<unsigned long long>((*job)->ranges_used()),
                   static_cast<unsigned long long>(decided.ranges), mib, run.wall_seconds, rate,
                   static_cast<unsigned long long>((*shared)->stats.total_attempts()),
                   static_cast<unsigned long long>((*shared)->stats.total_retries()),
                   run.usage.cpu_seconds(), static_cast<double>(run.usage.peak_rss_bytes) / kMiB,
                   args->run.strategy.c_str(), exec::describe_workers(settings).c_str(),
                   engine_used.c_str(), one_line(decided.engine_reason).c_str(),
                   run.report.cancelled ? " (cancelled)" : "");
    }
    if (run.report.cancelled) return cancelled_exit_code();
    if (run.report.job_error) return report_failure(*run.report.job_error);
    // main.cpp finds stdout's error flag and says so, in the one error line.
    if (output_failed) return kExitFailed;
    if (!finished) {
      std::string message = finished.error().message;
      // auto chose the server's S3 Select by its probe; a query it then
      // refuses outright (400: an operation it does not support) is one the
      // local engine may still evaluate.
      if (decided.engine == jobs::SelectEngine::s3select &&
          *engine == jobs::SelectEngine::automatic && finished.error().http_status == 400) {
        message += " (the server's S3 Select refused the query: --engine local evaluates it here)";
      }
      print_error(message);
      return finished.error().kind == ErrorKind::usage ? kExitUsage : kExitFailed;
    }
    return kExitOk;
  };
}

}  // namespace s3loop::cli
