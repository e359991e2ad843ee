#include "s3loop/s3/addressing.hpp"

#include "s3loop/s3/encoding.hpp"
#include "s3loop/s3/host_label.hpp"

#include <algorithm>

namespace s3loop::s3 {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_word_char(char c) {  // Python's \w, for the ASCII a region name holds
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The AWS partitions whose endpoints are not under amazonaws.com, from
// botocore's data/partitions.json: each partition's regionRegex is
// "^<prefix>\-\w+\-\d+$" and its dnsSuffix the domain of its endpoints.
// Every other region -- unknown ones too, as in botocore -- is in the "aws"
// partition (aws-us-gov shares its amazonaws.com).
struct Partition {
  std::string_view region_prefix;
  std::string_view dns_suffix;
};
constexpr Partition kPartitions[] = {
    {"cn", "amazonaws.com.cn"},     // aws-cn: cn-north-1, cn-northwest-1
    {"eusc-de", "amazonaws.eu"},    // aws-eusc
    {"us-iso", "c2s.ic.gov"},       // aws-iso
    {"us-isob", "sc2s.sgov.gov"},   // aws-iso-b
    {"eu-isoe", "cloud.adc-e.uk"},  // aws-iso-e
    {"us-isof", "csp.hci.ic.gov"},  // aws-iso-f
};
constexpr std::string_view kAwsDnsSuffix = "amazonaws.com";

// Whether region matches "^<prefix>\-\w+\-\d+$".
bool in_partition(std::string_view region, std::string_view prefix) {
  if (!region.starts_with(prefix) || region.substr(prefix.size(), 1) != "-") return false;
  const std::string_view rest = region.substr(prefix.size() + 1);
  const std::size_t dash = rest.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == rest.size()) return false;
  return std::ranges::all_of(rest.substr(0, dash), is_word_char) &&
         std::ranges::all_of(rest.substr(dash + 1), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view dns_suffix_for_region(std::string_view region) {
  for (const Partition& p : kPartitions) {
    if (in_partition(region, p.region_prefix)) return p.dns_suffix;
  }
  return kAwsDnsSuffix;
}

// An AWS endpoint, in any partition: virtual-hosted addressing is the norm there.
bool is_aws_host(std::string_view host) {
  if (ends_with(host, ".amazonaws.com")) return true;
  return std::ranges::any_of(kPartitions, [host](const Partition& p) {
    return host.size() > p.dns_suffix.size() && ends_with(host, p.dns_suffix) &&
           host[host.size() - p.dns_suffix.size() - 1] == '.';
  });
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
        virtual_hosted = is_aws_host(endpoint.host) && virtual_hostable(bucket, endpoint.tls);
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
  // us-east-1 keeps S3's global name, as botocore's endpoint rules do.
  ep.host = region == "us-east-1"
                ? "s3.amazonaws.com"
                : "s3." + region + "." + std::string(dns_suffix_for_region(region));
  return ep;
}

}  // namespace s3loop::s3
