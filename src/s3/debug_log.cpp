#include "s3loop/s3/debug_log.hpp"
#include "s3loop/one_line.hpp"
#include "s3loop/utc_text.hpp"

#include <fmt/format.h>
#include <boost/algorithm/string/predicate.hpp>
#include <cstring>

namespace s3loop::s3 {

namespace {

// "/DATE/REGION/SERVICE/aws4_request" of a SigV4 Credential, or nothing. Taken
// from the end of the credential: a key id may hold '/' itself, and none of
// it may show. Anything not shaped so is left out whole.
std::string credential_scope(std::string_view authorization) {
  const auto start = authorization.find("Credential=");
  if (start == std::string_view::npos) return {};
  std::string_view credential = authorization.substr(start + std::strlen("Credential="));
  credential = credential.substr(0, credential.find_first_of(", "));
  std::size_t cut = credential.size();
  for (int part = 0; part < 4; ++part) {
    if (cut == 0) return {};
    cut = credential.rfind('/', cut - 1);
    if (cut == std::string_view::npos || cut == 0) return {};  // no key id before the scope
  }
  const std::string_view scope = credential.substr(cut);
  if (!scope.ends_with("/aws4_request")) return {};
  return std::string(scope);
}

// The Authorization header keeps its algorithm, its scope (date, region,
// service: a region mistake shows) and what it covers (useful when a
// signature does not match), but never the key id or the signature.
std::string redact_authorization(std::string_view value) {
  const auto space = value.find(' ');
  const std::string_view algorithm = value.substr(0, space);
  std::string out(algorithm);
  out += " Credential=";
  out += kRedacted;
  out += credential_scope(value);
  const auto signed_headers = value.find("SignedHeaders=");
  if (signed_headers != std::string_view::npos) {
    const auto end = value.find_first_of(", ", signed_headers);
    out += ", ";
    out += value.substr(signed_headers, end == std::string_view::npos ? std::string_view::npos
                                                                      : end - signed_headers);
  }
  out += ", Signature=";
  out += kRedacted;
  return out;
}

bool is_secret_header(std::string_view name) {
  return boost::algorithm::iequals(name, "x-amz-security-token") ||
         boost::algorithm::icontains(name, "customer-key");  // SSE-C keys and their MD5s
}

}  // namespace

std::string format_request_log(const net::Request& request) {
  std::string out = fmt::format("-> {} {}{}", request.method, request.host, request.target);
  for (const auto& [name, value] : request.headers) {
    out += fmt::format(" | {}: ", name);
    if (boost::algorithm::iequals(name, "authorization")) {
      out += redact_authorization(value);
    } else if (is_secret_header(name)) {
      out += kRedacted;
    } else {
      // One line per request, whatever a value holds (an ETag from a broken
      // listing with a line break in it: the request is then not sent).
      out += one_line(value);
    }
  }
  if (!request.body.empty()) out += fmt::format(" | body: {} bytes", request.body.size());
  return out;
}

std::string format_reply_log(const net::Request& request, const Result<net::Response>& reply,
                             std::chrono::microseconds elapsed) {
  const double ms = static_cast<double>(elapsed.count()) / 1000.0;
  if (!reply) {
    return fmt::format("<- {} {}{} failed after {:.1f} ms: {}", request.method, request.host,
                       request.target, ms, reply.error().message);
  }
  return fmt::format("<- {} {}{} {} in {:.1f} ms, request id {}", request.method, request.host,
                     request.target, reply->status, ms,
                     reply->header("x-amz-request-id").value_or("-"));
}

std::string format_config_log(const ResolvedConfig& config, const net::Endpoint& endpoint) {
  const std::string expiry = config.credentials_expire_at
                                 ? " (they expire at " + format_utc(*config.credentials_expire_at) +
                                       "; renewed from 15 minutes before)"
                                 : std::string();
  return fmt::format(
      "config: profile {} ({}), credentials from {}{}, region {} ({}), endpoint {}://{} ({})",
      config.profile, config.profile_source, config.credentials_source, expiry, config.region,
      config.region_source, endpoint.tls ? "https" : "http", endpoint.authority(),
      config.endpoint_source);
}

}  // namespace s3loop::s3
