// s3loop ls s3://bucket[/prefix] [--recursive] [--json]
// s3loop ls [s3://] [--json]: the buckets (ListBuckets), as `aws s3 ls`.
#include "commands.hpp"
#include "common.hpp"
#include "run_job.hpp"

#include "s3loop/exec/run_once.hpp"
#include "s3loop/jobs/list_job.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <cstdio>

namespace s3loop::cli {

namespace {

// "2024-11-25T13:00:00.000Z" -> "2024-11-25 13:00:00", as aws s3 ls shows it.
std::string short_time(const std::string& iso) {
  if (iso.size() < 19) return iso;
  std::string out = iso.substr(0, 19);
  out[10] = ' ';
  return out;
}

void print_page(const s3::ListPage& page, bool json) {
  std::string out;
  for (const auto& prefix : page.common_prefixes) {
    if (json) {
      out += boost::json::serialize(boost::json::object{{"prefix", prefix}});
      out += '\n';
    } else {
      out += fmt::format("{:>30} {}\n", "PRE", prefix);
    }
  }
  for (const auto& object : page.objects) {
    if (json) {
      out += boost::json::serialize(boost::json::object{{"key", object.key},
                                                        {"size", object.size},
                                                        {"etag", object.etag},
                                                        {"last_modified", object.last_modified}});
      out += '\n';
    } else {
      out +=
          fmt::format("{} {:>10} {}\n", short_time(object.last_modified), object.size, object.key);
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

// One line per bucket, `date time name`, as aws s3 ls prints them (in UTC here).
void print_buckets(const std::vector<s3::BucketInfo>& buckets, bool json) {
  std::string out;
  for (const auto& bucket : buckets) {
    if (json) {
      out += boost::json::serialize(
          boost::json::object{{"bucket", bucket.name}, {"creation_date", bucket.creation_date}});
      out += '\n';
    } else {
      out += fmt::format("{} {}\n", short_time(bucket.creation_date), bucket.name);
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

// Without a bucket there is nothing to recurse into or split into key ranges:
// --recursive and --list-concurrency are ignored, as aws s3 ls ignores
// --recursive when it lists buckets.
int list_buckets(const CommonOptions& common) {
  auto shared = make_client_shared(common);
  if (!shared) return usage_error(shared.error());
  auto buckets = exec::run_once<std::vector<s3::BucketInfo>>(
      **shared, [](s3::Client& client) { return client.list_buckets(); });
  if (!buckets) return report_failure(buckets.error());
  print_buckets(*buckets, common.json);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

Runner add_ls_command(CLI::App& app) {
  struct Args {
    CommonOptions common;
    std::string url;
    bool recursive = false;
    int list_concurrency = 16;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "ls", "List objects under s3://bucket[/prefix], or the buckets without a URL (or s3://)");
  auto* url = cmd->add_option("url", args->url, "s3://bucket[/prefix]; none or s3://: the buckets");
  cmd->add_flag("-r,--recursive", args->recursive,
                "List every key under the prefix (ignored when listing buckets)");
  cmd->add_option("--list-concurrency", args->list_concurrency,
                  "With --recursive: key ranges listed at once, output still in key order "
                  "(default 16; 1: one page after another; ignored when listing buckets)")
      ->check(CLI::Range(1, 1024));
  add_common_options(*cmd, args->common);

  return [args, url]() -> int {
    // As aws s3 ls: no URL, or the bare scheme, lists the buckets.
    if (url->count() == 0 || args->url == "s3://") return list_buckets(args->common);
    auto location = s3::parse_s3_url(args->url);
    if (!location) return usage_error(location.error());
    auto shared = make_client_shared(args->common);
    if (!shared) return usage_error(shared.error());
    // The listing is the producer and emits nothing: one consumer is plenty.
    exec::Settings settings;
    settings.kind = exec::StrategyKind::async;
    settings.concurrency = 1;
    auto strategy = exec::make_strategy(settings);
    jobs::ListOptions options;
    options.location = *location;
    options.recursive = args->recursive;
    options.list_concurrency = args->list_concurrency;
    options.cancelled = &strategy->cancel_flag();
    const bool json = args->common.json;
    options.on_page = [json](const s3::ListPage& page) { print_page(page, json); };
    jobs::ListJob job(std::move(options));
    auto run = run_job(*strategy, job, **shared);
    std::fflush(stdout);
    if (run.report.job_error) return report_failure(*run.report.job_error);
    return run.report.cancelled ? kExitCancelled : kExitOk;
  };
}

}  // namespace s3loop::cli
