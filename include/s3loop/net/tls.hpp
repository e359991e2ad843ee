// The process-wide TLS configuration (trust store, verification), built once
// and shared by every connection pool. Opaque so callers need no OpenSSL.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/net/options.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace boost::asio::ssl {
class context;
}
struct ssl_session_st;  // OpenSSL's SSL_SESSION
struct ssl_st;          // OpenSSL's SSL

namespace s3loop::net {

class TlsContext {
 public:
  // Fails (kind usage) when the CA bundle cannot be read or holds no certificate.
  static Result<std::shared_ptr<TlsContext>> create(const TlsOptions& options);
  ~TlsContext();

  boost::asio::ssl::context& native() { return *context_; }
  bool verify_peer() const { return options_.verify_peer; }
  const TlsOptions& options() const { return options_; }
  // Where trusted certificates come from, in words (for --debug).
  const std::string& trust_source() const { return trust_source_; }

  // TLS session resumption: a new connection to a server we already shook
  // hands with resumes that session (abbreviated handshake, no certificate
  // chain to verify again), which is most of a handshake's CPU cost. Sessions
  // are kept per "host:port", so a session never crosses servers.
  // Returns a copy of the stored session (the caller releases it with
  // SSL_SESSION_free), or null.
  ssl_session_st* take_session(const std::string& server);
  void store_session(const std::string& server, ssl_session_st* session);  // takes ownership
  // Before a handshake: tags `ssl` with its server (which must outlive it)
  // and offers the stored session for that server, if any.
  void prepare(::ssl_st* ssl, const std::string* server);

 private:
  TlsContext(std::unique_ptr<boost::asio::ssl::context> context, TlsOptions options,
             std::string trust_source);
  std::unique_ptr<boost::asio::ssl::context> context_;
  TlsOptions options_;
  std::string trust_source_;
  std::mutex sessions_mutex_;  // pools on several threads share this context
  std::map<std::string, ssl_session_st*> sessions_;
};

// True when `dir` holds certificates under subject-hash names ("1a2b3c4d.0"),
// which OpenSSL can look up one at a time.
bool is_hashed_ca_directory(const std::string& dir);

}  // namespace s3loop::net
