// The process-wide TLS configuration (trust store, verification), built once
// and shared by every connection pool. Opaque so callers need no OpenSSL.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/net/options.hpp"

#include <memory>

namespace boost::asio::ssl {
class context;
}

namespace s3loop::net {

class TlsContext {
 public:
  // Fails (kind usage) when the CA bundle cannot be read or holds no certificate.
  static Result<std::shared_ptr<TlsContext>> create(const TlsOptions& options);
  ~TlsContext();

  boost::asio::ssl::context& native() { return *context_; }
  bool verify_peer() const { return options_.verify_peer; }
  const TlsOptions& options() const { return options_; }

 private:
  TlsContext(std::unique_ptr<boost::asio::ssl::context> context, TlsOptions options);
  std::unique_ptr<boost::asio::ssl::context> context_;
  TlsOptions options_;
};

}  // namespace s3loop::net
