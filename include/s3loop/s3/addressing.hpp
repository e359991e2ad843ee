// Where an S3 request for (bucket, key) goes: which host to connect to, what
// Host header to send and what path to sign. Pure.
#pragma once

#include "s3loop/net/endpoint.hpp"
#include "s3loop/s3/config.hpp"

#include <string>
#include <string_view>

namespace s3loop::s3 {

struct RequestTarget {
  net::Endpoint connect_to;  // virtual-hosted style connects to bucket.host
  std::string host_header;
  std::string canonical_uri;  // encoded once, never normalised; also the request path
};

// virtual_hosted: bucket.host, for a bucket that is a valid host name and,
// over https, a single label (TLS wildcards cover one label, so a dotted
// bucket would fail the certificate's name check); other buckets fall back to
// path style, as botocore does. automatic: the same, but for AWS endpoints
// (*.amazonaws.com, and the other AWS partitions' domains such as
// *.amazonaws.com.cn) only; path-style for every other endpoint, as
// S3-compatible servers expect (rclone does the same for non-AWS providers).
// An empty bucket addresses the service itself (ListBuckets).
RequestTarget address(const net::Endpoint& endpoint, AddressingStyle style, std::string_view bucket,
                      std::string_view key);

// Default endpoint for a region when none is configured, in the domain of
// the region's AWS partition as botocore has it: s3.cn-north-1.amazonaws.com.cn
// in China, s3.eu-west-1.amazonaws.com for the usual ones.
net::Endpoint aws_endpoint_for_region(const std::string& region);

}  // namespace s3loop::s3
