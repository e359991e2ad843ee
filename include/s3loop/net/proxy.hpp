// An HTTP proxy that connections to https:// endpoints go through, as aws
// cli (botocore, urllib3) goes through HTTPS_PROXY: a CONNECT tunnel to the
// endpoint, and TLS with the endpoint itself inside it -- the proxy sees
// where, never what. Pure: the CONNECT request and the reading of its reply
// are bytes in, bytes out; the pool moves them.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/net/endpoint.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace s3loop::net {

struct Proxy {
  std::string host;  // lower-case name or IP literal (IPv6 without brackets)
  std::uint16_t port = 80;
  // "user:password" as the URL gave them, percent-decoded (Basic
  // authentication); empty: none.
  std::string credentials;
  // The setting it came from ("HTTPS_PROXY"), for messages.
  std::string source;
  // "proxy host:port (HTTPS_PROXY)": what messages call it; never a password.
  std::string described() const;
};

// Reads a proxy URL as botocore does: "http://[user[:password]@]host[:port][/]",
// http:// assumed when no scheme is given ("proxy:3128"), port 80 when none.
// A proxy reached over TLS (https://) or another scheme (socks5://) is
// refused, as is a path, a query or a bad port. Errors are of kind config and
// name `source`; they quote the URL without its password.
Result<Proxy> parse_proxy_url(std::string_view url, std::string_view source);

// Whether NO_PROXY's comma-separated list exempts `host`, as Python's urllib
// reads it (what botocore uses): "*" exempts every host; an entry (its
// ":port" dropped, a leading '.' or none) exempts that host and the names
// under it; case does not matter.
bool no_proxy_exempts(std::string_view host, std::string_view no_proxy);

// The proxy settings of a run: which connections go through which proxy.
struct ProxySettings {
  std::optional<Proxy> https;  // for https:// endpoints (HTTPS_PROXY)
  std::string no_proxy;        // hosts reached directly (NO_PROXY)
  // The proxy a connection to `endpoint` goes through; nullopt: direct.
  // Plain-HTTP endpoints are always reached directly.
  std::optional<Proxy> for_endpoint(const Endpoint& endpoint) const;
};

// The CONNECT request asking `proxy` for a tunnel to `target`.
std::string connect_request(const Proxy& proxy, const Endpoint& target);

// What the proxy's reply to CONNECT (its header, through the blank line)
// says: nothing for a 2xx (the tunnel is open), else the error to report --
// kind config, not retried, for a refusal a setting must fix (407: the
// proxy wants credentials, or refused those given; 403: it does not allow
// the target), network and retried for a proxy that could not reach the
// target (502, 503, 504), protocol for a reply that is not HTTP.
std::optional<Error> connect_reply_problem(std::string_view head, const Proxy& proxy,
                                           const Endpoint& target);

}  // namespace s3loop::net
