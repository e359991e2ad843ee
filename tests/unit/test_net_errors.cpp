// The messages network_error builds: one line naming the problem and what to
// do, the host said once, the failed request named, deterministic TLS
// failures not retried.
#include "net/net_errors.hpp"

#include "s3loop/s3/retry.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <string>
#include <vector>

namespace s3loop::net {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

FailureContext at(std::string where) {
  FailureContext context;
  context.where = std::move(where);
  return context;
}

boost::system::error_code ssl_reason(int reason) {
  return {static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)), asio::error::get_ssl_category()};
}

constexpr const char* kNotTlsHint =
    ": the reply was not TLS, the endpoint is no TLS server (if it speaks plain HTTP, use "
    "http:// in --endpoint-url; otherwise check the port)";

TEST(NetErrors, HttpsToAPlainHttpPortSaysUseHttpAndIsNotRetried) {
  // The reason strings, as a TLS context loads them.
  OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, nullptr);
  const Error e =
      network_error(ssl_reason(SSL_R_WRONG_VERSION_NUMBER), Phase::handshake, at("127.0.0.1:9480"));
  EXPECT_EQ(e.kind, ErrorKind::tls);
  EXPECT_FALSE(e.retryable);
  EXPECT_FALSE(s3::is_retryable(e));
  EXPECT_EQ(e.message.rfind("TLS handshake with 127.0.0.1:9480 failed: TLS error: wrong version "
                            "number",
                            0),
            0u)
      << e.message;
  EXPECT_NE(e.message.find(kNotTlsHint), std::string::npos) << e.message;
  EXPECT_EQ(count(e.message, "127.0.0.1:9480"), 1u) << e.message;
}

// A chunked reply whose connection closed part way: Beast says "partial message".
TEST(NetErrors, AReplyCutOffPartWayIsAClosedConnectionAndRetryable) {
  FailureContext context = at("127.0.0.1:9480");
  context.request = "GetObject s3://b/k";
  const Error e =
      network_error(boost::beast::http::error::partial_message, Phase::read_body, context);
  EXPECT_EQ(e.kind, ErrorKind::network);
  EXPECT_TRUE(s3::is_retryable(e));
  EXPECT_EQ(e.message,
            "GetObject s3://b/k failed: connection closed by 127.0.0.1:9480 while reading the "
            "reply body, part way");
}

// A peer that is no TLS server at all (an SSH banner, an SMTP greeting, bytes
// whose second one happens to be 3) answers the same to every attempt.
TEST(NetErrors, EveryHandshakeReplyThatIsNoTlsIsNotRetried) {
  OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, nullptr);
  for (const int reason : {SSL_R_WRONG_VERSION_NUMBER, SSL_R_PACKET_LENGTH_TOO_LONG,
                           SSL_R_ENCRYPTED_LENGTH_TOO_LONG}) {
    const Error e = network_error(ssl_reason(reason), Phase::handshake, at("127.0.0.1:22"));
    EXPECT_EQ(e.kind, ErrorKind::tls) << reason;
    EXPECT_FALSE(s3::is_retryable(e)) << e.message;
    EXPECT_NE(e.message.find(kNotTlsHint), std::string::npos) << e.message;
  }
  // "packet length too long" is what OpenSSL says, and the line keeps it.
  EXPECT_NE(network_error(ssl_reason(SSL_R_PACKET_LENGTH_TOO_LONG), Phase::handshake, at("h:1"))
                .message.find("packet length too long"),
            std::string::npos);
}

// Plain HTTP to a port where something else answers (an SSH banner): the
// status line is no HTTP version, on every attempt alike.
TEST(NetErrors, AReplyThatIsNoHttpOnANewConnectionIsNotRetried) {
  FailureContext context = at("127.0.0.1:22");
  context.request = "ListObjectsV2 s3://b/";
  context.fresh_connection = true;
  const Error e =
      network_error(boost::beast::http::error::bad_version, Phase::read_header, context);
  EXPECT_FALSE(e.retryable);
  EXPECT_FALSE(s3::is_retryable(e));
  EXPECT_TRUE(e.not_s3_endpoint);
  EXPECT_EQ(e.message,
            "ListObjectsV2 s3://b/ failed: waiting for reply from 127.0.0.1:22: the reply was "
            "not HTTP (bad version): 127.0.0.1:22 does not speak HTTP (check the port in "
            "--endpoint-url)");
  // On a connection that served replies before, a garbled one may pass: retried.
  context.fresh_connection = false;
  EXPECT_TRUE(
      network_error(boost::beast::http::error::bad_version, Phase::read_header, context).retryable);
}

TEST(NetErrors, NoTlsReasonsAfterTheHandshakeStayRetryable) {
  // Once the handshake worked the peer does speak TLS: a bad record later is
  // damage on the way, which a new connection may not meet.
  FailureContext context = at("h:443");
  context.request = "GetObject s3://b/k";
  const Error e = network_error(ssl_reason(SSL_R_WRONG_VERSION_NUMBER), Phase::read_body, context);
  EXPECT_TRUE(s3::is_retryable(e)) << e.message;
  EXPECT_EQ(e.message.find("no TLS server"), std::string::npos) << e.message;
}

TEST(NetErrors, OtherTlsHandshakeErrorsStayRetryable) {
  std::vector<int> reasons = {SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, SSL_R_UNEXPECTED_MESSAGE};
#ifdef SSL_R_RECORD_LAYER_FAILURE
  // OpenSSL 3.2+ wraps every fatal record error in it, a real TLS server's
  // corrupted record too: alone it does not say the peer is no TLS server.
  reasons.push_back(SSL_R_RECORD_LAYER_FAILURE);
#endif
  for (const int reason : reasons) {
    const Error e = network_error(ssl_reason(reason), Phase::handshake, at("h:443"));
    EXPECT_TRUE(s3::is_retryable(e)) << e.message;
    EXPECT_EQ(e.message.find("http://"), std::string::npos) << e.message;
  }
}

TEST(NetErrors, AServerRefusingEveryAttemptAlikeIsNotRetriedAndSaysWhy) {
  // A server that speaks only TLS 1.0 (five attempts, OpenSSL's words alone),
  // one that wants a client certificate (TLS 1.3 says so with the first
  // reply, which read "waiting for reply" and was retried).
  const Error old = network_error(ssl_reason(SSL_R_TLSV1_ALERT_PROTOCOL_VERSION), Phase::handshake,
                                  at("127.0.0.1:9979"));
  EXPECT_EQ(old.kind, ErrorKind::tls);
  EXPECT_FALSE(s3::is_retryable(old));
  EXPECT_NE(old.message.find(": the server and s3loop share no TLS version (s3loop speaks TLS 1.2 "
                             "and 1.3): the server needs updating"),
            std::string::npos)
      << old.message;
  FailureContext context = at("127.0.0.1:9973");
  context.request = "ListObjectsV2 s3://b/";
  const Error cert = network_error(ssl_reason(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED),
                                   Phase::read_header, context);
  EXPECT_EQ(cert.kind, ErrorKind::tls);
  EXPECT_FALSE(s3::is_retryable(cert));
  EXPECT_EQ(cert.message.rfind("ListObjectsV2 s3://b/ failed: ", 0), 0U) << cert.message;
  EXPECT_TRUE(cert.message.ends_with(
      ": the server asks for a client certificate, which s3loop cannot present"))
      << cert.message;
  // Refused with the session, the request was not carried out.
  EXPECT_FALSE(cert.sent_unanswered);
}

TEST(NetErrors, UntrustedCertificateIsNotRetriedAndNamesTheFix) {
  FailureContext context = at("127.0.0.1:9443");
  context.tls_detail = "unable to get local issuer certificate; trusting the CA directory X";
  const Error e =
      network_error(ssl_reason(SSL_R_CERTIFICATE_VERIFY_FAILED), Phase::handshake, context);
  EXPECT_EQ(e.kind, ErrorKind::tls);
  EXPECT_FALSE(s3::is_retryable(e));
  EXPECT_EQ(e.message,
            "TLS certificate of 127.0.0.1:9443 not trusted (unable to get local issuer "
            "certificate; trusting the CA directory X): pass --ca-bundle FILE (or set "
            "AWS_CA_BUNDLE) with the CA that signed it");
}

TEST(NetErrors, ClosedConnectionNamesTheHostOnce) {
  const Error e = network_error(asio::error::eof, Phase::read_header, at("127.0.0.1:9443"));
  EXPECT_EQ(e.kind, ErrorKind::network);
  EXPECT_TRUE(s3::is_retryable(e));
  EXPECT_EQ(e.message, "connection closed by 127.0.0.1:9443 while waiting for the reply");
  // A TLS peer that closes without close_notify: a close too, after the
  // handshake (it said "TLS error: stream truncated").
  const Error cut =
      network_error(asio::ssl::error::stream_truncated, Phase::read_body, at("127.0.0.1:9443"));
  EXPECT_EQ(cut.kind, ErrorKind::network);
  EXPECT_TRUE(s3::is_retryable(cut));
  EXPECT_EQ(cut.message, "connection closed by 127.0.0.1:9443 while reading the reply body");
  const Error in_handshake =
      network_error(asio::ssl::error::stream_truncated, Phase::handshake, at("127.0.0.1:9443"));
  EXPECT_EQ(in_handshake.kind, ErrorKind::tls);
  EXPECT_NE(in_handshake.message.find("TLS error: "), std::string::npos) << in_handshake.message;
}

// Through a forwarding proxy (HTTP_PROXY) the bytes that come back are the
// proxy's first: its port and setting are what to check (a review's finding:
// the advice pointed at --endpoint-url and at https://).
TEST(NetErrors, ThroughAForwardingProxyTheAdviceIsToCheckIt) {
  FailureContext context = at("127.0.0.1:9480 through proxy 127.0.0.1:22 (HTTP_PROXY)");
  context.forwarded_by = "proxy 127.0.0.1:22 (HTTP_PROXY)";
  context.proxy_source = "HTTP_PROXY";
  context.plain_http = true;
  context.fresh_connection = true;
  context.request = "ListObjectsV2 s3://b/";
  EXPECT_EQ(
      network_error(boost::beast::http::error::bad_version, Phase::read_header, context).message,
      "ListObjectsV2 s3://b/ failed: waiting for reply from 127.0.0.1:9480 through proxy "
      "127.0.0.1:22 (HTTP_PROXY): the reply was not HTTP (bad version): proxy 127.0.0.1:22 "
      "(HTTP_PROXY) does not speak HTTP (check the port in HTTP_PROXY)");
  EXPECT_EQ(network_error(asio::error::eof, Phase::read_header, context).message,
            "ListObjectsV2 s3://b/ failed: connection closed by 127.0.0.1:9480 through proxy "
            "127.0.0.1:22 (HTTP_PROXY) while waiting for the reply (is it an HTTP proxy? check "
            "HTTP_PROXY)");
}

TEST(NetErrors, HttpToATlsPortHintsAtHttps) {
  FailureContext context = at("127.0.0.1:9443");
  context.plain_http = true;
  context.fresh_connection = true;
  const std::string hint = " (if the endpoint speaks HTTPS, use https:// in --endpoint-url)";
  EXPECT_EQ(network_error(asio::error::eof, Phase::read_header, context).message,
            "connection closed by 127.0.0.1:9443 while waiting for the reply" + hint);
  EXPECT_EQ(network_error(asio::error::connection_reset, Phase::write, context).message,
            "connection closed by 127.0.0.1:9443 while sending the request" + hint);
  context.request = "ListObjectsV2 s3://b/";
  const std::string prefixed = network_error(asio::error::eof, Phase::read_header, context).message;
  EXPECT_EQ(prefixed,
            "ListObjectsV2 s3://b/ failed: connection closed by 127.0.0.1:9443 while "
            "waiting for the reply" +
                hint);
  EXPECT_EQ(count(prefixed, "127.0.0.1:9443"), 1u);
  EXPECT_EQ(count(prefixed, "failed"), 1u);
}

TEST(NetErrors, NoHttpsHintWhenTheCloseSaysNothingAboutTheScheme) {
  FailureContext base = at("h:80");
  base.plain_http = true;
  base.fresh_connection = true;
  auto has_hint = [](const FailureContext& context, Phase phase) {
    return network_error(asio::error::eof, phase, context).message.find("https://") !=
           std::string::npos;
  };
  EXPECT_TRUE(has_hint(base, Phase::read_header));
  FailureContext reused = base;
  reused.fresh_connection = false;  // it answered before: it speaks HTTP
  EXPECT_FALSE(has_hint(reused, Phase::read_header));
  FailureContext started = base;
  started.reply_started = true;
  EXPECT_FALSE(has_hint(started, Phase::read_header));
  FailureContext tls = base;
  tls.plain_http = false;
  EXPECT_FALSE(has_hint(tls, Phase::read_header));
  EXPECT_FALSE(has_hint(base, Phase::read_body));  // a reply came
}

TEST(NetErrors, ConnectPhaseTimeoutsNameConnectTimeout) {
  FailureContext context = at("127.0.0.1:9958");
  context.deadline = milliseconds(10'000);
  const Error handshake = network_error(boost::beast::error::timeout, Phase::handshake, context);
  EXPECT_EQ(handshake.kind, ErrorKind::timeout);
  EXPECT_TRUE(s3::is_retryable(handshake));
  EXPECT_EQ(handshake.message,
            "TLS handshake with 127.0.0.1:9958 timed out after 10 s (check --endpoint-url, or "
            "raise --connect-timeout if the server is slow)");
  context.deadline = milliseconds(300);
  EXPECT_EQ(network_error(boost::beast::error::timeout, Phase::connect, context).message,
            "connecting to 127.0.0.1:9958 timed out after 0.3 s (check --endpoint-url, or raise "
            "--connect-timeout if the server is slow)");
  EXPECT_NE(network_error(asio::error::timed_out, Phase::resolve, context)
                .message.find("--connect-timeout"),
            std::string::npos);
}

TEST(NetErrors, ReachingAProxyNamesItAndItsVariableNotTheEndpointUrl) {
  FailureContext context = at("proxy 10.0.0.5:3128 (HTTPS_PROXY)");
  context.proxy_source = "HTTPS_PROXY";
  context.deadline = milliseconds(10'000);
  EXPECT_EQ(network_error(boost::beast::error::timeout, Phase::connect, context).message,
            "connecting to proxy 10.0.0.5:3128 (HTTPS_PROXY) timed out after 10 s (check "
            "HTTPS_PROXY, or raise --connect-timeout if the proxy is slow)");
  EXPECT_EQ(network_error(boost::beast::error::timeout, Phase::tunnel, context).message,
            "asking for a tunnel through proxy 10.0.0.5:3128 (HTTPS_PROXY) timed out after 10 s "
            "(check HTTPS_PROXY, or raise --connect-timeout if the proxy is slow)");
  const Error refused = network_error(asio::error::connection_refused, Phase::connect, context);
  EXPECT_TRUE(s3::is_retryable(refused));
  EXPECT_EQ(refused.message,
            "cannot connect to proxy 10.0.0.5:3128 (HTTPS_PROXY): " +
                boost::system::error_code(asio::error::connection_refused).message() +
                " (is the proxy up? check HTTPS_PROXY)");
  EXPECT_EQ(network_error(asio::error::host_not_found, Phase::resolve, context).message,
            "cannot resolve proxy 10.0.0.5:3128 (HTTPS_PROXY): " +
                boost::system::error_code(asio::error::host_not_found).message() +
                " (check HTTPS_PROXY)");
  const Error closed = network_error(asio::error::eof, Phase::tunnel, context);
  EXPECT_EQ(closed.message,
            "connection closed by proxy 10.0.0.5:3128 (HTTPS_PROXY) while asking for a tunnel");
  EXPECT_FALSE(closed.sent_unanswered);  // no request of the caller's went out
  EXPECT_EQ(interrupted_error(Phase::tunnel, context).message,
            "asking for a tunnel through proxy 10.0.0.5:3128 (HTTPS_PROXY) failed: interrupted");
}

// A handshake through a tunnel can fail by the proxy's doing (a tunnel to
// elsewhere than asked, or cut): it is named, and TLS is not advised away.
TEST(NetErrors, AHandshakeThroughATunnelNamesTheProxy) {
  FailureContext context = at("127.0.0.1:9443");
  context.tunnel_through = "proxy 10.0.0.5:3128 (HTTPS_PROXY)";
  const Error not_tls =
      network_error(ssl_reason(SSL_R_WRONG_VERSION_NUMBER), Phase::handshake, context);
  EXPECT_EQ(not_tls.message.find("use http://"), std::string::npos) << not_tls.message;
  EXPECT_NE(not_tls.message.find(": the reply through proxy 10.0.0.5:3128 (HTTPS_PROXY) was not "
                                 "TLS (check the port in --endpoint-url, and the proxy)"),
            std::string::npos)
      << not_tls.message;
  EXPECT_EQ(network_error(asio::error::eof, Phase::handshake, context).message,
            "connection closed by 127.0.0.1:9443 during the TLS handshake (through proxy "
            "10.0.0.5:3128 (HTTPS_PROXY))");
}

TEST(NetErrors, ReadTimeoutsNameReadTimeoutAndTheRequest) {
  FailureContext context = at("h:9000");
  context.request = "GetObject s3://b/k";
  context.deadline = milliseconds(120'000);
  EXPECT_EQ(network_error(boost::beast::error::timeout, Phase::read_header, context).message,
            "GetObject s3://b/k failed: waiting for reply from h:9000 timed out after 120 s "
            "(raise --read-timeout if the server is slow)");
  context.deadline = milliseconds(30'000);
  EXPECT_EQ(network_error(boost::beast::error::timeout, Phase::read_body, context).message,
            "GetObject s3://b/k failed: reading reply body from h:9000 timed out: no data for "
            "30 s (raise --read-timeout if the server is slow)");
  context.deadline = milliseconds(0);  // unknown: not said
  EXPECT_EQ(network_error(boost::beast::error::timeout, Phase::read_header, context).message,
            "GetObject s3://b/k failed: waiting for reply from h:9000 timed out (raise "
            "--read-timeout if the server is slow)");
}

TEST(NetErrors, FailuresOnTheWireNameTheRequestOnce) {
  FailureContext context = at("127.0.0.1:9955");
  context.request = "ListObjectsV2 s3://bucket/";
  EXPECT_EQ(network_error(asio::error::connection_reset, Phase::read_body, context).message,
            "ListObjectsV2 s3://bucket/ failed: connection closed by 127.0.0.1:9955 while "
            "reading the reply body");
  const std::string tls =
      network_error(
          boost::system::error_code(
              static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC)),
              asio::error::get_ssl_category()),
          Phase::read_body, context)
          .message;
  EXPECT_EQ(tls.rfind("ListObjectsV2 s3://bucket/ failed: reading reply body from "
                      "127.0.0.1:9955: TLS error: ",
                      0),
            0u)
      << tls;
  EXPECT_EQ(count(tls, " failed: "), 1u) << tls;
  // Before the request was sent it is the endpoint that failed, not the request.
  const std::string refused =
      network_error(asio::error::connection_refused, Phase::connect, context).message;
  EXPECT_EQ(refused.rfind("cannot connect to 127.0.0.1:9955: ", 0), 0u) << refused;
  EXPECT_EQ(refused.find("ListObjectsV2"), std::string::npos) << refused;
}

// Out of descriptors is this process's limit, not the endpoint's, and not a
// cancellation (Asio's range connect said operation_aborted, read as Ctrl-C).
TEST(NetErrors, NoSocketIsAnOpenFileLimitNotACancel) {
  for (const boost::system::error_code ec :
       {boost::system::error_code(asio::error::no_descriptors),
        make_error_code(boost::system::errc::too_many_files_open_in_system)}) {
    const Error e = network_error(ec, Phase::connect, at("127.0.0.1:9955"));
    EXPECT_EQ(e.kind, ErrorKind::network);
    EXPECT_TRUE(e.retryable);
    EXPECT_EQ(e.message.rfind("cannot open a socket to 127.0.0.1:9955: ", 0), 0u) << e.message;
    EXPECT_NE(e.message.find("ulimit -n"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("--concurrency"), std::string::npos) << e.message;
  }
}

// Only a request that went out whole and whose reply was lost may have been
// carried out unseen: one that failed while connecting or sending was not
// read whole, and one whose error reply was cut off was refused.
TEST(NetErrors, OnlyFailuresWhileWaitingForTheReplyLeaveTheOutcomeUnknown) {
  FailureContext context = at("h:1");
  context.request = "CopyObject s3://b/k";
  for (const auto phase : {Phase::read_header, Phase::read_body}) {
    EXPECT_TRUE(network_error(boost::beast::error::timeout, phase, context).sent_unanswered);
    EXPECT_TRUE(network_error(asio::error::connection_reset, phase, context).sent_unanswered);
  }
  context.reply_status = 200;  // a CopyObject's 200 may still carry an <Error>
  EXPECT_TRUE(
      network_error(asio::error::connection_reset, Phase::read_body, context).sent_unanswered);
  context.reply_status = 503;
  EXPECT_FALSE(
      network_error(asio::error::connection_reset, Phase::read_body, context).sent_unanswered);
  context.reply_status = 0;
  for (const auto phase : {Phase::resolve, Phase::connect, Phase::handshake, Phase::write}) {
    EXPECT_FALSE(network_error(boost::beast::error::timeout, phase, context).sent_unanswered);
    EXPECT_FALSE(network_error(asio::error::connection_reset, phase, context).sent_unanswered);
  }
}

// Ctrl-C cuts a request off where it is: one the server read whole may have
// been carried out all the same (a CreateMultipartUpload's upload left open).
TEST(NetErrors, AnInterruptWhileWaitingForTheReplyLeavesTheOutcomeUnknown) {
  FailureContext context = at("h:1");
  context.request = "CreateMultipartUpload s3://b/k";
  EXPECT_TRUE(interrupted_error(Phase::read_header, context).sent_unanswered);
  EXPECT_TRUE(interrupted_error(Phase::read_body, context).sent_unanswered);
  for (const auto phase : {Phase::resolve, Phase::connect, Phase::handshake, Phase::write}) {
    EXPECT_FALSE(interrupted_error(phase, context).sent_unanswered);
  }
  context.reply_status = 503;
  EXPECT_FALSE(interrupted_error(Phase::read_body, context).sent_unanswered);
  const Error e = interrupted_error(Phase::read_header, context);
  EXPECT_EQ(e.kind, ErrorKind::cancelled);
  EXPECT_EQ(e.message, "CreateMultipartUpload s3://b/k failed: interrupted");
}

TEST(NetErrors, CancelledIsNotRetriedNorDescribedAsTheRequestFailing) {
  FailureContext context = at("h:1");
  context.request = "GetObject s3://b/k";
  const Error e = network_error(asio::error::operation_aborted, Phase::read_body, context);
  EXPECT_EQ(e.kind, ErrorKind::cancelled);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.message, "cancelled while reading reply body from h:1");
}

boost::system::error_code certificate_verify_failed() {
  return {static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED)),
          asio::error::get_ssl_category()};
}

TEST(NetErrors, UntrustedCertificateAsksForTheCa) {
  FailureContext context = at("127.0.0.1:9443");
  context.tls_detail = "unable to get local issuer certificate; trusting the CA file /x.pem";
  const Error e = network_error(certificate_verify_failed(), Phase::handshake, context);
  EXPECT_EQ(e.kind, ErrorKind::tls);
  EXPECT_FALSE(s3::is_retryable(e));
  EXPECT_EQ(e.message,
            "TLS certificate of 127.0.0.1:9443 not trusted (unable to get local issuer "
            "certificate; trusting the CA file /x.pem): pass --ca-bundle FILE (or set "
            "AWS_CA_BUNDLE) with the CA that signed it");
}

TEST(NetErrors, CertificateForAnotherNameAsksForTheHostNotTheCa) {
  FailureContext context = at("a.b.s3.localhost:9443");
  context.tls_detail = "hostname mismatch";
  context.tls_wrong_name = "a.b.s3.localhost";
  const Error e = network_error(certificate_verify_failed(), Phase::handshake, context);
  EXPECT_EQ(e.kind, ErrorKind::tls);
  EXPECT_FALSE(s3::is_retryable(e));
  EXPECT_EQ(e.message,
            "TLS certificate of a.b.s3.localhost:9443 is not valid for a.b.s3.localhost "
            "(hostname mismatch): check the host in --endpoint-url (or use --addressing-style "
            "path if the bucket is in the host name)");
  EXPECT_EQ(e.message.find("--ca-bundle"), std::string::npos);
}

TEST(NetErrors, CertificateOutOfDateAsksForDatesAndClockNotTheCa) {
  FailureContext context = at("127.0.0.1:9443");
  context.tls_detail =
      "certificate is not yet valid; this machine's clock says 2026-12-02 21:00:00 UTC";
  context.tls_out_of_date = true;
  const Error e = network_error(certificate_verify_failed(), Phase::handshake, context);
  EXPECT_EQ(e.kind, ErrorKind::tls);
  EXPECT_FALSE(s3::is_retryable(e));
  EXPECT_EQ(e.message,
            "TLS certificate of 127.0.0.1:9443 not accepted (certificate is not yet valid; this "
            "machine's clock says 2026-12-02 21:00:00 UTC): check the server certificate's "
            "dates and this machine's clock");
  EXPECT_EQ(e.message.find("--ca-bundle"), std::string::npos);
}

TEST(NetErrors, ACertificateUnfitWhoeverSignedItDoesNotAskForTheCa) {
  // A clientAuth-only certificate, an RSA-1024 key, a SHA-1 signature: the CA
  // was trusted, and the advice to pass --ca-bundle could not help.
  EXPECT_TRUE(is_unfit_certificate(X509_V_ERR_INVALID_PURPOSE));
  EXPECT_TRUE(is_unfit_certificate(X509_V_ERR_EE_KEY_TOO_SMALL));
  EXPECT_TRUE(is_unfit_certificate(X509_V_ERR_CA_MD_TOO_WEAK));
  // A "CA" without CA:TRUE, an untrusted issuer: the bundle is what to change.
  EXPECT_FALSE(is_unfit_certificate(X509_V_ERR_INVALID_CA));
  EXPECT_FALSE(is_unfit_certificate(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
  EXPECT_FALSE(is_unfit_certificate(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
  EXPECT_FALSE(is_unfit_certificate(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN));
  FailureContext context = at("127.0.0.1:9443");
  context.tls_detail = "unsuitable certificate purpose; trusting the CA file /x.pem";
  context.tls_cert_unfit = true;
  const Error e = network_error(certificate_verify_failed(), Phase::handshake, context);
  EXPECT_EQ(e.kind, ErrorKind::tls);
  EXPECT_FALSE(s3::is_retryable(e));
  EXPECT_EQ(e.message,
            "TLS certificate of 127.0.0.1:9443 not accepted (unsuitable certificate purpose; "
            "trusting the CA file /x.pem): the certificate is refused for itself, whoever signed "
            "it: the server needs one made for TLS server authentication, with a key and "
            "signature OpenSSL accepts");
  EXPECT_EQ(e.message.find("--ca-bundle"), std::string::npos);
}

TEST(NetErrors, SecondsAreWrittenAsTheFlagsTakeThem) {
  EXPECT_EQ(format_seconds(milliseconds(10'000)), "10 s");
  EXPECT_EQ(format_seconds(milliseconds(300)), "0.3 s");
  EXPECT_EQ(format_seconds(milliseconds(50)), "0.05 s");
  EXPECT_EQ(format_seconds(milliseconds(1'234)), "1.234 s");
}

// A request cut off while being sent is named as one cut off in reply is; an interrupt before
// it was on the wire names where it was (connecting), not the request.
TEST(NetErrors, FailuresWhileSendingNameTheRequestToo) {
  FailureContext context = at("127.0.0.1:9955");
  context.request = "CopyObject s3://b/k";
  EXPECT_EQ(network_error(asio::error::connection_reset, Phase::write, context).message,
            "CopyObject s3://b/k failed: connection closed by 127.0.0.1:9955 while sending the "
            "request");
  EXPECT_EQ(interrupted_error(Phase::write, context).message,
            "CopyObject s3://b/k failed: interrupted");
  EXPECT_EQ(interrupted_error(Phase::connect, context).message,
            "connecting to 127.0.0.1:9955 failed: interrupted");
}

// A TLS error after the handshake is a network error (select names its range for those).
TEST(NetErrors, TlsErrorsAfterTheHandshakeAreNetworkErrors) {
  FailureContext context = at("h:443");
  context.request = "GetObject s3://b/k";
  EXPECT_EQ(network_error(ssl_reason(SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC), Phase::read_body,
                          context)
                .kind,
            ErrorKind::network);
}

// A request the server stopped reading says for how long it took nothing.
TEST(NetErrors, WriteTimeoutsSayHowLongTheServerTookNothing) {
  FailureContext context = at("h:1");
  context.request = "CopyObject s3://b/k";
  context.deadline = std::chrono::milliseconds(5500);
  EXPECT_EQ(network_error(boost::beast::error::timeout, Phase::write, context).message,
            "CopyObject s3://b/k failed: sending request to h:1 timed out: the server took no "
            "data for 5.5 s");
}

// A connection closed in the TLS handshake says so (not "while connecting").
TEST(NetErrors, AConnectionClosedInTheHandshakeSaysSo) {
  EXPECT_EQ(network_error(asio::error::eof, Phase::handshake, at("h:1")).message,
            "connection closed by h:1 during the TLS handshake");
}

}  // namespace
}  // namespace s3loop::net
