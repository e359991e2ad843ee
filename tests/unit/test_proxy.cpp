// HTTPS_PROXY's pure parts: the URL read as botocore reads it, NO_PROXY as
// urllib reads it, the CONNECT request byte for byte, and what each reply to
// it means. (The tunnel itself is tested end to end: tests/e2e/test_proxy.py.)
#include "s3loop/net/proxy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace s3loop::net {
namespace {

Endpoint target(std::string host, std::uint16_t port) {
  Endpoint e;
  e.host = std::move(host);
  e.port = port;
  return e;
}

TEST(Proxy, UrlsAsBotocoreReadsThem) {
  auto plain = parse_proxy_url("http://Proxy.Example:3128", "HTTPS_PROXY");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->host, "proxy.example");
  EXPECT_EQ(plain->port, 3128);
  EXPECT_EQ(plain->credentials, "");
  EXPECT_EQ(plain->described(), "proxy proxy.example:3128 (HTTPS_PROXY)");

  // No scheme: http://; no port: 80; a trailing slash and blanks are nothing.
  auto bare = parse_proxy_url(" proxy:8080/ ", "https_proxy");
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->host, "proxy");
  EXPECT_EQ(bare->port, 8080);
  auto no_port = parse_proxy_url("//10.0.0.1", "HTTPS_PROXY");
  ASSERT_TRUE(no_port) << no_port.error().message;
  EXPECT_EQ(no_port->port, 80);

  // Credentials percent-decoded; an IPv6 address without its brackets.
  auto auth = parse_proxy_url("http://us%65r:p%40ss%3Aword@[::1]:3128", "HTTPS_PROXY");
  ASSERT_TRUE(auth) << auth.error().message;
  EXPECT_EQ(auth->credentials, "user:p@ss:word");
  EXPECT_EQ(auth->host, "::1");
  EXPECT_EQ(auth->described(), "proxy [::1]:3128 (HTTPS_PROXY)");
  // Sent only when both are there, as botocore does.
  for (const char* partial : {"http://user@p:1", "http://@p:1", "http://:pw@p:1"}) {
    auto r = parse_proxy_url(partial, "HTTPS_PROXY");
    ASSERT_TRUE(r) << partial;
    EXPECT_EQ(r->credentials, "") << partial;
  }
  // An '@' in the password as typed: the host follows the last one (urllib).
  auto at_sign = parse_proxy_url("http://user:p@ss@p:3128", "HTTPS_PROXY");
  ASSERT_TRUE(at_sign) << at_sign.error().message;
  EXPECT_EQ(at_sign->credentials, "user:p@ss");
  EXPECT_EQ(at_sign->host, "p");
  // No scheme, and "://" in the password: what comes before it is no scheme
  // name, so http:// is assumed (botocore's _fix_proxy_url), the password is
  // the password, and never shown (it was, as part of a "scheme").
  auto colon_slashes = parse_proxy_url("u:se://cret@p:3128", "HTTPS_PROXY");
  ASSERT_FALSE(colon_slashes);  // its '/' must be written %2F
  EXPECT_EQ(colon_slashes.error().message.find("cret"), std::string::npos)
      << colon_slashes.error().message;
  auto encoded = parse_proxy_url("u:se%3A%2F%2Fcret@p:3128", "HTTPS_PROXY");
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_EQ(encoded->credentials, "u:se://cret");
  // Characters no URL holds there, as typed, taken as themselves, as botocore
  // (urlparse, unquote) takes them; a '%' that starts no %XX too (a review's
  // finding: "not a URL").
  for (const auto& [typed, credentials] : std::vector<std::pair<std::string, std::string>>{
           {"http://us er:p ss@p:3128", "us er:p ss"},
           {"http://user:p%zz@p:3128", "user:p%zz"},
           {"http://user:100%@p:3128", "user:100%"},
           {"http://user:p%4@p:3128", "user:p%4"},
           {"http://user:\"<p|s^s>{}`\\@p:3128", "user:\"<p|s^s>{}`\\"},
           {"http://user:p%41ss@p:3128", "user:pAss"},
           {"http://us\xc3\xa9r:pw@p:3128", "us\xc3\xa9r:pw"}}) {
    auto r = parse_proxy_url(typed, "HTTPS_PROXY");
    ASSERT_TRUE(r) << typed << ": " << r.error().message;
    EXPECT_EQ(r->credentials, credentials) << typed;
    EXPECT_EQ(r->host, "p") << typed;
    EXPECT_EQ(r->port, 3128) << typed;
  }
}

TEST(Proxy, AUrlThatCannotBeUsedIsRefusedNamingItsVariableNeverItsPassword) {
  struct Case {
    const char* url;
    const char* why;
  };
  for (const Case& c : {
           Case{"https://user:secret@proxy:3128",
                "HTTPS_PROXY 'https://user:***@proxy:3128' is no proxy s3loop can use: a proxy "
                "reached over TLS is not supported; give its http:// address (expected "
                "http://[user:password@]host:port)"},
           Case{"socks5://p:1080", "the scheme must be http"},
           Case{"http://p:0", "the port is not a number from 1 to 65535"},
           Case{"http://p:65536", "the port is not a number from 1 to 65535"},
           Case{"http://p:12ab", "the port is not a number from 1 to 65535"},
           Case{"http://u:pw@p:", "the port is not a number from 1 to 65535"},
           Case{"http://p:3128/squid", "a path has no place in it"},
           Case{"http://p:3128/?x=1", "a query has no place in it"},
           Case{"http://:3128", "no host"},
           Case{"http://p%20q:3128", "bad host"},
           // A '/', '?' or '#' in the password as typed: named, the password masked.
           Case{"http://user:secret/x@p:3128",
                "HTTPS_PROXY 'http://user:***@p:3128' is no proxy s3loop can use: a '/', '?' or "
                "'#' in its user or password must be written %2F, %3F or %23"},
           Case{"http://user:se#cret@[::1:3128", "'http://user:***@[::1:3128'"},
       }) {
    auto r = parse_proxy_url(c.url, "HTTPS_PROXY");
    ASSERT_FALSE(r) << c.url;
    EXPECT_EQ(r.error().kind, ErrorKind::config) << c.url;
    EXPECT_NE(r.error().message.find(c.why), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("secret"), std::string::npos) << r.error().message;
  }
}

// Each case as Python 3.11's urllib.request.proxy_bypass_environment answers
// it for the netloc botocore passes (Endpoint::authority()).
TEST(Proxy, NoProxyExemptsAsUrllibReadsIt) {
  EXPECT_TRUE(no_proxy_exempts("127.0.0.1:9443", "localhost, 127.0.0.1"));
  EXPECT_TRUE(no_proxy_exempts("anything", "*"));
  EXPECT_FALSE(no_proxy_exempts("anything", "example.com, *"));  // "*" only as the whole list
  EXPECT_TRUE(no_proxy_exempts("s3.example.com", "example.com"));
  EXPECT_TRUE(no_proxy_exempts("s3.example.com:9000", "..example.com"));
  EXPECT_TRUE(no_proxy_exempts("S3.Example.com", "EXAMPLE.com"));
  // An entry with a port matches that port only; the default port is not in
  // the authority, so "host:443" matches no https:// endpoint on 443.
  EXPECT_TRUE(no_proxy_exempts("127.0.0.1:9443", "127.0.0.1:9443"));
  EXPECT_FALSE(no_proxy_exempts("127.0.0.1:9443", "127.0.0.1:9999"));
  EXPECT_FALSE(no_proxy_exempts("s3.example.com", "s3.example.com:443"));
  EXPECT_FALSE(no_proxy_exempts("s3.example.com", "ample.com"));  // a name, not letters
  EXPECT_FALSE(no_proxy_exempts("s3.example.com", "other.org,"));
  EXPECT_FALSE(no_proxy_exempts("h", ""));
  // IPv6: in brackets, as the netloc has it.
  EXPECT_TRUE(no_proxy_exempts("[::1]:9443", "[::1]"));
  EXPECT_TRUE(no_proxy_exempts("[::1]:9443", "[::1]:9443"));
  EXPECT_FALSE(no_proxy_exempts("[::1]:9443", "::1"));
  EXPECT_FALSE(no_proxy_exempts("10.0.0.5", "10.0.0.0/8"));  // no CIDR in urllib either
}

TEST(Proxy, VariablesAsUrllibReadsThem) {
  std::map<std::string, std::string> vars;
  auto env = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  EXPECT_FALSE(read_proxy_variable("https_proxy", "HTTPS_PROXY", env));
  vars["HTTPS_PROXY"] = "http://upper:1";
  EXPECT_EQ(read_proxy_variable("https_proxy", "HTTPS_PROXY", env)->name, "HTTPS_PROXY");
  vars["https_proxy"] = "http://lower:1";
  EXPECT_EQ(read_proxy_variable("https_proxy", "HTTPS_PROXY", env)->value, "http://lower:1");
  vars["https_proxy"] = "";  // set but empty: off, whatever HTTPS_PROXY says
  EXPECT_FALSE(read_proxy_variable("https_proxy", "HTTPS_PROXY", env));
  vars.erase("https_proxy");
  vars["HTTPS_PROXY"] = "";
  EXPECT_FALSE(read_proxy_variable("https_proxy", "HTTPS_PROXY", env));
}

TEST(Proxy, EachSchemeItsOwnProxyOutsideNoProxy) {
  ProxySettings settings;
  EXPECT_FALSE(settings.for_endpoint(target("s3.example.com", 443)));
  settings.https = *parse_proxy_url("http://p:3128", "HTTPS_PROXY");
  auto used = settings.for_endpoint(target("s3.example.com", 443));
  ASSERT_TRUE(used);
  EXPECT_EQ(used->host, "p");
  Endpoint plain = target("s3.example.com", 80);
  plain.tls = false;
  EXPECT_FALSE(settings.for_endpoint(plain));  // HTTPS_PROXY is not for http://
  settings.http = *parse_proxy_url("http://q:8080", "HTTP_PROXY");
  auto forwarding = settings.for_endpoint(plain);
  ASSERT_TRUE(forwarding);
  EXPECT_EQ(forwarding->host, "q");
  EXPECT_EQ(settings.for_endpoint(target("s3.example.com", 443))->host, "p");
  settings.https.reset();
  EXPECT_FALSE(settings.for_endpoint(target("s3.example.com", 443)));  // nor HTTP_PROXY for https
  settings.https = *parse_proxy_url("http://p:3128", "HTTPS_PROXY");
  settings.no_proxy = "example.com";
  EXPECT_FALSE(settings.for_endpoint(target("s3.example.com", 443)));
  EXPECT_FALSE(settings.for_endpoint(plain));
  EXPECT_TRUE(settings.for_endpoint(target("s3.other.org", 443)));
}

// A proxy URL s3loop cannot use, with NO_PROXY naming only the configured
// endpoint: the run starts, but another region's endpoint must not go
// around the proxy (it was reached directly; botocore fails there).
TEST(Proxy, AnEndpointThatWouldGoThroughAnUnusableProxyIsRefused) {
  ProxySettings settings;
  settings.https_unusable = make_error(ErrorKind::config, "HTTPS_PROXY 'socks5://p' is no proxy");
  settings.no_proxy = "s3.us-east-1.amazonaws.com";
  EXPECT_FALSE(settings.unusable_for(target("s3.us-east-1.amazonaws.com", 443)));
  auto other = settings.unusable_for(target("s3.eu-west-1.amazonaws.com", 443));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->message, "HTTPS_PROXY 'socks5://p' is no proxy");
  EXPECT_FALSE(settings.for_endpoint(target("s3.eu-west-1.amazonaws.com", 443)));
  Endpoint plain = target("s3.eu-west-1.amazonaws.com", 80);
  plain.tls = false;
  EXPECT_FALSE(settings.unusable_for(plain));  // not HTTPS_PROXY's
  settings.http_unusable = make_error(ErrorKind::config, "HTTP_PROXY 'socks5://q' is no proxy");
  ASSERT_TRUE(settings.unusable_for(plain));
  EXPECT_EQ(settings.unusable_for(plain)->message, "HTTP_PROXY 'socks5://q' is no proxy");
}

TEST(Proxy, AForwardedRequestNamesItsUrlWholeAndCarriesTheCredentials) {
  EXPECT_EQ(absolute_form_target("127.0.0.1:9480", "/bucket/a%20b?uploads"),
            "http://127.0.0.1:9480/bucket/a%20b?uploads");
  EXPECT_EQ(absolute_form_target("bucket.s3.example.com", "/key"),
            "http://bucket.s3.example.com/key");
  EXPECT_EQ(absolute_form_target("[::1]:9480", "/"), "http://[::1]:9480/");
  EXPECT_EQ(proxy_authorization(*parse_proxy_url("http://p:3128", "HTTP_PROXY")), "");
  EXPECT_EQ(proxy_authorization(*parse_proxy_url("http://Aladdin:open%20sesame@p", "HTTP_PROXY")),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST(Proxy, OnlyA407ToAForwardedRequestIsTheProxys) {
  const Proxy anonymous = *parse_proxy_url("http://p:3128", "HTTP_PROXY");
  const Proxy with_user = *parse_proxy_url("http://u:pw@p:3128", "http_proxy");
  for (unsigned status : {200u, 206u, 301u, 400u, 403u, 404u, 500u, 502u, 503u, 504u}) {
    EXPECT_FALSE(forwarded_reply_problem(status, anonymous, "s3.example.com")) << status;
  }
  auto wants = forwarded_reply_problem(407, anonymous, "s3.example.com:9000");
  ASSERT_TRUE(wants);
  EXPECT_EQ(wants->kind, ErrorKind::config);
  EXPECT_FALSE(wants->retryable);
  EXPECT_EQ(wants->http_status, 407u);
  EXPECT_EQ(wants->message,
            "proxy p:3128 (HTTP_PROXY) refused to forward the request to s3.example.com:9000: 407 "
            "Proxy Authentication Required: it wants a user and password: give them in "
            "HTTP_PROXY (http://user:password@host:port)");
  auto refused = forwarded_reply_problem(407, with_user, "h");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->message,
            "proxy p:3128 (http_proxy) refused to forward the request to h: 407 Proxy "
            "Authentication Required: the user and password in http_proxy were not accepted");
  EXPECT_EQ(refused->message.find("pw"), std::string::npos);
}

TEST(Proxy, TheConnectRequestByteForByte) {
  const Proxy anonymous = *parse_proxy_url("http://p:3128", "HTTPS_PROXY");
  EXPECT_EQ(connect_request(anonymous, target("s3.example.com", 443)),
            "CONNECT s3.example.com:443 HTTP/1.1\r\nHost: s3.example.com:443\r\n\r\n");
  // RFC 7617's own example: Aladdin / open sesame.
  const Proxy with_user = *parse_proxy_url("http://Aladdin:open%20sesame@p:3128", "HTTPS_PROXY");
  EXPECT_EQ(connect_request(with_user, target("::1", 9443)),
            "CONNECT [::1]:9443 HTTP/1.1\r\nHost: [::1]:9443\r\n"
            "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n");
}

TEST(Proxy, WhatEachReplyToConnectMeans) {
  const Proxy anonymous = *parse_proxy_url("http://p:3128", "HTTPS_PROXY");
  const Proxy with_user = *parse_proxy_url("http://u:pw@p:3128", "HTTPS_PROXY");
  const Endpoint s3 = target("s3.example.com", 443);
  EXPECT_FALSE(connect_reply_problem("HTTP/1.1 200 Connection established\r\n\r\n", anonymous, s3));
  EXPECT_FALSE(connect_reply_problem("HTTP/1.0 200 OK\r\nProxy-Agent: x\r\n\r\n", anonymous, s3));

  auto wants = connect_reply_problem(
      "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n", anonymous,
      s3);
  ASSERT_TRUE(wants);
  EXPECT_EQ(wants->kind, ErrorKind::config);
  EXPECT_FALSE(wants->retryable);
  EXPECT_EQ(wants->http_status, 407u);
  EXPECT_EQ(wants->message,
            "proxy p:3128 (HTTPS_PROXY) refused the tunnel to s3.example.com:443: 407 Proxy "
            "Authentication Required: it wants a user and password: give them in HTTPS_PROXY "
            "(http://user:password@host:port)");
  auto refused = connect_reply_problem("HTTP/1.1 407 Nope\r\n\r\n", with_user, s3);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->message,
            "proxy p:3128 (HTTPS_PROXY) refused the tunnel to s3.example.com:443: 407 Nope: the "
            "user and password in HTTPS_PROXY were not accepted");

  auto forbidden = connect_reply_problem("HTTP/1.1 403 Forbidden\r\n\r\n", anonymous, s3);
  ASSERT_TRUE(forbidden);
  EXPECT_EQ(forbidden->kind, ErrorKind::config);
  EXPECT_EQ(forbidden->message,
            "proxy p:3128 (HTTPS_PROXY) refused the tunnel to s3.example.com:443: 403 Forbidden: "
            "it does not allow connections there (NO_PROXY=s3.example.com connects directly)");

  // Failed, or busy (a review's finding: a 429 stopped the whole job).
  for (const char* status : {"502 Bad Gateway", "503 Service Unavailable", "504 Gateway Timeout",
                             "408 Request Timeout", "429 Too Many Requests"}) {
    auto failed =
        connect_reply_problem(std::string("HTTP/1.1 ") + status + "\r\n\r\n", anonymous, s3);
    ASSERT_TRUE(failed) << status;
    EXPECT_EQ(failed->kind, ErrorKind::network);
    EXPECT_TRUE(failed->retryable) << status;
    EXPECT_EQ(failed->message, std::string("proxy p:3128 (HTTPS_PROXY) could not open a tunnel "
                                           "to s3.example.com:443: ") +
                                   status);
  }
  auto other = connect_reply_problem("HTTP/1.1 405 Method Not Allowed\r\n\r\n", anonymous, s3);
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->retryable);
  EXPECT_EQ(other->kind, ErrorKind::config);
  EXPECT_EQ(other->message,
            "proxy p:3128 (HTTPS_PROXY) refused the tunnel to s3.example.com:443: 405 Method Not "
            "Allowed: is it an HTTP proxy? check HTTPS_PROXY");
  auto failed_itself = connect_reply_problem("HTTP/1.1 500 Oops\r\n\r\n", anonymous, s3);
  ASSERT_TRUE(failed_itself);
  EXPECT_TRUE(failed_itself->retryable);

  // As Python's http.client reads a status line: no reason, bare LF line ends.
  EXPECT_FALSE(connect_reply_problem("HTTP/1.1 200\r\n\r\n", anonymous, s3));
  EXPECT_FALSE(connect_reply_problem("HTTP/1.0 200 Connection established\n\n", anonymous, s3));
  auto bare = connect_reply_problem("HTTP/1.1 407\n\n", anonymous, s3);
  ASSERT_TRUE(bare);
  EXPECT_NE(bare->message.find(": 407: it wants a user and password"), std::string::npos)
      << bare->message;

  // The proxy's words are escaped and cut: one line, bounded.
  auto odd = connect_reply_problem("HTTP/1.1 400 a\x1b[2J" + std::string(200, 'x') + "\r\n\r\n",
                                   anonymous, s3);
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->message.find('\x1b'), std::string::npos);
  EXPECT_LT(odd->message.size(), 250u);

  for (const char* not_http : {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "\x16\x03\x01\x02\x00\r\n\r\n"}) {
    auto r = connect_reply_problem(not_http, anonymous, s3);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->kind, ErrorKind::protocol);
    EXPECT_NE(r->message.find("proxy p:3128 (HTTPS_PROXY) answered CONNECT with what is not an "
                              "HTTP reply"),
              std::string::npos)
        << r->message;
  }
}

}  // namespace
}  // namespace s3loop::net
