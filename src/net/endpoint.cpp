#include "s3loop/net/endpoint.hpp"

#include "port_number.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

namespace s3loop::net {

bool Endpoint::is_ip_literal() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

namespace {
std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}
}  // namespace

std::string Endpoint::authority() const {
  std::string out = bracketed(host);
  if (!default_port()) out += ":" + std::to_string(port);
  return out;
}

std::string Endpoint::host_port() const {
  return bracketed(host) + ":" + std::to_string(port);
}

namespace {
// What a URL copied with its surroundings may carry along.
constexpr std::string_view kBlanks = " \t\r\n";

// Where `url`'s authority ([user@]host[:port]) starts and ends, as typed.
// `scheme_end` is where "://" is in it (npos: none).
std::pair<std::size_t, std::size_t> authority_span(std::string_view url, std::size_t scheme_end) {
  const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  return {start, std::min(url.find_first_of("/?#", start), url.size())};
}

// `url` with any "user:password@" before its host written "***@": found by
// hand, since a URL that does not parse (a blank, a fragment) is quoted too.
std::string without_userinfo(std::string_view url, std::size_t scheme_end) {
  const auto [start, authority_end] = authority_span(url, scheme_end);
  const std::size_t at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(at));
}
}  // namespace

Result<Endpoint> parse_endpoint_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  // What the messages quote: never a password, whichever check fails.
  const std::string shown = without_userinfo(url, scheme_end);
  auto bad = [&](std::string_view why) {
    return make_error(ErrorKind::usage, "invalid endpoint URL '" + shown + "': " +
                                            std::string(why) + " (expected https://host[:port])");
  };
  // The host and port as typed: a '%' there (an encoded host, "%00" a NUL)
  // read as a path or a host of other bytes than written; a blank inside
  // read as "not an absolute URL".
  {
    const auto [start, end] = authority_span(url, scheme_end);
    const std::string_view authority =
        start < end ? url.substr(start, end - start) : std::string_view();
    if (authority.find('%') != std::string_view::npos &&
        authority.find('[') == std::string_view::npos) {
      return bad("a '%' in the host: write the host name as it is, not percent-encoded");
    }
    const std::string_view trimmed = url.substr(0, url.find_last_not_of(kBlanks) + 1);
    if (trimmed.find_first_of(kBlanks, trimmed.find_first_not_of(kBlanks)) !=
        std::string_view::npos) {
      return bad("a blank inside it (quote it without)");
    }
  }
  auto parsed = boost::urls::parse_absolute_uri(url);
  // "127.0.0.1:9443" is no URL at all ("localhost:9443" parses, with scheme
  // "localhost"): one that is with https:// in front lacks only that.
  const bool lacks_scheme = scheme_end == std::string_view::npos &&
                            boost::urls::parse_absolute_uri("https://" + std::string(url));
  if (!parsed && lacks_scheme) return bad("no scheme: write https://" + shown + " (or http://)");
  if (!parsed) {
    // The common reasons, named: a URL reference parses where an absolute
    // URL does not (a fragment), a blank copied along, an IPv6 zone.
    if (!url.empty() && (kBlanks.find(url.front()) != std::string_view::npos ||
                         kBlanks.find(url.back()) != std::string_view::npos)) {
      return bad("a blank at its start or end (quote it without)");
    }
    if (url.find('#') != std::string_view::npos) {
      return bad("a fragment ('#...') has no place in an endpoint URL");
    }
    if (url.find('[') != std::string_view::npos && url.find('%') != std::string_view::npos) {
      return bad("an IPv6 zone ('%...') is not taken: use the address alone");
    }
    return bad("not an absolute URL");
  }
  if (parsed->has_userinfo()) {
    return bad(
        "credentials do not belong in the endpoint URL (keys go in AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or a profile)");
  }
  Endpoint ep;
  std::string scheme(parsed->scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "https") {
    ep.tls = true;
  } else if (scheme == "http") {
    ep.tls = false;
  } else if (lacks_scheme) {
    return bad("no scheme: write https://" + shown + " (or http://)");
  } else {
    return bad("scheme must be https or http");
  }
  if (!parsed->has_authority() || parsed->encoded_host().empty()) {
    // "https://::1:9443": an IPv6 address without its brackets.
    const std::string_view after =
        scheme_end == std::string_view::npos ? std::string_view() : url.substr(scheme_end + 3);
    if (after.starts_with(':') && after.find(':', 1) != std::string_view::npos) {
      return bad("no host (an IPv6 address goes in brackets: https://[::1]:9443)");
    }
    return bad("no host");
  }
  // Boost.URL 1.81 ends a host name that starts with an IPv4 address at that
  // address ("127.0.0.1.nip.io:9443": host 127.0.0.1, path ".nip.io:9443"),
  // which RFC 3986 does not allow: a path after an authority starts with
  // '/'. Such a URL's host and port are read from its authority as typed.
  const bool host_cut = !parsed->encoded_path().empty() && parsed->encoded_path().front() != '/';
  std::optional<std::string_view> port_text;
  if (host_cut) {
    const auto [start, end] = authority_span(url, scheme_end);
    const std::string_view authority = url.substr(start, end - start);
    if (authority.starts_with('[')) {
      // An IPv6 address, which parsed: what follows its ']' is ":port" or nothing.
      const std::size_t close = authority.find(']');
      const std::string_view after =
          close == std::string_view::npos ? authority : authority.substr(close + 1);
      if (parsed->host_type() != boost::urls::host_type::ipv6 ||
          (!after.empty() && after.front() != ':')) {
        return bad("bad host '" + std::string(authority) +
                   "' (an IPv6 address in brackets, then :port or nothing)");
      }
      ep.host = parsed->host_ipv6_address().to_string();
      if (!after.empty()) port_text = after.substr(1);
    } else {
      const std::size_t colon = authority.rfind(':');
      const std::string_view host = authority.substr(0, colon);
      if (host.empty() || !std::all_of(host.begin(), host.end(), [](unsigned char c) {
            // '_' as in a host name that does not start with an address
            // (Docker service names: "minio_1"), which Boost.URL accepts.
            return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
          })) {
        return bad("bad host '" + std::string(host) + "' (letters, digits, '-', '_' and '.')");
      }
      ep.host = host;
      if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (const std::string_view rest = url.substr(end, url.find_first_of("?#", end) - end);
        !rest.empty() && rest != "/") {
      return bad("a path is not supported");
    }
  } else if (parsed->host_type() == boost::urls::host_type::ipv6) {
    ep.host = parsed->host_ipv6_address().to_string();
  } else {
    ep.host = parsed->host();
  }
  if (!host_cut && parsed->has_port()) port_text = parsed->port();
  std::transform(ep.host.begin(), ep.host.end(), ep.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (port_text) {
    const auto port = port_number(*port_text);
    if (!port) {
      return bad(port_text->empty() ? std::string("the port is not a number from 1 to 65535")
                                    : "bad port '" + std::string(*port_text) + "' (1 to 65535)");
    }
    ep.port = *port;
  } else {
    ep.port = ep.tls ? 443 : 80;
  }
  if (!host_cut && !parsed->encoded_path().empty() && parsed->encoded_path() != "/") {
    return bad("a path is not supported");
  }
  if (parsed->has_query() || parsed->has_fragment()) return bad("a query is not supported");
  return ep;
}

}  // namespace s3loop::net
