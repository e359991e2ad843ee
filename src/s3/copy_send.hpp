// The part CopyObject and UploadPartCopy share: naming the source, sending,
// reading the new ETag out of the reply, and saying which side is missing.
// Private to s3.
#pragma once

#include "s3loop/s3/client.hpp"

#include <string>

namespace s3loop::s3 {

// Sends `request` (destination, method, query and headers of its own set)
// with x-amz-copy-source naming src_bucket/src_key, and with
// x-amz-copy-source-if-match when `source_etag` is not empty. Returns the
// ETag of the copy (or part); a source S3 cannot name, or a missing one, is
// an error saying so.
boost::asio::awaitable<Result<std::string>> send_copy(Client& client, S3Request request,
                                                      const std::string& src_bucket,
                                                      const std::string& src_key,
                                                      const std::string& source_etag);

}  // namespace s3loop::s3
