// `--debug`: a line on the configuration chosen, then one per request and per
// reply, with every secret redacted (the signature, the session token, SSE-C
// keys). Pure.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/net/endpoint.hpp"
#include "s3loop/net/http.hpp"
#include "s3loop/s3/config.hpp"

#include <chrono>
#include <string>

namespace s3loop::s3 {

inline constexpr std::string_view kRedacted = "<redacted>";

// "PUT host/target header: value; ..." with secrets replaced by <redacted>.
std::string format_request_log(const net::Request& request);
// "<- 200 OK in 12.3 ms (x-amz-request-id ...)" or "<- failed: message".
std::string format_reply_log(const net::Request& request, const Result<net::Response>& reply,
                             std::chrono::microseconds elapsed);
// "config: profile P (AWS_PROFILE), credentials from ..., region R (...),
// endpoint https://host (...)": what was chosen and which setting chose it.
// No key, token or URL as written (it may carry a password): the endpoint
// is the parsed one, scheme and host only.
std::string format_config_log(const ResolvedConfig& config, const net::Endpoint& endpoint);

}  // namespace s3loop::s3
