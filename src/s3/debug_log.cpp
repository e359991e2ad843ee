#include "s3loop/s3/debug_log.hpp"

#include <fmt/format.h>
#include <boost/algorithm/string/predicate.hpp>

namespace s3loop::s3 {

namespace {

// The Authorization header keeps its algorithm, its scope (date, region,
// service: a region mistake shows) and what it covers (useful when a
// signature does not match), but never the key id or the signature.
std::string redact_authorization(std::string_view value) {
  const auto space = value.find(' ');
  const std::string_view algorithm = value.substr(0, space);
  std::string out(algorithm);
  out += " Credential=";
  out += kRedacted;
  const auto credential = value.find("Credential=");
  if (credential != std::string_view::npos) {
    const std::string_view rest = value.substr(credential);
    const auto scope = rest.find('/');
    const auto end = rest.find(',');
    if (scope != std::string_view::npos && scope < end) {
      out += rest.substr(scope, end == std::string_view::npos ? end : end - scope);
    }
  }
  const auto signed_headers = value.find("SignedHeaders=");
  if (signed_headers != std::string_view::npos) {
    const auto end = value.find(',', signed_headers);
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
      out += value;
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
  return fmt::format(
      "config: profile {} ({}), credentials from {}, region {} ({}), endpoint {}://{} ({})",
      config.profile, config.profile_source, config.credentials_source, config.region,
      config.region_source, endpoint.tls ? "https" : "http", endpoint.authority(),
      config.endpoint_source);
}

}  // namespace s3loop::s3
