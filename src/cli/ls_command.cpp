// s3loop ls s3://bucket[/prefix] [--recursive] [--human-readable] [--summarize] [--json]
// s3loop ls [s3://] [--json]: the buckets (ListBuckets), as `aws s3 ls`.
#include "commands.hpp"
#include "common.hpp"
#include "json_line.hpp"
#include "ls_format.hpp"
#include "open_files.hpp"
#include "run_job.hpp"
#include "s3loop/one_line.hpp"

#include "s3loop/exec/run_once.hpp"
#include "s3loop/jobs/list_job.hpp"
#include "s3loop/jobs/parallel_list.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <unistd.h>

#include <cstdio>

namespace s3loop::cli {

namespace {

// Prints one page; false when stdout took it no longer (a full disk, a closed
// pipe), so the listing can stop instead of fetching pages nobody will see.
// Text lines name what lies below the requested prefix's last '/' unless
// every key is printed whole (--recursive), as aws s3 ls does; JSON lines
// always carry whole keys.
struct PageFormat {
  bool json = false;
  bool human_readable = false;  // text sizes as 1.5 KiB
  std::string_view relative_to;
  // On a terminal, a key's control characters are written as C escapes
  // (one_line), as GNU ls shows them as '?' there: a key holding ESC [2J or
  // a line break would clear the screen or forge a listing row. Piped, the
  // keys go out as they are, as aws s3 ls writes them.
  bool escape_names = false;
  std::string shown(std::string_view name) const {
    return escape_names ? one_line(name) : std::string(name);
  }
};

// What --summarize adds up: objects, not common prefixes.
struct ListTotals {
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
};

bool print_page(const s3::ListPage& page, const PageFormat& format, ListTotals& totals) {
  const bool json = format.json;
  const std::string_view relative_to = format.relative_to;
  std::string out;
  for (const auto& prefix : page.common_prefixes) {
    if (json) {
      out += json_line(boost::json::object{{"prefix", prefix}});
      out += '\n';
    } else {
      out += fmt::format("{:>30} {}\n", "PRE", format.shown(name_below(prefix, relative_to)));
    }
  }
  for (const auto& object : page.objects) {
    ++totals.objects;
    totals.bytes += object.size;
    if (json) {
      out += json_line(boost::json::object{{"key", object.key},
                                           {"size", object.size},
                                           {"etag", object.etag},
                                           {"last_modified", object.last_modified}});
      out += '\n';
    } else {
      out += fmt::format(
          "{} {:>10} {}\n", ls_time(object.last_modified),
          format.human_readable ? human_readable_size(object.size) : std::to_string(object.size),
          format.shown(name_below(object.key, relative_to)));
    }
  }
  return std::fwrite(out.data(), 1, out.size(), stdout) == out.size() && !std::ferror(stdout);
}

// One line per bucket, `date time name`, as aws s3 ls prints them (local time).
void print_buckets(const std::vector<s3::BucketInfo>& buckets, bool json) {
  std::string out;
  const bool escape = !json && isatty(STDOUT_FILENO) != 0;  // as PageFormat::escape_names
  for (const auto& bucket : buckets) {
    if (json) {
      out += json_line(
          boost::json::object{{"bucket", bucket.name}, {"creation_date", bucket.creation_date}});
      out += '\n';
    } else {
      // (A server's bucket name, on a terminal as a key is: see PageFormat.)
      out += fmt::format("{} {}\n", ls_time(bucket.creation_date),
                         escape ? one_line(bucket.name) : bucket.name);
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

// Without a bucket there is nothing to recurse into or split into key ranges:
// --recursive and --list-concurrency are ignored, as aws s3 ls ignores
// --recursive when it lists buckets.
// --summarize's closing lines (with --json, one object), as aws s3 ls
// prints them after any listing, an empty one or the buckets' too.
void print_summary(const ListTotals& totals, bool json, bool human_readable) {
  const std::string out = json ? json_line(boost::json::object{{"total_objects", totals.objects},
                                                               {"total_size", totals.bytes}}) +
                                     "\n"
                               : ls_summary(totals.objects, totals.bytes, human_readable);
  std::fwrite(out.data(), 1, out.size(), stdout);
}

int list_buckets(const CommonOptions& common, bool summarize, bool human_readable) {
  auto shared = make_client_shared(common);
  if (!shared) return usage_error(shared.error());
  auto buckets = exec::run_once<std::vector<s3::BucketInfo>>(
      **shared, [](s3::Client& client) { return client.list_buckets(); });
  if (!buckets) return report_failure(buckets.error());
  print_buckets(*buckets, common.json);
  if (summarize) print_summary({}, common.json, human_readable);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

Runner add_ls_command(CLI::App& app) {
  struct Args {
    CommonOptions common;
    std::string url;
    bool recursive = false;
    bool human_readable = false;
    bool summarize = false;
    int list_concurrency = 16;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "ls", "List objects under s3://bucket[/prefix], or the buckets without a URL (or s3://)");
  auto* url = cmd->add_option("url", args->url, "s3://bucket[/prefix]; none or s3://: the buckets");
  cmd->add_flag("-r,--recursive", args->recursive,
                "List every key under the prefix (ignored when listing buckets)");
  cmd->add_flag("--human-readable", args->human_readable,
                "Sizes in binary units (1.5 KiB), as aws s3 ls (text output only)");
  cmd->add_flag("--summarize", args->summarize,
                "End with the number of objects and their total size, as aws s3 ls");
  whole_number_option(
      cmd->add_option("--list-concurrency", args->list_concurrency,
                      "With --recursive: key ranges listed at once, output still in key order "
                      "(default 16; 1: one page after another; ignored when listing buckets)"),
      1, jobs::kMaxListConcurrency);
  add_common_options(*cmd, args->common);

  return [args, url]() -> int {
    // As aws s3 ls: no URL, or the bare scheme, lists the buckets.
    if (url->count() == 0 || args->url == "s3://") {
      return list_buckets(args->common, args->summarize, args->human_readable);
    }
    auto location = s3::parse_s3_url(args->url);
    if (!location) return usage_error(location.error());
    // Without -r the listing is one page after another, on one connection
    // (--list-concurrency is not used: its default must not refuse the run).
    OpenFileNeed need;
    need.connections = args->recursive ? static_cast<std::uint64_t>(args->list_concurrency) : 1;
    need.event_loops = 2;  // the listing's and its consumer's
    need.settings = "ls";
    if (args->recursive) {
      need.settings = fmt::format("--list-concurrency {}", args->list_concurrency);
      need.flag = "--list-concurrency";
      need.flag_value = need.connections;
    }
    if (auto fits = check_open_files(need); !fits) {
      return usage_error(fits.error());
    }
    auto shared = make_client_shared(args->common);
    if (!shared) return usage_error(shared.error());
    // The listing is the producer and emits nothing: one consumer is plenty.
    exec::Settings settings;
    settings.kind = exec::StrategyKind::async;
    settings.concurrency = 1;
    auto made = exec::make_strategy(settings);
    if (!made) return usage_error(made.error());
    auto strategy = std::move(*made);
    jobs::ListOptions options;
    options.location = *location;
    options.recursive = args->recursive;
    options.list_concurrency = args->list_concurrency;
    options.cancelled = &strategy->cancel_flag();
    const bool json = args->common.json;
    // With --recursive aws s3 ls prints whole keys; without, what follows the
    // prefix's last '/' (relative_to "" keeps names whole).
    const std::string relative_to = args->recursive ? std::string() : location->key;
    const PageFormat format{json, args->human_readable, relative_to,
                            /*escape_names=*/!json && isatty(STDOUT_FILENO) != 0};
    ListTotals totals;
    bool listed_anything = false;
    bool output_failed = false;
    options.on_page = [&](const s3::ListPage& page) {
      if (output_failed) return;
      listed_anything = listed_anything || !page.objects.empty() || !page.common_prefixes.empty();
      if (!print_page(page, format, totals)) {
        output_failed = true;
        strategy->cancel_flag() = true;
      }
    };
    jobs::ListJob job(std::move(options));
    auto run = run_job(*strategy, job, **shared);
    // After a whole listing only: a failed or stopped one has no total.
    if (args->summarize && !output_failed && !run.report.job_error && !run.report.cancelled) {
      print_summary(totals, json, args->human_readable);
    }
    std::fflush(stdout);
    // main reports the failed write, once.
    if (output_failed) return kExitFailed;
    // Ctrl-C is the exit code's to say, whatever failed on the way (a retry
    // it cut short ends the listing with that request's error).
    if (run.report.cancelled) {
      if (run.report.job_error) print_error(run.report.job_error->message);
      return cancelled_exit_code();
    }
    if (run.report.job_error) return report_failure(*run.report.job_error);
    // As aws s3 ls: a prefix under which nothing is listed exits 1 (with no
    // output, so scripts can test for it); an empty bucket is a listing.
    if (!listed_anything && !location->key.empty()) return kExitFailed;
    return kExitOk;
  };
}

}  // namespace s3loop::cli
