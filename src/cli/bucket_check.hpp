// Before a copy: are its buckets there? Said once, up front, rather than by
// every CopyObject of the run (or every run of a comparison) failing alike.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/s3/client.hpp"

#include <optional>
#include <string>
#include <vector>

namespace s3loop::cli {

struct BucketToCheck {
  std::string role;  // "source", "destination": how the error names it
  std::string bucket;
};

// One ListObjectsV2 of at most one key per bucket, in order. Returns the
// error to report when a bucket does not exist ("destination bucket 'b' does
// not exist (NoSuchBucket) [request id ...]; nothing was copied"), or when the
// check could not reach the server, was refused its credentials or TLS, or
// met a transient error on every attempt (the copy would meet the same error,
// after as many retries again), or when Ctrl-C interrupted it (of kind
// cancelled: exit 130 or 143); nullopt
// otherwise: any other error (say AccessDenied, when the keys may copy into
// a bucket but not list it) is left for the copy to meet, or not.
// Its requests count in `shared`'s statistics with the job's: the summary
// counts every request the command sent.
std::optional<Error> check_buckets(s3::ClientShared& shared,
                                   const std::vector<BucketToCheck>& buckets);

}  // namespace s3loop::cli
