// Parsing of s3://bucket/key URLs as users type them.
#pragma once

#include "s3loop/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace s3loop::s3 {

// S3 keys are at most this many bytes of UTF-8.
inline constexpr std::size_t kMaxKeyBytes = 1024;

struct S3Url {
  std::string bucket;
  std::string key;  // may be empty (whole bucket); kept byte for byte, no normalisation
};

// Which bucket names a URL may carry.
enum class BucketRules : unsigned char {
  // A bucket that may already exist: today's names, and the legacy ones S3
  // still serves in us-east-1 (created before March 2018: upper-case letters
  // and '_', up to 255 characters), as aws cli takes them. Such a name is
  // always addressed path-style.
  existing,
  // A bucket to create: the rules S3 enforces for new buckets (3-63
  // characters: lower-case letters, digits, '.' and '-'; a letter or digit at
  // each end; no "..", not an IP address).
  new_bucket,
};

// Why `bucket` cannot be a name of a bucket under `rules` (one line, naming
// the rule), or "" when it can.
std::string bucket_name_problem(std::string_view bucket, BucketRules rules = BucketRules::existing);

// Accepts "s3://bucket", "s3://bucket/", "s3://bucket/prefix/key". The key is
// taken literally (no percent-decoding: aws cli does not decode either).
// Errors (kind usage) name the problem: missing scheme, empty bucket, a bucket
// name the rules refuse (and which rule).
Result<S3Url> parse_s3_url(std::string_view text, BucketRules rules = BucketRules::existing);

}  // namespace s3loop::s3
