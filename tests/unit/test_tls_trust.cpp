// Where TLS trust comes from: a CA bundle, a hashed CA directory, or the
// system's store (its hashed directory when the environment names nothing
// else, read a certificate at a time instead of the whole bundle at start).
#include "s3loop/net/tls.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace s3loop::net {
namespace {

using test_support::TempDir;

// Sets (or, with nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(HashedCaDirectory, OnlySubjectHashNamesCount) {
  TempDir dir;
  EXPECT_FALSE(is_hashed_ca_directory(dir.path().string()));  // empty
  for (const char* name : {"abcdef01.pem", "ABCDEF01.0", "abcdef0.0", "abcdef01.", "abcdef01.0x",
                           "abcdefg1.0", "cert.pem"}) {
    dir.touch(name);
  }
  EXPECT_FALSE(is_hashed_ca_directory(dir.path().string()));
  dir.touch("abcdef01.12");
  EXPECT_TRUE(is_hashed_ca_directory(dir.path().string()));
  EXPECT_FALSE(is_hashed_ca_directory((dir.path() / "missing").string()));
}

TEST(TlsTrust, AGivenDirectoryWithoutHashNamesIsAUsageError) {
  TempDir dir;
  dir.touch("ca.pem");
  TlsOptions options;
  options.ca_directory = dir.path().string();
  auto context = TlsContext::create(options);
  ASSERT_FALSE(context);
  EXPECT_EQ(context.error().kind, ErrorKind::usage);
  EXPECT_NE(context.error().message.find("openssl rehash"), std::string::npos)
      << context.error().message;
}

// A review's finding: a good CA followed by a corrupt block was said to
// hold "no usable PEM certificate" (OpenSSL refuses the whole file).
TEST(TlsTrust, ABundleWithOneBadCertificateSaysSo) {
  TempDir dir;
  dir.touch("bad.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  dir.touch("none.pem", "not a certificate\n");
  TlsOptions options;
  options.ca_bundle = (dir.path() / "bad.pem").string();
  auto context = TlsContext::create(options);
  ASSERT_FALSE(context);
  EXPECT_EQ(context.error().kind, ErrorKind::usage);
  EXPECT_NE(context.error().message.find("holds a certificate that cannot be parsed ("),
            std::string::npos)
      << context.error().message;
  EXPECT_NE(context.error().message.find("): mend or remove it"), std::string::npos);
  options.ca_bundle = (dir.path() / "none.pem").string();
  context = TlsContext::create(options);
  ASSERT_FALSE(context);
  EXPECT_NE(context.error().message.find("holds no usable PEM certificate"), std::string::npos)
      << context.error().message;
  EXPECT_EQ(context.error().message.find("DER"), std::string::npos) << context.error().message;
}

// A certificate saved as DER (binary, a Windows export's .cer) starts with
// 0x30, its SEQUENCE tag: the message says how to make it PEM.
TEST(TlsTrust, ADerCertificateIsToldHowToConvert) {
  TempDir dir;
  const std::string der("\x30\x82\x03\x1d\x30\x82\x02\x05\xa0\x03\x02\x01\x02", 13);
  dir.touch("ca.cer", der);
  TlsOptions options;
  options.ca_bundle = (dir.path() / "ca.cer").string();
  auto context = TlsContext::create(options);
  ASSERT_FALSE(context);
  EXPECT_EQ(context.error().kind, ErrorKind::usage);
  EXPECT_NE(context.error().message.find("holds no usable PEM certificate"), std::string::npos)
      << context.error().message;
  EXPECT_NE(
      context.error().message.find("it looks like a DER certificate: convert it with openssl "
                                   "x509 -inform DER -in " +
                                   options.ca_bundle + " -out " + options.ca_bundle + ".pem)"),
      std::string::npos)
      << context.error().message;
}

TEST(TlsTrust, ABundleWinsOverADirectory) {
  TempDir dir;
  dir.touch("abcdef01.0");
  TlsOptions options;
  options.ca_bundle = X509_get_default_cert_file();  // the system's bundle
  options.ca_directory = dir.path().string();
  auto context = TlsContext::create(options);
  ASSERT_TRUE(context) << context.error().message;
  EXPECT_EQ((*context)->trust_source(), "the CA bundle " + options.ca_bundle);
}

// A bundle the environment or a profile set is named with where it was set
// (an untrusted certificate's error quotes trust_source); one without a
// source (s3::setup_client leaves --ca-bundle's out: the user's own words)
// is named alone.
TEST(TlsTrust, TrustSourceSaysWhereTheBundleWasSet) {
  TlsOptions options;
  options.ca_bundle = X509_get_default_cert_file();
  options.ca_bundle_source = "AWS_CA_BUNDLE";
  auto context = TlsContext::create(options);
  ASSERT_TRUE(context) << context.error().message;
  EXPECT_EQ((*context)->trust_source(),
            "the CA bundle " + options.ca_bundle + " from AWS_CA_BUNDLE");
  options.ca_bundle_source.clear();
  context = TlsContext::create(options);
  ASSERT_TRUE(context) << context.error().message;
  EXPECT_EQ((*context)->trust_source(), "the CA bundle " + options.ca_bundle);
}

// With no bundle, the system's hashed directory is used on its own -- unless
// SSL_CERT_FILE / SSL_CERT_DIR name something other than OpenSSL's defaults.
TEST(TlsTrust, SystemStoreIsReadLazilyUnlessTheEnvironmentChoseAnother) {
  const std::string default_dir = X509_get_default_cert_dir();
  const std::string default_file = X509_get_default_cert_file();
  const std::string lazily = "the CA directory " + default_dir;
  const std::string whole = "OpenSSL's default CA file and directory";
  const std::string expected_plain = is_hashed_ca_directory(default_dir) ? lazily : whole;
  auto source = [] {
    auto context = TlsContext::create(TlsOptions{});
    return context ? (*context)->trust_source() : "error: " + context.error().message;
  };
  {
    ScopedEnv file(X509_get_default_cert_file_env(), std::nullopt);
    ScopedEnv dir(X509_get_default_cert_dir_env(), std::nullopt);
    EXPECT_EQ(source(), expected_plain);
  }
  {  // the defaults, named explicitly (as some images do): still lazily
    ScopedEnv file(X509_get_default_cert_file_env(), default_file);
    ScopedEnv dir(X509_get_default_cert_dir_env(), default_dir);
    EXPECT_EQ(source(), expected_plain);
  }
  TempDir other;
  other.touch("abcdef01.0");
  {
    ScopedEnv file(X509_get_default_cert_file_env(), (other.path() / "abcdef01.0").string());
    ScopedEnv dir(X509_get_default_cert_dir_env(), std::nullopt);
    EXPECT_EQ(source(), whole);
  }
  {
    ScopedEnv file(X509_get_default_cert_file_env(), std::nullopt);
    ScopedEnv dir(X509_get_default_cert_dir_env(), other.path().string());
    EXPECT_EQ(source(), whole);
  }
}

}  // namespace
}  // namespace s3loop::net
