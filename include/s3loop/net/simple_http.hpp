// One plain-HTTP request, blocking, for the credential endpoints of a cloud
// machine (EC2's instance metadata service, an ECS or EKS container's
// credentials endpoint): link-local or loopback, never through a proxy, no
// TLS, no keep-alive, a deadline for the whole exchange. The bulk traffic
// goes through connection_pool; this is a handful of requests at start-up
// and at each renewal.
#pragma once

#include "s3loop/error.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s3loop::net {

struct SimpleReply {
  int status = 0;
  std::string body;
};

using SimpleHeaders = std::vector<std::pair<std::string, std::string>>;

// `url` is http://host[:port]/path; anything else is an error of kind config.
// An error of kind network or timeout when no reply came within `timeout`
// (connecting included); a reply of any status is a reply. Bodies over
// 64 KiB are refused (the credential documents are a few hundred bytes).
Result<SimpleReply> simple_http_request(std::string_view method, const std::string& url,
                                        const SimpleHeaders& headers,
                                        std::chrono::milliseconds timeout);

}  // namespace s3loop::net
