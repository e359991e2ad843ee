// s3loop-datagen: uploads a seeded data set (see dataset.hpp) with many PUTs
// in flight on one event loop, creating the bucket first.
#include "dataset.hpp"

#include "common.hpp"
#include "flag_as_value.hpp"
#include "plural.hpp"
#include "run_job.hpp"
#include "size_parse.hpp"

#include "s3loop/exec/run_once.hpp"
#include "s3loop/exec/strategy.hpp"
#include "s3loop/s3/s3_url.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <limits>

namespace {

using namespace s3loop;

class UploadJob final : public exec::Job {
 public:
  UploadJob(std::string bucket, bench::DatasetSpec spec)
      : bucket_(std::move(bucket)), spec_(std::move(spec)) {}

  boost::asio::awaitable<Result<void>> produce(s3::Client&, const exec::Emit& emit) override {
    const std::uint64_t total = bench::dataset_total(spec_);
    for (std::uint64_t i = 0; i < total; ++i) {
      exec::WorkItem item;
      auto object = bench::dataset_object(spec_, i);
      item.object.key = std::move(object.key);
      item.object.size = object.size;
      item.first_byte = i;  // dataset index, for the body
      if (!co_await emit(std::move(item))) break;
    }
    co_return Result<void>();
  }

  boost::asio::awaitable<Result<std::uint64_t>> process(exec::WorkerContext& context,
                                                        const exec::WorkItem& item) override {
    auto etag = co_await context.client().put_object(
        bucket_, item.object.key, bench::dataset_body(spec_, item.first_byte, item.object.size));
    if (!etag) co_return etag.error();
    co_return item.object.size;
  }

 private:
  std::string bucket_;
  bench::DatasetSpec spec_;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace s3loop::cli;
  CLI::App app{"Upload a seeded data set to s3://bucket/prefix"};
  CommonOptions common;
  std::string url;
  bench::DatasetSpec spec;
  std::string min_size = "0";
  std::string max_size = "4KiB";
  int concurrency = 64;
  app.add_option("url", url, "s3://bucket[/prefix]")->required();
  app.add_option("--count", spec.count, "Generated objects (default 2000)")
      ->transform(whole_number_between(0, 100'000'000));
  app.add_option("--min-size", min_size, "Smallest object (default 0)");
  app.add_option("--max-size", max_size, "Largest object (default 4KiB)");
  app.add_option("--seed", spec.seed, "Seed (default 1)")
      ->transform(whole_number_between(0, std::numeric_limits<std::int64_t>::max()));
  app.add_flag("--special-keys", spec.special_keys, "Add keys with spaces, unicode, '+', '//'...");
  app.add_flag("--flat", spec.flat,
               "Keys k000000, k000001... directly under the prefix (default: 16 sub-prefixes "
               "part-NN/)");
  app.add_option("-c,--concurrency", concurrency, "PUTs in flight (default 64)")
      ->transform(whole_number_between(1, 4096));
  add_common_options(app, common);
  // As s3loop's own commands: one plain line and exit 2 for a bad command line.
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(describe_parse_error(e, app));
    return kExitUsage;
  }

  auto fail = [](const Error& e, int code) {
    print_error(e.message);
    return code;
  };
  auto location = s3::parse_s3_url(url);
  if (!location) return fail(location.error(), kExitUsage);
  auto lo = parse_size(min_size, "--min-size");
  if (!lo) return fail(lo.error(), kExitUsage);
  auto hi = parse_size(max_size, "--max-size");
  if (!hi) return fail(hi.error(), kExitUsage);
  if (*lo > *hi) {
    return fail(
        make_error(ErrorKind::usage,
                   fmt::format("--min-size {} is larger than --max-size {}", min_size, max_size)),
        kExitUsage);
  }
  spec.min_size = *lo;
  spec.max_size = *hi;
  spec.prefix = location->key;
  // A folder, as `s3loop cp` and `aws s3 cp --recursive` read s3://bucket/data:
  // the keys go under data/, not data<name>.
  if (!spec.prefix.empty() && spec.prefix.back() != '/') spec.prefix += '/';
  auto shared = make_client_shared(common);
  if (!shared) return fail(shared.error(), kExitUsage);

  const std::string bucket = location->bucket;
  // A missing bucket is made: under the names `s3loop mb` takes (a legacy
  // name such as XC_bad was created); an existing legacy bucket is written to.
  if (const std::string problem = s3::bucket_name_problem(bucket, s3::BucketRules::new_bucket);
      !problem.empty()) {
    auto missing = exec::run_once<std::optional<Error>>(
        **shared, [&](s3::Client& client) -> boost::asio::awaitable<Result<std::optional<Error>>> {
          co_return co_await client.missing_bucket(bucket);
        });
    if (!missing) return fail(missing.error(), exit_code_for(missing.error()));
    if (*missing) {
      return fail(make_error(ErrorKind::usage, "bucket " + bucket + " does not exist, and " +
                                                   problem + " for a new bucket"),
                  kExitUsage);
    }
  }
  auto created = exec::run_once<void>(
      **shared, [&](s3::Client& client) { return client.ensure_bucket(bucket); });
  if (!created) return fail(created.error(), exit_code_for(created.error()));

  exec::Settings settings;
  settings.concurrency = concurrency;
  auto strategy = exec::make_strategy(settings).value();  // settings from checked flags
  UploadJob job(bucket, spec);
  auto run = run_job(*strategy, job, **shared);
  for (const auto& f : run.report.failures)
    fmt::print(stderr, "failed: {}: {}\n", f.item, f.error.message);
  if (common.json) {
    fmt::print("{}\n", boost::json::serialize(
                           boost::json::object{{"destination", s3::s3_uri(bucket, spec.prefix)},
                                               {"objects", run.report.succeeded},
                                               {"bytes", run.report.bytes},
                                               {"failed", run.report.failed},
                                               {"wall_seconds", run.wall_seconds},
                                               {"cancelled", run.report.cancelled}}));
  } else {
    fmt::print("uploaded {} {} ({:.1f} MiB) to s3://{}/{} in {:.2f} s, {} failed\n",
               run.report.succeeded, plural(run.report.succeeded, "object", "objects"),
               static_cast<double>(run.report.bytes) / (1024.0 * 1024.0), bucket, spec.prefix,
               run.wall_seconds, run.report.failed);
  }
  if (run.report.cancelled) {
    print_error("interrupted: the data set is incomplete");
    return cancelled_exit_code();
  }
  return run.report.failed == 0 ? kExitOk : kExitFailed;
}
