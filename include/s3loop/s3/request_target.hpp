// Whether a request addresses what its operation is about. Pure.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/s3/stats.hpp"

#include <optional>
#include <string_view>

namespace s3loop::s3 {

// The problem (kind usage) with sending `op` to `bucket` and `key`, checked
// before anything is sent; nullopt when there is none. An object operation
// with an empty key would address the bucket itself (DeleteObject of ""
// deletes an empty bucket, GetObject of "" returns its listing as the
// "object"), and any operation but ListBuckets without a bucket would address
// the service: boto3 refuses both, and so does this. So is a bucket name
// holding a character that would change the request's path ('/', '?', '#',
// a space or a control character); other naming rules are the server's.
std::optional<Error> request_target_problem(Op op, std::string_view bucket, std::string_view key);

// The same for the source that CopyObject and UploadPartCopy name in
// x-amz-copy-source.
std::optional<Error> copy_source_problem(Op op, std::string_view bucket, std::string_view key);

// The page size a listing (`op`: ListObjectsV2, ListObjectVersions) asks
// for, 1-1000: S3 answers max-keys 0 -- radosgw a negative one too -- with an
// empty page that is not truncated, which reads as the end: a listing of
// everything would find nothing. (Above 1000 S3 gives 1000.)
std::optional<Error> page_size_problem(Op op, int max_keys);

}  // namespace s3loop::s3
