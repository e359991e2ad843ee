#include "net_errors.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace s3loop::net {

namespace {

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::resolve:
      return "resolving";
    case Phase::connect:
      return "connecting to";
    case Phase::tunnel:
      return "asking for a tunnel through";
    case Phase::handshake:
      return "TLS handshake with";
    case Phase::write:
      return "sending request to";
    case Phase::read_header:
      return "waiting for reply from";
    case Phase::read_body:
      return "reading reply body from";
  }
  return "talking to";
}

// How far the exchange got, for "connection closed by host:port ...": the
// host is named once.
const char* closed_while(Phase phase) {
  switch (phase) {
    case Phase::resolve:
    case Phase::connect:
      return "while connecting";
    case Phase::tunnel:
      return "while asking for a tunnel";
    case Phase::handshake:
      return "during the TLS handshake";
    case Phase::write:
      return "while sending the request";
    case Phase::read_header:
      return "while waiting for the reply";
    case Phase::read_body:
      return "while reading the reply body";
  }
  return "";
}

bool request_on_the_wire(Phase phase) {
  return phase == Phase::write || phase == Phase::read_header || phase == Phase::read_body;
}

// What the deadline that passed was and which flag sets it.
std::string timeout_message(Phase phase, const std::string& context,
                            const FailureContext& failure) {
  const std::chrono::milliseconds deadline = failure.deadline;
  const bool known = deadline.count() > 0;
  switch (phase) {
    case Phase::resolve:
    case Phase::connect:
    case Phase::tunnel:
    case Phase::handshake:
      return context + " timed out" + (known ? " after " + format_seconds(deadline) : "") +
             (failure.proxy_source.empty()
                  ? " (check --endpoint-url, or raise --connect-timeout if the server is slow)"
                  : " (check " + failure.proxy_source +
                        ", or raise --connect-timeout if the proxy is slow)");
    case Phase::read_header:
      return context + " timed out" + (known ? " after " + format_seconds(deadline) : "") +
             " (raise --read-timeout if the server is slow)";
    case Phase::read_body:
      return context + " timed out" + (known ? ": no data for " + format_seconds(deadline) : "") +
             " (raise --read-timeout if the server is slow)";
    case Phase::write:
      return context + " timed out" +
             (known ? ": the server took no data for " + format_seconds(deadline) : "");
  }
  return context + " timed out";
}

// The SSL_R_* reason of an error from OpenSSL's SSL library, 0 for any other.
int ssl_library_reason(const boost::system::error_code& ec) {
  if (ec.category() != boost::asio::error::get_ssl_category()) return 0;
  const auto code = static_cast<unsigned long>(static_cast<unsigned int>(ec.value()));
  return ERR_GET_LIB(code) == ERR_LIB_SSL ? ERR_GET_REASON(code) : 0;
}

// OpenSSL read a first record whose header no TLS server sends: the peer
// speaks something else (plain HTTP, an SSH or SMTP banner), and another
// attempt gets the same. A version byte that is not 3 is "wrong version
// number"; a header whose length field is more than a TLS record can hold
// (the version happened to look right) is "packet length too long" or
// "encrypted length too long". Not "record layer failure" (OpenSSL 3.2+):
// that is the generic wrapper queued after the specific reason, also for a
// corrupted record from a real TLS server, and TlsStream reports the first
// (specific) reason of the queue.
bool is_not_tls_reply(const boost::system::error_code& ec) {
  switch (ssl_library_reason(ec)) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
      return true;
    default:
      return false;
  }
}

// What a TLS refusal that every attempt meets alike means for the user, or
// nullptr: the server's alert that no protocol version is shared, or that it
// wants a client certificate (TLS 1.3 sends that one after the handshake,
// with the first reply).
const char* tls_refusal_advice(const boost::system::error_code& ec) {
  switch (ssl_library_reason(ec)) {
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
      return "the server and s3loop share no TLS version (s3loop speaks TLS 1.2 and 1.3): the "
             "server needs updating";
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return "the server asks for a client certificate, which s3loop cannot present";
    default:
      return nullptr;
  }
}

}  // namespace

std::string format_seconds(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  std::string out = std::to_string(ms / 1000);
  if (const auto frac = ms % 1000; frac != 0) {
    std::string digits = std::to_string(1000 + frac).substr(1);  // "050" for 50 ms
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + " s";
}

bool is_unfit_certificate(long verify_result) {
  switch (verify_result) {
    case X509_V_ERR_INVALID_PURPOSE:  // e.g. made for client authentication only
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK:  // the signature on it (SHA-1, say)
      return true;
    default:
      return false;
  }
}

bool is_stale_connection_error(const boost::system::error_code& ec) {
  namespace asio = boost::asio;
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == boost::beast::http::error::end_of_stream ||
         ec == asio::ssl::error::stream_truncated;
}

// A request the server read whole, whose reply is not (all) in: it may
// have been carried out. Not one cut off while being written: a request the
// server has not read whole is not acted on. Nor the body of an error reply
// cut off: the server refused it.
bool outcome_unknown(Phase phase, const FailureContext& failure) {
  return phase == Phase::read_header || (phase == Phase::read_body && failure.reply_status < 300);
}

Error interrupted_error(Phase phase, const FailureContext& failure) {
  Error e;
  e.kind = ErrorKind::cancelled;
  e.retryable = false;
  // Ctrl-C while waiting for the reply does not undo the request (a
  // CreateMultipartUpload may have opened an upload): the caller is told.
  e.sent_unanswered = outcome_unknown(phase, failure);
  if (!failure.request.empty() && request_on_the_wire(phase)) {
    e.message = failure.request + " failed: interrupted";
  } else {
    e.message = std::string(phase_name(phase)) + " " + failure.where + " failed: interrupted";
  }
  return e;
}

Error network_error(const boost::system::error_code& ec, Phase phase,
                    const FailureContext& failure) {
  const std::string& where = failure.where;
  Error e;
  e.retryable = true;
  e.sent_unanswered = outcome_unknown(phase, failure);
  const std::string context = std::string(phase_name(phase)) + " " + where;
  const bool prefixed = !failure.request.empty() && request_on_the_wire(phase);
  // "failed" is said once: by the prefix when there is one.
  const std::string failed = prefixed ? ": " : " failed: ";
  if (ec == boost::beast::error::timeout || ec == boost::asio::error::timed_out) {
    e.kind = ErrorKind::timeout;
    e.message = timeout_message(phase, context, failure);
  } else if (ec == boost::asio::error::operation_aborted) {
    e.kind = ErrorKind::cancelled;
    e.message = "cancelled while " + context;
    e.retryable = false;
    return e;  // nobody is told about a stop they asked for
  } else if (phase == Phase::handshake && !failure.tls_detail.empty()) {
    e.kind = ErrorKind::tls;
    e.retryable = false;
    if (failure.tls_out_of_date) {
      // Another CA would not help either: a date is what is wrong.
      e.message = "TLS certificate of " + where + " not accepted (" + failure.tls_detail +
                  "): check the server certificate's dates and this machine's clock";
    } else if (failure.tls_cert_unfit) {
      // Trust is not what failed: another CA would not help.
      e.message = "TLS certificate of " + where + " not accepted (" + failure.tls_detail +
                  "): the certificate is refused for itself, whoever signed it: the server needs "
                  "one made for TLS server authentication, with a key and signature OpenSSL "
                  "accepts";
    } else if (failure.tls_wrong_name.empty()) {
      e.message = "TLS certificate of " + where + " not trusted (" + failure.tls_detail +
                  "): pass --ca-bundle FILE (or set AWS_CA_BUNDLE) with the CA that signed it";
    } else {
      // Another CA would not help: the name is what is wrong.
      e.message = "TLS certificate of " + where + " is not valid for " + failure.tls_wrong_name +
                  " (" + failure.tls_detail +
                  "): check the host in --endpoint-url (or use --addressing-style path if the "
                  "bucket is in the host name)";
    }
  } else if (phase == Phase::handshake && is_not_tls_reply(ec)) {
    e.kind = ErrorKind::tls;
    e.retryable = false;
    // Through a tunnel, not the advice to drop TLS: the proxy may have
    // connected it elsewhere than asked.
    e.message = context + " failed: TLS error: " + ec.message() +
                (failure.tunnel_through.empty()
                     ? ": the reply was not TLS, the endpoint is no TLS server (if it speaks plain "
                       "HTTP, use http:// in --endpoint-url; otherwise check the port)"
                     : ": the reply through " + failure.tunnel_through +
                           " was not TLS (check the port in --endpoint-url, and the proxy)");
  } else if (ec == boost::beast::http::error::buffer_overflow) {
    // A line without end: Connection::kMaxUnparsed.
    e.kind = ErrorKind::protocol;
    e.message = context + failed +
                "the reply has a line longer than 256 KiB (a header or chunk size line that "
                "does not end): no S3 server sends that";
  } else if (phase == Phase::read_header && ec == boost::beast::http::error::bad_status) {
    e.kind = ErrorKind::protocol;
    e.message = context + failed +
                "no final reply (a status line that is not HTTP's, or more than 32 interim 1xx "
                "replies)";
  } else if (phase == Phase::read_header && failure.fresh_connection &&
             ec == boost::beast::http::error::bad_version) {
    // The first bytes on a new connection are not "HTTP/1.x": an SSH or SMTP
    // greeting, say. Every attempt gets the same.
    e.kind = ErrorKind::protocol;
    e.retryable = false;
    e.not_s3_endpoint = true;
    e.message = context + failed + "the reply was not HTTP (" + ec.message() +
                "): " + (failure.forwarded_by.empty() ? where : failure.forwarded_by) +
                " does not speak HTTP (check the port in " +
                (failure.forwarded_by.empty() ? "--endpoint-url" : failure.proxy_source) + ")";
  } else if (const char* advice = tls_refusal_advice(ec)) {
    e.kind = ErrorKind::tls;
    e.retryable = false;  // the same answer every time
    // The server refused the session, not the request: nothing was carried
    // out (TLS 1.3's certificate_required comes with the first reply).
    e.sent_unanswered = false;
    e.message = context + failed + "TLS error: " + ec.message() + ": " + advice;
  } else if (ec.category() == boost::asio::error::get_ssl_category() ||
             (ec == boost::asio::ssl::error::stream_truncated && phase == Phase::handshake)) {
    // (A TLS server that closes after the handshake without close_notify
    // closed the connection: said so below, not "TLS error: stream truncated".)
    e.kind = phase == Phase::handshake ? ErrorKind::tls : ErrorKind::network;
    e.message = context + failed + "TLS error: " + ec.message();
  } else if (is_stale_connection_error(ec)) {
    e.kind = ErrorKind::network;
    e.message = "connection closed by " + where + " " + closed_while(phase);
    // A TLS server drops a plain-HTTP request it cannot read without a word.
    if (failure.plain_http && failure.fresh_connection && !failure.reply_started &&
        (phase == Phase::write || phase == Phase::read_header)) {
      // Through a forwarding proxy, the connection closed is the proxy's.
      e.message += failure.forwarded_by.empty()
                       ? " (if the endpoint speaks HTTPS, use https:// in --endpoint-url)"
                       : " (is it an HTTP proxy? check " + failure.proxy_source + ")";
    }
  } else if (ec == boost::beast::http::error::partial_message) {
    // Beast's word for a reply whose connection closed part way (its
    // "partial message" told nothing, a review).
    e.kind = ErrorKind::network;
    e.message = "connection closed by " + where + " " + closed_while(phase) + ", part way";
  } else if (phase == Phase::resolve) {
    e.kind = ErrorKind::network;
    e.message = "cannot resolve " + where + ": " + ec.message() + " (check " +
                (failure.proxy_source.empty() ? "--endpoint-url" : failure.proxy_source) + ")";
  } else if (phase == Phase::connect &&
             (ec == boost::asio::error::no_descriptors ||
              ec == boost::system::errc::too_many_files_open_in_system)) {
    // Local, not the endpoint's fault; retried, as connections may close meanwhile.
    e.kind = ErrorKind::network;
    e.message =
        "cannot open a socket to " + where + ": " + ec.message() +
        " (too many files open at once: lower the concurrency -- --concurrency, --threads or "
        "--list-concurrency -- or raise the open-file limit: ulimit -n)";
  } else if (phase == Phase::connect) {
    e.kind = ErrorKind::network;
    e.message =
        "cannot connect to " + where + ": " + ec.message() +
        (failure.proxy_source.empty() ? " (is the endpoint up? check --endpoint-url)"
                                      : " (is the proxy up? check " + failure.proxy_source + ")");
  } else {
    e.kind = ErrorKind::network;
    e.message = context + failed + ec.message();
  }
  if (prefixed) {
    e.message = failure.request + " failed: " + e.message;
  }
  if (phase == Phase::handshake && !failure.tunnel_through.empty() &&
      e.message.find(failure.tunnel_through) == std::string::npos) {
    e.message += " (through " + failure.tunnel_through + ")";
  }
  return e;
}

}  // namespace s3loop::net
