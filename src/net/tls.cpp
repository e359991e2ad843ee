#include "s3loop/net/tls.hpp"

#include <boost/asio/ssl/context.hpp>

#include <fstream>

namespace s3loop::net {

TlsContext::TlsContext(std::unique_ptr<boost::asio::ssl::context> context, TlsOptions options)
    : context_(std::move(context)), options_(std::move(options)) {}

TlsContext::~TlsContext() = default;

Result<std::shared_ptr<TlsContext>> TlsContext::create(const TlsOptions& options) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (!options.ca_bundle.empty()) {
    if (!std::ifstream(options.ca_bundle).good()) {
      return make_error(ErrorKind::usage, "cannot read CA bundle '" + options.ca_bundle +
                                              "': check --ca-bundle / AWS_CA_BUNDLE");
    }
    ctx->load_verify_file(options.ca_bundle, ec);
    if (ec) {
      return make_error(ErrorKind::usage, "CA bundle '" + options.ca_bundle +
                                              "' holds no usable PEM certificate: " + ec.message());
    }
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec)
      return make_error(ErrorKind::tls, "cannot load the system trust store: " + ec.message());
  }
  ctx->set_verify_mode(options.verify_peer ? ssl::verify_peer : ssl::verify_none);
  return std::shared_ptr<TlsContext>(new TlsContext(std::move(ctx), options));
}

}  // namespace s3loop::net
