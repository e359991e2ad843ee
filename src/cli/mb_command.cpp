// s3loop mb s3://bucket: create a bucket (as `aws s3 mb`), for demos and tests.
#include "commands.hpp"
#include "common.hpp"
#include "json_line.hpp"

#include "s3loop/exec/run_once.hpp"
#include "s3loop/s3/s3_url.hpp"

#include <boost/json.hpp>

#include <cstdio>

namespace s3loop::cli {

Runner add_mb_command(CLI::App& app) {
  struct Args {
    CommonOptions common;
    std::string url;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("mb", "Create a bucket");
  cmd->add_option("url", args->url, "s3://bucket")->required();
  add_common_options(*cmd, args->common);
  // As aws s3 mb --region: where the bucket is made (LocationConstraint).
  cmd->get_option("--region")
      ->description(
          "Region the bucket is created in, and requests are signed for (default: AWS_REGION, "
          "AWS_DEFAULT_REGION, the profile's region, else us-east-1)");
  return [args]() -> int {
    // S3 creates no legacy names any more: refuse them here, saying why.
    auto location = s3::parse_s3_url(args->url, s3::BucketRules::new_bucket);
    if (!location) return usage_error(location.error());
    auto shared = make_client_shared(args->common);
    if (!shared) return usage_error(shared.error());
    const std::string bucket = location->bucket;
    // The bucket is made whatever becomes of its one line: a reader gone
    // (`| true`) is that line's error, exit 1, not a death by SIGPIPE after
    // the change, as aws s3 mb says too.
    keep_running_when_output_closes();
    auto result = exec::run_once<void>(
        **shared, [&](s3::Client& client) { return client.create_bucket(bucket); });
    if (!result) {
      Error error = result.error();
      // The location constraint is the region the request is signed for.
      if (error.s3_code == "InvalidLocationConstraint" ||
          error.s3_code == "IllegalLocationConstraintException") {
        const std::string& source = region_source();
        error.message += "; the bucket was to be made in " + (*shared)->options.region +
                         ", the region " +
                         (source == "default" ? std::string("s3loop defaults to, as none is set")
                                              : "set by " + source) +
                         ": choose one the endpoint serves (--region, AWS_REGION or the "
                         "profile's region)";
      }
      return report_failure(error);
    }
    if (args->common.json) {
      // As `ls --json` names a bucket.
      std::printf("%s\n", json_line(boost::json::object{{"bucket", bucket}}).c_str());
    } else {
      std::printf("make_bucket: %s\n", bucket.c_str());
    }
    return kExitOk;
  };
}

}  // namespace s3loop::cli
