// Turns Asio/Beast/OpenSSL error codes into s3loop::Error with a message a
// user can act on. Private to net.
#pragma once

#include "s3loop/error.hpp"

#include <boost/system/error_code.hpp>

#include <chrono>
#include <string>

namespace s3loop::net {

// (tunnel: asking an HTTP proxy for a CONNECT tunnel, after connecting to it.)
enum class Phase { resolve, connect, tunnel, handshake, write, read_header, read_body };

// What is known about a failure besides its error code.
struct FailureContext {
  std::string where;  // "host:port", or Proxy::described() while reaching a proxy
  // While resolving, connecting to or tunnelling through a proxy: the setting
  // that names it ("HTTPS_PROXY"), which the advice points to instead of
  // --endpoint-url.
  std::string proxy_source;
  // In the TLS handshake through a proxy's tunnel: Proxy::described(). What
  // fails there may be the proxy's doing (a tunnel to elsewhere than asked,
  // one it closed), so the message names it.
  std::string tunnel_through;
  // On the wire through a forwarding proxy (a plain-HTTP endpoint's
  // HTTP_PROXY): Proxy::described(). The bytes that come back are the
  // proxy's first: a reply that is no HTTP, or none, is its doing, and the
  // advice points to proxy_source.
  std::string forwarded_by;
  std::string tls_detail;  // OpenSSL's verify-result text when a certificate was rejected
  // The host, when the certificate is trusted but not valid for it.
  std::string tls_wrong_name;
  // A certificate of the chain is not valid yet or any more: its dates or
  // this machine's clock are wrong, not the CA bundle.
  bool tls_out_of_date = false;
  // The certificate itself is refused (is_unfit_certificate): another CA
  // bundle would not help.
  bool tls_cert_unfit = false;
  // What the request does ("ListObjectsV2 s3://b/"): a failure while the
  // request or its reply was on the wire starts with "<request> failed: ".
  std::string request;
  std::chrono::milliseconds deadline{0};  // the one that passed, for timeouts (0: unknown)
  bool plain_http = false;                // the endpoint URL is http://
  bool fresh_connection = false;          // opened for this request, not reused
  bool reply_started = false;             // a byte of the reply arrived
  unsigned reply_status = 0;              // the reply's status, once its header arrived
};

Error network_error(const boost::system::error_code& ec, Phase phase,
                    const FailureContext& context);

// An exchange (or its connect) the pool cut off because the run is stopping
// (Ctrl-C): "<request> failed: interrupted". Of kind cancelled: not retried,
// and no timeout (nor a flag to raise) is mentioned.
Error interrupted_error(Phase phase, const FailureContext& context);

// True for the errors a keep-alive connection shows when the server closed it
// while it sat idle: safe to resend on a fresh connection.
bool is_stale_connection_error(const boost::system::error_code& ec);

// Whether an X509_V_ERR_* verify result says the server's certificate is
// unfit whoever signed it: made for another purpose, or a key or signature
// too weak for OpenSSL's security level -- another CA bundle cannot help.
// (Other failures, CA-side ones included, keep the advice about the bundle.)
bool is_unfit_certificate(long verify_result);

// "10 s", "0.3 s": a deadline as the timeout flags take it.
std::string format_seconds(std::chrono::milliseconds duration);

}  // namespace s3loop::net
