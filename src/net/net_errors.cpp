#include "net_errors.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace s3loop::net {

namespace {

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::resolve:
      return "resolving";
    case Phase::connect:
      return "connecting to";
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

}  // namespace

bool is_stale_connection_error(const boost::system::error_code& ec) {
  namespace asio = boost::asio;
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == boost::beast::http::error::end_of_stream ||
         ec == asio::ssl::error::stream_truncated;
}

Error network_error(const boost::system::error_code& ec, Phase phase, const std::string& where,
                    const std::string& tls_detail) {
  Error e;
  e.retryable = true;
  const std::string context = std::string(phase_name(phase)) + " " + where;
  if (ec == boost::beast::error::timeout || ec == boost::asio::error::timed_out) {
    e.kind = ErrorKind::timeout;
    e.message = "timed out " + context;
  } else if (ec == boost::asio::error::operation_aborted) {
    e.kind = ErrorKind::cancelled;
    e.message = "cancelled while " + context;
    e.retryable = false;
  } else if (phase == Phase::handshake && !tls_detail.empty()) {
    e.kind = ErrorKind::tls;
    e.retryable = false;
    e.message = "TLS certificate of " + where + " not trusted (" + tls_detail +
                "): pass --ca-bundle FILE (or set AWS_CA_BUNDLE) with the CA that signed it";
  } else if (ec.category() == boost::asio::error::get_ssl_category() ||
             ec == boost::asio::ssl::error::stream_truncated) {
    e.kind = phase == Phase::handshake ? ErrorKind::tls : ErrorKind::network;
    e.message = context + " failed: TLS error: " + ec.message();
  } else if (is_stale_connection_error(ec)) {
    e.kind = ErrorKind::network;
    e.message = "connection closed by " + where + " while " + context;
  } else if (phase == Phase::resolve) {
    e.kind = ErrorKind::network;
    e.message = "cannot resolve " + where + ": " + ec.message() + " (check --endpoint-url)";
  } else if (phase == Phase::connect) {
    e.kind = ErrorKind::network;
    e.message = "cannot connect to " + where + ": " + ec.message() +
                " (is the endpoint up? check --endpoint-url)";
  } else {
    e.kind = ErrorKind::network;
    e.message = context + " failed: " + ec.message();
  }
  return e;
}

}  // namespace s3loop::net
