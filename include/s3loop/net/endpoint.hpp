// Where a service lives: scheme, host and port, parsed from an endpoint URL.
#pragma once

#include "s3loop/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace s3loop::net {

struct Endpoint {
  bool tls = true;
  std::string host;  // lower-case name or IP literal (IPv6 without brackets)
  std::uint16_t port = 443;

  bool is_ip_literal() const;
  bool default_port() const { return port == (tls ? 443 : 80); }
  // host[:port] as the Host header wants it (port omitted when default).
  std::string authority() const;
  // host:port, always with the port, for messages ("[::1]:9443").
  std::string host_port() const;
};

// Accepts "https://host[:port][/]" and "http://...". A path other than "/"
// is refused: S3 endpoints live at the root.
Result<Endpoint> parse_endpoint_url(std::string_view url);

}  // namespace s3loop::net
