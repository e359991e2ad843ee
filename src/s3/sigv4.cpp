// AWS Signature Version 4, as S3 wants it: the canonical URI is taken as given
// (encoded exactly once, never normalised), headers are canonicalised here.
#include "s3loop/s3/sigv4.hpp"

#include "s3loop/s3/encoding.hpp"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <memory>

namespace s3loop::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

using Digest = std::array<unsigned char, 32>;  // SHA-256 output

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHexLower[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHexLower[data[i] >> 4];
    out[2 * i + 1] = kHexLower[data[i] & 0x0F];
  }
  return out;
}

// OpenSSL 3 looks an algorithm up by name, under a lock, every time it is
// passed a built-in like EVP_sha256(); fetched once, the lookups are gone.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

Digest hmac_sha256(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  // HMAC() with SHA-256 only fails on allocation failure; the all-zero result
  // then yields a signature S3 rejects, which is the safe outcome.
  HMAC(sha256_md(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

std::string_view as_view(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Trim, and collapse every run of whitespace (including obsolete line folding)
// into one space: the SigV4 "Trimall" rule.
std::string trim_all(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;  // "name:value\n" lines
  std::string names;  // "name;name", the SignedHeaders value
};

CanonicalHeaders canonical_headers(const Headers& headers) {
  Headers norm;
  norm.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    norm.emplace_back(lower_ascii(trim_all(name)), trim_all(value));
  }
  // Stable: repeated headers keep their order when joined, as the suite's
  // get-header-value-order case requires.
  std::stable_sort(norm.begin(), norm.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (std::size_t i = 0; i < norm.size(); ++i) {
    const bool repeat = i > 0 && norm[i].first == norm[i - 1].first;
    if (repeat) {
      out.block.back() = ',';  // replace the previous line's '\n'
    } else {
      if (!out.names.empty()) out.names.push_back(';');
      out.names += norm[i].first;
      out.block += norm[i].first;
      out.block.push_back(':');
    }
    out.block += norm[i].second;
    out.block.push_back('\n');
  }
  return out;
}

// The signing key depends only on the secret, the day, the region and the
// service: four HMACs that every request of a job would otherwise repeat.
// Each thread keeps the last key it derived (a job signs with one key for a
// whole day), as the AWS SDKs do, inside an HMAC context that re-keys itself
// from its saved state (OpenSSL's one-shot HMAC() looks the algorithms up by
// name and allocates its contexts on every call). The secret is wiped when
// replaced and when the thread ends; freeing the context wipes the key.
class RequestSigner {
 public:
  RequestSigner() = default;
  RequestSigner(const RequestSigner&) = delete;
  RequestSigner& operator=(const RequestSigner&) = delete;
  ~RequestSigner() { forget(); }

  // HMAC-SHA256 of `data` under the signing key of secret/date/region/service.
  Digest mac(std::string_view secret, std::string_view date, std::string_view region,
             std::string_view service, std::string_view data) {
    Digest out{};
    if (keyed_ == nullptr || secret != secret_ || date != date_ || region != region_ ||
        service != service_) {
      if (!derive(secret, date, region, service)) return out;
    }
    // A null key: start over from the key set by derive().
    std::size_t len = 0;
    if (EVP_MAC_init(keyed_, nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(keyed_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
            1 ||
        EVP_MAC_final(keyed_, out.data(), &len, out.size()) != 1) {
      out.fill(0);  // a signature S3 rejects: the safe outcome
    }
    return out;
  }

 private:
  bool derive(std::string_view secret, std::string_view date, std::string_view region,
              std::string_view service) {
    forget();
    std::string prefixed = "AWS4";
    prefixed += secret;
    Digest k = hmac_sha256(prefixed, date);
    OPENSSL_cleanse(prefixed.data(), prefixed.size());
    for (std::string_view part : {region, service, std::string_view("aws4_request")}) {
      Digest next = hmac_sha256(as_view(k), part);
      OPENSSL_cleanse(k.data(), k.size());
      k = next;
      OPENSSL_cleanse(next.data(), next.size());
    }
    static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    keyed_ = hmac == nullptr ? nullptr : EVP_MAC_CTX_new(hmac);
    const bool keyed = keyed_ != nullptr && EVP_MAC_init(keyed_, k.data(), k.size(), params) == 1;
    OPENSSL_cleanse(k.data(), k.size());
    if (!keyed) {
      forget();
      return false;
    }
    secret_ = secret;
    date_ = date;
    region_ = region;
    service_ = service;
    return true;
  }

  void forget() {
    EVP_MAC_CTX_free(keyed_);
    keyed_ = nullptr;
    OPENSSL_cleanse(secret_.data(), secret_.size());
    secret_.clear();
  }

  EVP_MAC_CTX* keyed_ = nullptr;
  std::string secret_;
  std::string date_;
  std::string region_;
  std::string service_;
};

Digest request_mac(const Credentials& creds, std::string_view date, std::string_view region,
                   std::string_view service, std::string_view data) {
  thread_local RequestSigner signer;
  return signer.mac(creds.secret_access_key, date, region, service, data);
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  // One digest context per thread, re-initialised for each use: EVP_Digest()
  // would allocate and free one every time.
  struct ContextFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  thread_local const std::unique_ptr<EVP_MD_CTX, ContextFree> ctx(EVP_MD_CTX_new());
  Digest d{};
  unsigned int len = 0;
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), d.data(), &len) != 1) {
    d.fill(0);  // only on allocation failure; a hash S3 rejects
  }
  return to_hex(d.data(), d.size());
}

std::string canonical_query_string(const QueryParams& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [name, value] : query) {
    enc.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [name, value] : enc) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');  // a value-less parameter signs as "name="
    out += value;
  }
  return out;
}

Signature sign_v4(const SigningInput& in, const Credentials& creds) {
  Signature sig;
  const CanonicalHeaders headers = canonical_headers(in.headers);
  sig.signed_headers = headers.names;

  sig.canonical_request = in.method;
  sig.canonical_request.push_back('\n');
  sig.canonical_request += in.canonical_uri.empty() ? std::string("/") : in.canonical_uri;
  sig.canonical_request.push_back('\n');
  sig.canonical_request += canonical_query_string(in.query);
  sig.canonical_request.push_back('\n');
  sig.canonical_request += headers.block;
  sig.canonical_request.push_back('\n');
  sig.canonical_request += headers.names;
  sig.canonical_request.push_back('\n');
  sig.canonical_request += in.payload_hash;

  const std::string_view date = std::string_view(in.amz_date).substr(0, 8);
  const std::string scope = fmt::format("{}/{}/{}/aws4_request", date, in.region, in.service);
  sig.string_to_sign = fmt::format("{}\n{}\n{}\n{}", kAlgorithm, in.amz_date, scope,
                                   sha256_hex(sig.canonical_request));

  const Digest mac = request_mac(creds, date, in.region, in.service, sig.string_to_sign);
  sig.signature = to_hex(mac.data(), mac.size());

  sig.authorization = fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                                  creds.access_key_id, scope, sig.signed_headers, sig.signature);
  return sig;
}

std::string format_amz_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<seconds>(t - day)};
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

}  // namespace s3loop::s3
