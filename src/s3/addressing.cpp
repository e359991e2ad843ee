#include "s3loop/s3/addressing.hpp"

#include "s3loop/s3/encoding.hpp"
#include "s3loop/s3/host_label.hpp"

#include <algorithm>

namespace s3loop::s3 {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A bucket name's label: a host label in lower case only, as botocore's
// check_dns_name wants -- DNS ignores case, so an upper-case bucket (a legacy
// us-east-1 name) would reach S3 as another bucket.
bool bucket_label(std::string_view label) {
  return is_host_label(label) &&
         std::ranges::none_of(label, [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Whether bucket.host names the bucket, as botocore decides: the bucket must
// be a valid host name, and over https a single label, since the server's
// wildcard certificate (*.s3.amazonaws.com) covers one label only. Other
// buckets fall back to path style rather than fail.
bool virtual_hostable(std::string_view bucket, bool tls) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  if (tls) return bucket_label(bucket);
  for (std::size_t start = 0;;) {
    const std::size_t dot = bucket.find('.', start);
    if (!bucket_label(bucket.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

RequestTarget address(const net::Endpoint& endpoint, AddressingStyle style, std::string_view bucket,
                      std::string_view key) {
  bool virtual_hosted = false;
  if (!bucket.empty() && !endpoint.is_ip_literal()) {
    switch (style) {
      case AddressingStyle::virtual_hosted:
        virtual_hosted = virtual_hostable(bucket, endpoint.tls);
        break;
      case AddressingStyle::path:
        virtual_hosted = false;
        break;
      case AddressingStyle::automatic:
        virtual_hosted =
            ends_with(endpoint.host, ".amazonaws.com") && virtual_hostable(bucket, endpoint.tls);
        break;
    }
  }
  RequestTarget target;
  target.connect_to = endpoint;
  if (virtual_hosted) {
    target.connect_to.host = std::string(bucket) + "." + endpoint.host;
    target.canonical_uri = "/" + uri_encode(key, /*keep_slash=*/true);
  } else if (bucket.empty()) {
    target.canonical_uri = "/";
  } else {
    target.canonical_uri = "/" + std::string(bucket) + "/" + uri_encode(key, /*keep_slash=*/true);
    // "/bucket/" and "/bucket" are the same resource; servers answer bucket
    // operations on "/bucket".
    if (key.empty()) target.canonical_uri.pop_back();
  }
  target.host_header = target.connect_to.authority();
  return target;
}

net::Endpoint aws_endpoint_for_region(const std::string& region) {
  net::Endpoint ep;
  ep.tls = true;
  ep.port = 443;
  ep.host = region == "us-east-1" ? "s3.amazonaws.com" : "s3." + region + ".amazonaws.com";
  return ep;
}

}  // namespace s3loop::s3
