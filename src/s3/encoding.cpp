// Percent-encoding for S3 object keys and SigV4 query strings, plus Content-MD5.
#include "s3loop/s3/encoding.hpp"

#include <openssl/evp.h>

#include <array>

namespace s3loop::s3 {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

// RFC 3986 unreserved characters: the only bytes SigV4 leaves unencoded.
// Written out rather than using <cctype>, whose answers depend on the locale.
constexpr bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string uri_encode(std::string_view in, bool keep_slash) {
  std::string out;
  out.reserve(in.size() * 3);
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

std::string tagging_header(const std::vector<Tag>& tags) {
  std::string out;
  for (const Tag& tag : tags) {
    if (!out.empty()) out += '&';
    out += uri_encode(tag.key, /*keep_slash=*/false);
    out += '=';
    out += uri_encode(tag.value, /*keep_slash=*/false);
  }
  return out;
}

std::string url_decode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
        continue;
      }
    }
    // A '%' not followed by two hex digits is kept as is: a server bug or a
    // literal '%' must not make a key silently change or vanish.
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string base64_md5(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_len = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &digest_len, EVP_md5(), nullptr) != 1) {
    // MD5 is only missing from FIPS-restricted OpenSSL builds; an empty value
    // makes S3 reject the request with a clear error instead of us crashing.
    return {};
  }
  // EVP_EncodeBlock writes 4 bytes per 3 input bytes plus a NUL terminator.
  std::array<unsigned char, ((EVP_MAX_MD_SIZE + 2) / 3) * 4 + 1> b64{};
  const int n = EVP_EncodeBlock(b64.data(), digest.data(), static_cast<int>(digest_len));
  return std::string(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(n));
}

}  // namespace s3loop::s3
