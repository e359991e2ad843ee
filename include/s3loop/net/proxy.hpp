// An HTTP proxy that connections go through, as aws cli (botocore, urllib3)
// goes through one: to an https:// endpoint through HTTPS_PROXY, a CONNECT
// tunnel to the endpoint and TLS with the endpoint itself inside it -- the
// proxy sees where, never what; to a plain-HTTP endpoint through HTTP_PROXY,
// every request sent to the proxy, which forwards it -- the URL whole in the
// request line. Pure: the CONNECT request, the reading of its reply and what
// a forwarded request adds are bytes in, bytes out; the pool moves them.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/net/endpoint.hpp"

#include <cstdint>
#include <functional>
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
// http:// assumed when no scheme is given ("proxy:3128"), port 80 when none;
// credentials are used only when both user and password are given (an '@'
// in them may stand as it is: the host follows the last one). A proxy
// reached over TLS (https://) or another scheme (socks5://) is refused, as is
// a path, a query or a bad port. Errors are of kind config and name `source`;
// they quote the URL without its password.
Result<Proxy> parse_proxy_url(std::string_view url, std::string_view source);

// Whether NO_PROXY's comma-separated list exempts the endpoint at
// `authority` (Endpoint::authority(): "host[:port]", the port only when it is
// not the scheme's, IPv6 in brackets -- the URL's netloc botocore passes), as
// Python's urllib reads it: the whole list "*" exempts every host; an entry
// (leading dots dropped, case aside) exempts a host or host:port equal to it
// and the names under it. So "example.com" exempts s3.example.com:9000, and
// "127.0.0.1:9999" does not exempt 127.0.0.1:9443.
bool no_proxy_exempts(std::string_view authority, std::string_view no_proxy);

// A proxy variable as urllib (so botocore) reads it: its lower-case spelling
// when set -- set but empty, it turns the setting off -- else its upper-case
// one when not empty. nullopt: not set.
struct ProxyVariable {
  std::string value;
  std::string name;  // the spelling it came from, for messages
};
std::optional<ProxyVariable> read_proxy_variable(
    std::string_view lower_case_name, std::string_view upper_case_name,
    const std::function<std::optional<std::string>(std::string_view)>& env);

// The proxy settings of a run: which connections go through which proxy.
struct ProxySettings {
  std::optional<Proxy> https;  // for https:// endpoints (HTTPS_PROXY): tunnels
  std::optional<Proxy> http;   // for plain-HTTP endpoints (HTTP_PROXY): forwarding
  std::string no_proxy;        // hosts reached directly (NO_PROXY)
  // A proxy URL set for the scheme that s3loop cannot use (parse_proxy_url's
  // error): a run whose configured endpoint does not go through it may
  // start, but no other endpoint it reaches may go around it.
  std::optional<Error> https_unusable;
  std::optional<Error> http_unusable;
  // The proxy a connection to `endpoint` goes through: `https` for an
  // https:// endpoint, `http` for a plain-HTTP one; nullopt: direct.
  std::optional<Proxy> for_endpoint(const Endpoint& endpoint) const;
  // The error of a connection to `endpoint` that would go through a proxy
  // s3loop cannot use (another region's AWS endpoint, NO_PROXY naming only
  // the configured one): botocore fails there too. nullopt: none.
  std::optional<Error> unusable_for(const Endpoint& endpoint) const;
};

// A request a forwarding proxy is to pass on names its server in the request
// line (RFC 9112 3.2.2, absolute-form): "http://" + the Host header's value
// + the origin-form target ("/bucket/key?query"). The proxy reaches the host
// it names there; the Host header goes on as it was, so the signature, which
// covers it, still verifies.
std::string absolute_form_target(std::string_view host, std::string_view origin_target);

// The Proxy-Authorization header's value for the proxy's credentials
// ("Basic dXNlcjpwYXNz"); empty when it has none.
std::string proxy_authorization(const Proxy& proxy);

// What a reply to a request forwarded through `proxy` says of the proxy
// rather than of the server: a 407 (no S3 server sends one) is the proxy
// wanting credentials, or refusing those given -- kind config, not retried,
// naming the setting to change. nullopt for every other status: the server's
// reply, or one a proxy sends in its place (502, 504) that is retried as a
// server's would be.
std::optional<Error> forwarded_reply_problem(unsigned status, const Proxy& proxy,
                                             std::string_view host);

// The CONNECT request asking `proxy` for a tunnel to `target`.
std::string connect_request(const Proxy& proxy, const Endpoint& target);

// What the proxy's reply to CONNECT (its header, through the blank line)
// says: nothing for a 2xx (the tunnel is open), else the error to report --
// network and retried for a 5xx (the proxy could not reach the target, or
// failed itself), a 408 or a 429 (it is busy), kind config and not retried
// for any other, which stops the whole job (407: the proxy
// wants credentials, or refused those given; 403: it does not allow the
// target; others: it is likely no proxy), protocol for a reply that is not
// HTTP.
std::optional<Error> connect_reply_problem(std::string_view head, const Proxy& proxy,
                                           const Endpoint& target);

}  // namespace s3loop::net
