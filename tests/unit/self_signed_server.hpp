// An OpenSSL server context with a throwaway self-signed P-256 certificate,
// for tests that put a TLS server on the other end of a socketpair.
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace s3loop::net::test_support {

using ContextPtr = std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)>;

// Null when OpenSSL cannot make one.
inline ContextPtr self_signed_server_context() {
  ContextPtr ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  std::unique_ptr<X509, void (*)(X509*)> cert(X509_new(), &X509_free);
  if (!ctx || !key || !cert) return ContextPtr(nullptr, &SSL_CTX_free);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0 ||
      SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1) {
    return ContextPtr(nullptr, &SSL_CTX_free);
  }
  return ctx;
}

}  // namespace s3loop::net::test_support
