#include "bucket_check.hpp"

#include "common.hpp"
#include "interruptible.hpp"

#include "s3loop/exec/run_once.hpp"

#include <algorithm>

namespace s3loop::cli {

namespace {

// Errors no other request to the same endpoint with the same keys gets past
// (a reply that shows the endpoint is no S3 server among them), and transient
// ones that outlasted every attempt (the copy's listing would make as many
// again).
bool stops_every_request(const Error& error) {
  return error.kind == ErrorKind::credentials || error.kind == ErrorKind::tls ||
         error.kind == ErrorKind::network || error.kind == ErrorKind::timeout ||
         error.not_s3_endpoint || error.retryable;
}

}  // namespace

std::optional<Error> check_buckets(s3::ClientShared& shared,
                                   const std::vector<BucketToCheck>& buckets) {
  // Ctrl-C while checking (retries against a server that keeps failing can
  // take a while) ends the command as during the copy: no further attempt,
  // exit 130 (143 for SIGTERM), rather than the process dying of the signal.
  bool interrupted = false;
  auto found = run_once_interruptible<std::optional<Error>>(
      shared, interrupted,
      [&](s3::Client& client) -> boost::asio::awaitable<Result<std::optional<Error>>> {
        std::vector<std::string> checked;
        for (const auto& side : buckets) {
          // A copy within one bucket asks once.
          if (std::find(checked.begin(), checked.end(), side.bucket) != checked.end()) continue;
          checked.push_back(side.bucket);
          auto probed = co_await client.probe_bucket(side.bucket);
          if (probed) continue;
          Error error = probed.error();
          if (error.s3_code == "NoSuchBucket") {
            error.message = side.role + " " + error.message + "; nothing was copied";
            co_return std::optional<Error>(std::move(error));
          }
          if (stops_every_request(error)) co_return std::optional<Error>(std::move(error));
        }
        co_return std::optional<Error>();
      });
  if (interrupted) {
    return make_error(ErrorKind::cancelled, "interrupted before anything was copied");
  }
  if (!found) return found.error();
  return *found;
}

}  // namespace s3loop::cli
