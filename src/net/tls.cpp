#include "s3loop/net/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>

namespace s3loop::net {

TlsContext::TlsContext(std::unique_ptr<boost::asio::ssl::context> context, TlsOptions options,
                       std::string trust_source)
    : context_(std::move(context)),
      options_(std::move(options)),
      trust_source_(std::move(trust_source)) {}

TlsContext::~TlsContext() {
  for (auto& [server, session] : sessions_) SSL_SESSION_free(session);
}

ssl_session_st* TlsContext::take_session(const std::string& server) {
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(server);
  if (it == sessions_.end()) return nullptr;
  // A copy, not a reference to the cached one: OpenSSL marks the session of
  // a connection "not resumable" in some handshakes (seen: from inside
  // SSL_do_handshake of a resumed TLS 1.3 connection), and the cached one
  // would then be spoiled for every connection opened after it -- a copy at
  // C=256 resumed only 116 to 268 of its 271 connections.
  return SSL_SESSION_dup(it->second);
}

void TlsContext::store_session(const std::string& server, ssl_session_st* session) {
  std::lock_guard lock(sessions_mutex_);
  auto& slot = sessions_[server];
  if (slot != nullptr) SSL_SESSION_free(slot);
  slot = session;
}

namespace {

// Index of the ex-data slot where each SSL object keeps its "host:port".
int server_name_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Index of the SSL_CTX ex-data slot pointing back at its TlsContext. (Not the
// app-data slot: Asio keeps its verify callback there and deletes it.)
int context_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// The system's trust store, read the cheap way when it can be. OpenSSL's
// defaults parse the whole bundle file at start (~140 certificates, ~20 ms of
// CPU for every command) though a chain needs one or two of them; the hashed
// directory beside it holds the same certificates (update-ca-certificates
// writes both) and is read one certificate at a time, as chains need them.
// SSL_CERT_FILE or SSL_CERT_DIR naming anything but those two defaults means
// the user chose the trust store: then OpenSSL's defaults, which honour both.
// Empty = use the defaults.
std::string lazily_read_system_directory() {
  auto names_other_than = [](const char* variable, const char* default_path) {
    const char* value = std::getenv(variable);
    std::error_code ec;
    return value != nullptr && !(std::filesystem::equivalent(value, default_path, ec) && !ec);
  };
  if (names_other_than(X509_get_default_cert_file_env(), X509_get_default_cert_file()) ||
      names_other_than(X509_get_default_cert_dir_env(), X509_get_default_cert_dir())) {
    return {};
  }
  const std::string dir = X509_get_default_cert_dir();
  return is_hashed_ca_directory(dir) ? dir : std::string();
}

// OpenSSL hands us each new session (for TLS 1.3: each ticket, after the
// handshake). The cache keeps a copy of its own, not OpenSSL's object:
// that one stays the connection's, which OpenSSL may still write (marking
// it not resumable on a fatal alert) on its loop's thread while another
// loop copies it out of the cache (a TSan review). Returning 0: OpenSSL
// keeps its reference.
extern "C" int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* context =
      static_cast<TlsContext*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), context_index()));
  auto* server = static_cast<const std::string*>(SSL_get_ex_data(ssl, server_name_index()));
  if (context == nullptr || server == nullptr || !SSL_SESSION_is_resumable(session)) return 0;
  if (SSL_SESSION* copy = SSL_SESSION_dup(session)) context->store_session(*server, copy);
  return 0;
}

}  // namespace

void TlsContext::prepare(SSL* ssl, const std::string* server) {
  SSL_set_ex_data(ssl, server_name_index(), const_cast<std::string*>(server));
  if (SSL_SESSION* session = take_session(*server)) {
    SSL_set_session(ssl, session);
    SSL_SESSION_free(session);  // SSL_set_session took its own reference
  }
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(const TlsOptions& options) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  SSL_CTX* native = ctx->native_handle();
  std::string trust_source;
  if (!options.ca_bundle.empty()) {
    // Opening a FIFO for reading waits for a writer, for ever.
    if (std::error_code type_ec; std::filesystem::is_fifo(options.ca_bundle, type_ec)) {
      return make_error(ErrorKind::usage, "CA bundle '" + options.ca_bundle +
                                              "' is a named pipe (FIFO), which s3loop does not "
                                              "read: pass a PEM file");
    }
    if (std::ifstream bundle(options.ca_bundle); !bundle.good()) {
      return make_error(ErrorKind::usage, "cannot read CA bundle '" + options.ca_bundle +
                                              "': " + std::generic_category().message(errno));
    }
    // A directory opens as a stream, and would be said to hold no certificate.
    if (std::error_code is_dir_ec; std::filesystem::is_directory(options.ca_bundle, is_dir_ec)) {
      return make_error(ErrorKind::usage,
                        "CA bundle '" + options.ca_bundle +
                            "' is a directory: pass a PEM file (a directory of hash-named "
                            "certificates is SSL_CERT_DIR's)");
    }
    ctx->load_verify_file(options.ca_bundle, ec);
    if (ec) {
      // OpenSSL refuses the whole file for one bad block: a bundle with
      // good certificates and one cut short is not "no certificate".
      const bool has_pem = [&] {
        std::ifstream text(options.ca_bundle);
        std::string line;
        while (std::getline(text, line)) {
          if (line.find("-----BEGIN CERTIFICATE-----") != std::string::npos) return true;
        }
        return false;
      }();
      // A DER certificate (binary; a Windows export's .cer) starts with
      // its SEQUENCE tag, 0x30: say how to make it PEM.
      const bool der = !has_pem && [&] {
        std::ifstream binary(options.ca_bundle, std::ios::binary);
        return binary.get() == 0x30;
      }();
      std::string problem = "holds no usable PEM certificate: " + ec.message();
      if (has_pem) {
        problem =
            "holds a certificate that cannot be parsed (" + ec.message() + "): mend or remove it";
      } else if (der) {
        problem +=
            " (it looks like a DER certificate: convert it with openssl x509 -inform DER "
            "-in " +
            options.ca_bundle + " -out " + options.ca_bundle + ".pem)";
      }
      return make_error(ErrorKind::usage, "CA bundle '" + options.ca_bundle + "' " + problem);
    }
    trust_source = "the CA bundle " + options.ca_bundle;
    if (!options.ca_bundle_source.empty()) {
      trust_source += " from " + options.ca_bundle_source;
    }
  } else if (!options.ca_directory.empty() && !is_hashed_ca_directory(options.ca_directory)) {
    return make_error(ErrorKind::usage, "CA directory '" + options.ca_directory +
                                            "' holds no certificates under hash names: run "
                                            "`openssl rehash` on it");
  } else if (const std::string dir = options.ca_directory.empty() ? lazily_read_system_directory()
                                                                  : options.ca_directory;
             !dir.empty()) {
    if (SSL_CTX_load_verify_dir(native, dir.c_str()) != 1) {
      return make_error(ErrorKind::tls, "cannot use the CA directory '" + dir + "'");
    }
    trust_source = "the CA directory " + dir;
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec)
      return make_error(ErrorKind::tls, "cannot load the system trust store: " + ec.message());
    trust_source = "OpenSSL's default CA file and directory";
  }
  ctx->set_verify_mode(options.verify_peer ? ssl::verify_peer : ssl::verify_none);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(native, on_new_session);
  auto context =
      std::shared_ptr<TlsContext>(new TlsContext(std::move(ctx), options, std::move(trust_source)));
  SSL_CTX_set_ex_data(native, context_index(), context.get());
  return context;
}

bool is_hashed_ca_directory(const std::string& dir) {
  // "<8 lowercase hex digits>.<digits>": OpenSSL's subject-hash names.
  auto hashed_name = [](std::string_view name) {
    const auto dot = name.find('.');
    if (dot != 8 || name.size() == 9) return false;
    auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    return std::all_of(name.begin(), name.begin() + 8, hex) &&
           std::all_of(name.begin() + 9, name.end(), digit);
  };
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (hashed_name(it->path().filename().string())) return true;
  }
  return false;
}

}  // namespace s3loop::net
