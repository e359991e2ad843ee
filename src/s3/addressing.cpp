#include "s3loop/s3/addressing.hpp"

#include "s3loop/s3/encoding.hpp"

namespace s3loop::s3 {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool dns_label_compatible(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

}  // namespace

RequestTarget address(const net::Endpoint& endpoint, AddressingStyle style, std::string_view bucket,
                      std::string_view key) {
  bool virtual_hosted = false;
  if (!bucket.empty() && !endpoint.is_ip_literal()) {
    switch (style) {
      case AddressingStyle::virtual_hosted:
        virtual_hosted = true;
        break;
      case AddressingStyle::path:
        virtual_hosted = false;
        break;
      case AddressingStyle::automatic:
        virtual_hosted = ends_with(endpoint.host, ".amazonaws.com") && dns_label_compatible(bucket);
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
