// AWS Signature Version 4 for S3. Pure: the caller supplies the time.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s3loop::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when not temporary credentials
};

using Headers = std::vector<std::pair<std::string, std::string>>;
using QueryParams = std::vector<std::pair<std::string, std::string>>;  // decoded name/value

struct SigningInput {
  std::string method;         // "GET", "PUT", ...
  std::string canonical_uri;  // the request path, already URI-encoded exactly once
  QueryParams query;          // decoded; the signer encodes and sorts them
  Headers headers;            // every header to sign, including host and x-amz-*
  std::string payload_hash;   // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
  std::string region;         // e.g. "us-east-1"
  std::string service = "s3";
  std::string amz_date;  // "YYYYMMDDTHHMMSSZ"
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-content-sha256;x-amz-date"
  std::string signature;       // hex
  std::string authorization;   // full Authorization header value
};

Signature sign_v4(const SigningInput& in, const Credentials& creds);

// "a=1&b=x%20y": names/values encoded with uri_encode(keep_slash=false),
// sorted by encoded name then value. Used both to sign and to build the
// request target, so the two can never disagree.
std::string canonical_query_string(const QueryParams& query);

std::string sha256_hex(std::string_view data);
std::string format_amz_date(std::chrono::system_clock::time_point t);  // YYYYMMDDTHHMMSSZ

}  // namespace s3loop::s3
