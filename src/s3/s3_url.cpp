// s3://bucket/key parsing. The key is kept byte for byte: S3 keys are opaque,
// so "a//b", "./x" and a trailing '/' all name different objects.
#include "s3loop/s3/s3_url.hpp"

#include <fmt/format.h>
#include "s3loop/utf8.hpp"

namespace s3loop::s3 {
namespace {

constexpr std::string_view kScheme = "s3://";
constexpr std::string_view kExpected = "expected s3://bucket[/key]";

constexpr bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Control bytes are shown as \xNN so the message stays one printable line.
std::string printable(std::string_view s, bool ascii_only) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || (ascii_only && c >= 0x80)) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

// The length of the valid UTF-8 sequence starting at `at`: 1 for ASCII, 0
// when the bytes there are no whole, valid sequence (utf8.hpp).
std::size_t utf8_length_at(std::string_view s, std::size_t at) {
  const auto c = utf8::decode_at(s, at);
  return c ? c->length : 0;
}

// The character starting at `at`, shown as typed when it is a whole, valid
// UTF-8 sequence ("ü" rather than its first byte), else that byte as \xNN.
std::string character_at(std::string_view s, std::size_t at) {
  const std::size_t length = utf8_length_at(s, at);
  if (length <= 1) return printable(s.substr(at, 1), true);
  return std::string(s.substr(at, length));
}

Error usage_error(std::string_view text, std::string_view why) {
  return make_error(ErrorKind::usage,
                    fmt::format("invalid S3 URL '{}': {}", printable(text, false), why));
}

// Four dot-separated runs of digits ("192.168.5.4"), which S3 refuses as a
// bucket name (it would read as a host, not a bucket).
bool looks_like_ipv4(std::string_view b) {
  int groups = 0;
  std::size_t digits = 0;
  for (char c : b) {
    if (c == '.') {
      if (digits == 0) return false;
      ++groups;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      ++digits;
    } else {
      return false;
    }
  }
  return digits > 0 && groups == 3;
}

// Most likely an endpoint typed where the bucket goes (`mb` as much as `ls`).
std::string ip_address_bucket_problem(std::string_view b) {
  return fmt::format(
      "bucket name '{}' must not be formatted as an IP address (an endpoint goes in "
      "--endpoint-url)",
      b);
}

// The general-purpose bucket naming rules, for a new bucket. Returns the
// reason a name breaks them, or an empty string. Checked here so the user gets
// a precise message rather than a DNS failure or a 400 from the server.
std::string new_bucket_name_problem(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) {
    return fmt::format("bucket name '{}' is {} character{} long, must be 3-63", printable(b, false),
                       b.size(), b.size() == 1 ? "" : "s");
  }
  for (std::size_t i = 0; i < b.size(); ++i) {
    const char c = b[i];
    if (!is_lower_alnum(c) && c != '.' && c != '-') {
      return fmt::format(
          "bucket name '{}' contains '{}': only lower-case letters, digits, '.' and '-' are "
          "allowed",
          printable(b, false), character_at(b, i));
    }
  }
  if (!is_lower_alnum(b.front()) || !is_lower_alnum(b.back())) {
    return fmt::format("bucket name '{}' must start and end with a letter or digit", b);
  }
  if (b.find("..") != std::string_view::npos) {
    // Would also make an invalid host name in virtual-hosted style.
    return fmt::format("bucket name '{}' must not contain two adjacent periods", b);
  }
  if (looks_like_ipv4(b)) return ip_address_bucket_problem(b);
  // Reserved by S3 for punycode host names, its own buckets, examples,
  // access point and Multi-Region Access Point aliases, directory and table
  // buckets: AWS refuses them (InvalidBucketName); other servers may not.
  for (std::string_view prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (b.starts_with(prefix)) {
      return fmt::format("bucket name '{}' must not start with '{}', a prefix S3 reserves", b,
                         prefix);
    }
  }
  for (std::string_view suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (b.ends_with(suffix)) {
      return fmt::format("bucket name '{}' must not end with '{}', a suffix S3 reserves", b,
                         suffix);
    }
  }
  return {};
}

// The names a bucket may already have: legacy us-east-1 names too, as
// botocore's ^[a-zA-Z0-9.\-_]{1,255}$ takes them, but at least 3 characters,
// as S3 has never had shorter ones. A name that breaks only today's rules
// ("My_Bucket") reaches the server, which says whether it exists.
std::string existing_bucket_name_problem(std::string_view b) {
  if (b.size() < 3 || b.size() > 255) {
    return fmt::format(
        "bucket name '{}' is {} character{} long, must be 3-63 (3-255 for a "
        "legacy us-east-1 bucket)",
        printable(b, false), b.size(), b.size() == 1 ? "" : "s");
  }
  for (std::size_t i = 0; i < b.size(); ++i) {
    const char c = b[i];
    const bool legacy_char =
        is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_';
    if (!legacy_char) {
      return fmt::format(
          "bucket name '{}' contains '{}': only letters, digits, '.', '-' and '_' are allowed "
          "(upper-case letters and '_' in legacy us-east-1 buckets only)",
          printable(b, false), character_at(b, i));
    }
  }
  if (looks_like_ipv4(b)) return ip_address_bucket_problem(b);
  return {};
}

}  // namespace

std::string bucket_name_problem(std::string_view bucket, BucketRules rules) {
  return rules == BucketRules::new_bucket ? new_bucket_name_problem(bucket)
                                          : existing_bucket_name_problem(bucket);
}

Result<S3Url> parse_s3_url(std::string_view text, BucketRules rules) {
  if (!text.starts_with(kScheme)) return usage_error(text, kExpected);
  const std::string_view rest = text.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) {
    return usage_error(text, fmt::format("empty bucket name, {}", kExpected));
  }
  // The AWS CLI takes an access point's (or an Outposts bucket's) ARN in
  // place of a bucket; cut at its first '/', it read as a bucket name with
  // ':' in it.
  if (rest.starts_with("arn:")) {
    return usage_error(text,
                       "access point and Outposts ARNs are not supported: use the access "
                       "point's alias (the name ending in -s3alias) or the bucket's name");
  }
  if (std::string why = bucket_name_problem(bucket, rules); !why.empty()) {
    return usage_error(text, why);
  }
  S3Url url;
  url.bucket = std::string(bucket);
  if (slash != std::string_view::npos) url.key = std::string(rest.substr(slash + 1));
  // S3 keys are UTF-8: no object can be named by other bytes (the server
  // answers 400, or a listing finds nothing). Most likely a shell or script
  // in another encoding (Latin-1's "\xE9" for "é").
  if (const std::size_t bad = utf8::first_invalid(url.key); bad != std::string_view::npos) {
    return make_error(
        ErrorKind::usage,
        fmt::format("invalid S3 URL '{}': the key is not UTF-8 (byte {}), and S3 keys are UTF-8 "
                    "text: check the encoding of the shell or script that wrote it",
                    printable(text, true), printable(url.key.substr(bad, 1), true)));
  }
  return url;
}

}  // namespace s3loop::s3
