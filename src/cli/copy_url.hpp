// A cp (or compare cp) location: an s3:// URL, and a plain word for a local
// path that says cp copies between S3 locations only (aws s3 cp uploads and
// downloads too, so a user coming from it may pass a file).
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/s3/s3_url.hpp"

#include <string_view>

namespace s3loop::cli {

Result<s3::S3Url> parse_copy_location(std::string_view word);

}  // namespace s3loop::cli
