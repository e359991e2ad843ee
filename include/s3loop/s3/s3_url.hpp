// Parsing of s3://bucket/key URLs as users type them.
#pragma once

#include "s3loop/error.hpp"

#include <string>
#include <string_view>

namespace s3loop::s3 {

struct S3Url {
  std::string bucket;
  std::string key;  // may be empty (whole bucket); kept byte for byte, no normalisation
};

// Accepts "s3://bucket", "s3://bucket/", "s3://bucket/prefix/key". The key is
// taken literally (no percent-decoding: aws cli does not decode either).
// Errors (kind usage) name the problem: missing scheme, empty bucket, invalid
// bucket name (3-63 chars, lower-case letters, digits, '.', '-').
Result<S3Url> parse_s3_url(std::string_view text);

}  // namespace s3loop::s3
