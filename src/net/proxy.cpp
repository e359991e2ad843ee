#include "s3loop/net/proxy.hpp"

#include "port_number.hpp"
#include "s3loop/one_line.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace s3loop::net {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

// Where the user and password end in `url` (after "://"): its last '@',
// whatever comes before it -- a password may hold '/', '#' or '@' as typed,
// and must not be shown for it. npos: none.
std::size_t userinfo_end(std::string_view url, std::size_t start) {
  const std::size_t at = url.rfind('@');
  return at == std::string_view::npos || at < start ? std::string_view::npos : at;
}

// Where the scheme's "://" is in `url`: npos when what comes before the
// first one is no scheme name (RFC 3986: a letter, then letters, digits, '+',
// '-' or '.') -- "user:pa://ss@host" has none, and its password is not one.
std::size_t scheme_end(std::string_view url) {
  const std::size_t end = url.find("://");
  if (end == std::string_view::npos || end == 0 ||
      std::isalpha(static_cast<unsigned char>(url[0])) == 0) {
    return std::string_view::npos;
  }
  const bool named =
      std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(end), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
      });
  return named ? end : std::string_view::npos;
}

// `url` with the password of any "user:password@" written "***": what
// messages quote, whichever check fails (found by hand: a URL that does not
// parse is quoted too).
std::string without_password(std::string_view url) {
  const std::size_t scheme = scheme_end(url);
  const std::size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const std::size_t at = userinfo_end(url, start);
  if (at == std::string_view::npos) return std::string(url);
  const std::size_t colon = url.substr(start, at - start).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start + colon + 1)) + "***" + std::string(url.substr(at));
}

// A status line as Python's http.client reads one (what botocore's proxy
// code meets): "HTTP/x.y", a three-digit status, an optional reason. Beast's
// parser wants the space before an empty reason and CRLF line ends, which
// small proxies leave out. nullopt: not such a line.
struct StatusLine {
  unsigned status = 0;
  std::string reason;
};
std::optional<StatusLine> read_status_line(std::string_view head) {
  std::string_view line = head.substr(0, head.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (!line.starts_with("HTTP/")) return std::nullopt;
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view rest = trimmed(line.substr(space + 1));
  const std::string_view digits = rest.substr(0, rest.find(' '));
  if (digits.size() != 3 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  StatusLine out;
  out.status = static_cast<unsigned>(std::stoul(std::string(digits)));
  out.reason = std::string(trimmed(rest.substr(digits.size())));
  return out;
}

std::string base64(std::string_view bytes) {
  std::vector<unsigned char> out(4 * ((bytes.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

// `typed` (a URL's user and password) with every byte a URL may not hold
// there percent-encoded (RFC 3986's userinfo: unreserved, sub-delims, ':'
// and %XX): a '%' that starts no %XX becomes "%25".
std::string userinfo_encoded(std::string_view typed) {
  constexpr std::string_view kAllowed =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:";
  auto hex_digit = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  for (std::size_t i = 0; i < typed.size(); ++i) {
    const char c = typed[i];
    const bool escape_start =
        c == '%' && i + 2 < typed.size() && hex_digit(typed[i + 1]) && hex_digit(typed[i + 2]);
    if (escape_start || kAllowed.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

// What to do about a 407: give credentials, or other ones.
std::string credentials_advice(const Proxy& proxy) {
  return proxy.credentials.empty()
             ? ": it wants a user and password: give them in " + proxy.source +
                   " (http://user:password@host:port)"
             : ": the user and password in " + proxy.source + " were not accepted";
}

}  // namespace

std::string Proxy::described() const {
  const Endpoint address{.tls = false, .host = host, .port = port};
  return "proxy " + address.host_port() + (source.empty() ? "" : " (" + source + ")");
}

Result<Proxy> parse_proxy_url(std::string_view url, std::string_view source) {
  std::string text(trimmed(url));
  // As botocore's _fix_proxy_url: an address without a scheme is http://.
  if (scheme_end(text) == std::string::npos) {
    text = (text.starts_with("//") ? "http:" : "http://") + text;
  }
  const std::string shown = one_line(without_password(text));
  const std::size_t authority_start = scheme_end(text) + 3;
  auto bad = [&](std::string_view why) {
    return make_error(ErrorKind::config, std::string(source) + " '" + shown +
                                             "' is no proxy s3loop can use: " + std::string(why) +
                                             " (expected http://[user:password@]host:port)");
  };
  // The user and password as typed, taken as botocore takes them (urllib's
  // urlparse, then unquote): an '@' in them as part of them (the host follows
  // the last one), a space or another character no URL holds there as
  // itself, a '%' without two hex digits after it as a '%'. Encoded here so
  // that the URL parses and decodes back to just that. A '/', '?' or '#'
  // would end the authority for any URL parser (botocore's too), so it has to
  // be percent-encoded by the user.
  if (const std::size_t at = userinfo_end(text, authority_start); at != std::string::npos) {
    if (text.find_first_of("/?#", authority_start) < at) {
      return bad("a '/', '?' or '#' in its user or password must be written %2F, %3F or %23");
    }
    const std::string_view typed =
        std::string_view(text).substr(authority_start, at - authority_start);
    text = text.substr(0, authority_start) + userinfo_encoded(typed) + text.substr(at);
  }
  // The port as typed (port_number.hpp): Boost.URL reads "p:12ab" as a host
  // and a path.
  std::optional<std::uint16_t> port;
  {
    const std::size_t end = std::min(text.find_first_of("/?#", authority_start), text.size());
    std::string_view authority =
        std::string_view(text).substr(authority_start, end - authority_start);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);
    }
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
      port = port_number(authority.substr(colon + 1));
      if (!port) return bad("the port is not a number from 1 to 65535");
    }
  }
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return bad("not a URL");
  const std::string scheme = lower(parsed->scheme());
  if (scheme == "https") {
    return bad("a proxy reached over TLS is not supported; give its http:// address");
  }
  if (scheme != "http") return bad("the scheme must be http");
  Proxy proxy;
  proxy.source = std::string(source);
  if (parsed->host_type() == boost::urls::host_type::ipv6) {
    proxy.host = parsed->host_ipv6_address().to_string();
  } else {
    proxy.host = lower(parsed->host());
    if (proxy.host.empty() || !std::all_of(proxy.host.begin(), proxy.host.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' ||
                 c == '_';
        })) {
      return bad(proxy.host.empty() ? "no host" : "bad host (letters, digits, '-', '_' and '.')");
    }
  }
  if (port) proxy.port = *port;
  if (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") {
    return bad("a path has no place in it");
  }
  if (parsed->has_query() || parsed->has_fragment()) return bad("a query has no place in it");
  // Decoded, as botocore unquotes them ("p%40ss" is the password "p@ss"),
  // and sent, as botocore sends them, only when both are there.
  if (const std::string user = parsed->user(), password = parsed->password();
      !user.empty() && !password.empty()) {
    proxy.credentials = user + ":" + password;
  }
  return proxy;
}

bool no_proxy_exempts(std::string_view authority, std::string_view no_proxy) {
  // urllib's proxy_bypass_environment, step by step.
  if (no_proxy == "*") return true;
  const std::string host = lower(authority);
  // Its port, when one follows the last ':' ("[::1]:9443"; "[::1]" has none).
  std::string host_only = host;
  if (const std::size_t colon = host.rfind(':');
      colon != std::string::npos && colon + 1 < host.size() &&
      std::all_of(host.begin() + static_cast<std::ptrdiff_t>(colon) + 1, host.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    host_only.resize(colon);
  }
  while (!no_proxy.empty()) {
    const std::size_t comma = no_proxy.find(',');
    std::string_view entry = trimmed(no_proxy.substr(0, comma));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    if (entry.empty()) continue;
    while (entry.starts_with('.')) entry.remove_prefix(1);
    const std::string name = lower(entry);
    if (host_only == name || host == name) return true;
    if (host_only.ends_with("." + name) || host.ends_with("." + name)) return true;
  }
  return false;
}

std::optional<ProxyVariable> read_proxy_variable(
    std::string_view lower_case_name, std::string_view upper_case_name,
    const std::function<std::optional<std::string>(std::string_view)>& env) {
  if (auto value = env(lower_case_name)) {
    if (value->empty()) return std::nullopt;
    return ProxyVariable{std::move(*value), std::string(lower_case_name)};
  }
  if (auto value = env(upper_case_name); value && !value->empty()) {
    return ProxyVariable{std::move(*value), std::string(upper_case_name)};
  }
  return std::nullopt;
}

std::optional<Proxy> ProxySettings::for_endpoint(const Endpoint& endpoint) const {
  const std::optional<Proxy>& proxy = endpoint.tls ? https : http;
  if (!proxy || no_proxy_exempts(endpoint.authority(), no_proxy)) return std::nullopt;
  return proxy;
}

std::optional<Error> ProxySettings::unusable_for(const Endpoint& endpoint) const {
  const std::optional<Error>& unusable = endpoint.tls ? https_unusable : http_unusable;
  if (!unusable || no_proxy_exempts(endpoint.authority(), no_proxy)) return std::nullopt;
  return unusable;
}

std::string absolute_form_target(std::string_view host, std::string_view origin_target) {
  return "http://" + std::string(host) + std::string(origin_target);
}

std::string proxy_authorization(const Proxy& proxy) {
  return proxy.credentials.empty() ? std::string() : "Basic " + base64(proxy.credentials);
}

std::string connect_request(const Proxy& proxy, const Endpoint& target) {
  const std::string where = target.host_port();
  std::string request = "CONNECT " + where + " HTTP/1.1\r\nHost: " + where + "\r\n";
  if (const std::string authorization = proxy_authorization(proxy); !authorization.empty()) {
    request += "Proxy-Authorization: " + authorization + "\r\n";
  }
  return request + "\r\n";
}

std::optional<Error> forwarded_reply_problem(unsigned status, const Proxy& proxy,
                                             std::string_view host) {
  if (status != 407) return std::nullopt;
  Error e;
  e.http_status = status;
  e.kind = ErrorKind::config;  // a setting must change: not retried
  e.message = proxy.described() + " refused to forward the request to " + std::string(host) +
              ": 407 Proxy Authentication Required" + credentials_advice(proxy);
  return e;
}

std::optional<Error> connect_reply_problem(std::string_view head, const Proxy& proxy,
                                           const Endpoint& target) {
  const auto line = read_status_line(head);
  if (!line) {
    return make_error(ErrorKind::protocol, proxy.described() +
                                               " answered CONNECT with what is not an HTTP reply: "
                                               "is it an HTTP proxy? check " +
                                               proxy.source);
  }
  const unsigned status = line->status;
  if (status >= 200 && status < 300) return std::nullopt;
  std::string reason = one_line(line->reason);
  if (reason.size() > 80) reason = reason.substr(0, 80) + "...";
  const std::string said = std::to_string(status) + (reason.empty() ? "" : " " + reason);
  const std::string refused =
      proxy.described() + " refused the tunnel to " + target.host_port() + ": " + said;
  Error e;
  e.http_status = status;
  e.kind = ErrorKind::config;  // a setting must change: not retried
  if (status == 407) {
    e.message = refused + credentials_advice(proxy);
  } else if (status == 403) {
    e.message = refused + ": it does not allow connections there (NO_PROXY=" + target.host +
                " connects directly)";
  } else if ((status >= 500 && status < 600) || status == 408 || status == 429) {
    // It failed, or is busy (408 Request Timeout, 429 Too Many Requests):
    // as botocore, which retries a proxy's refusal as a connection error.
    e.kind = ErrorKind::network;
    e.retryable = true;
    e.message =
        proxy.described() + " could not open a tunnel to " + target.host_port() + ": " + said;
  } else {
    e.message = refused + ": is it an HTTP proxy? check " + proxy.source;
  }
  return e;
}

}  // namespace s3loop::net
