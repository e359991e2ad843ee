// Independent check of a finished copy: walks the source and destination
// listings side by side (both come sorted from S3, and replacing one prefix
// by another keeps that order), so memory stays O(page), not O(objects).
#pragma once

#include "s3loop/jobs/copy_job.hpp"
#include "s3loop/s3/client.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace s3loop::jobs {

struct VerifyReport {
  std::uint64_t matched = 0;
  // Of the matched, those whose ETags could not be compared (a multipart
  // ETag depends on the part sizes, so a copy's may differ from its source's
  // with the same bytes): the same key and size, content not checked.
  std::uint64_t matched_by_size_only = 0;
  std::uint64_t missing = 0;          // in the source, not in the destination
  std::uint64_t unexpected = 0;       // in the destination, not in the source
  std::uint64_t mismatched = 0;       // size differs, or ETag differs for a single-part copy
  std::vector<std::string> problems;  // the first few, for the message
  bool ok() const { return missing == 0 && unexpected == 0 && mismatched == 0; }
};

// `options` as normalised for the copy (directory prefixes).
boost::asio::awaitable<Result<VerifyReport>> verify_copy(s3::Client& client, CopyOptions options);

}  // namespace s3loop::jobs
