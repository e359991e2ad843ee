// Knobs of the network layer: TLS trust and deadlines.
#pragma once

#include <chrono>
#include <string>

namespace s3loop::net {

struct TlsOptions {
  bool verify_peer = true;  // certificate chain and host name; off only with --no-verify-ssl
  std::string ca_bundle;    // PEM file; empty = the system's default trust store
  // Where ca_bundle was set ("AWS_CA_BUNDLE", "profile dev ca_bundle in
  // ~/.aws/config"):
  // a certificate it does not trust names it, as a bundle set by the
  // environment is easily forgotten. Empty: nothing added (left empty for a
  // bundle the user named on the command line just now).
  std::string ca_bundle_source;
  // A directory of PEM certificates under their subject-hash names (as
  // `openssl rehash` makes them), read one by one as chains need them.
  // Empty = the system's; a CA bundle, when given, wins.
  std::string ca_directory;
};

// Every wait on the network has one of these deadlines, so nothing hangs.
struct Timeouts {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds handshake{10'000};
  // Until the status line arrives. Server-side copies answer only when done,
  // so this is generous; a stalled server still gets caught.
  std::chrono::milliseconds first_byte{120'000};
  std::chrono::milliseconds idle_read{30'000};  // between body chunks
  std::chrono::milliseconds write{30'000};
};

}  // namespace s3loop::net
