#include "s3loop/s3/addressing.hpp"

#include <gtest/gtest.h>

namespace s3loop::s3 {
namespace {

net::Endpoint endpoint(std::string host, std::uint16_t port, bool tls = true) {
  net::Endpoint ep;
  ep.host = std::move(host);
  ep.port = port;
  ep.tls = tls;
  return ep;
}

TEST(Addressing, PathStyleEncodesKeyOnceAndKeepsSlashes) {
  auto t =
      address(endpoint("127.0.0.1", 9443), AddressingStyle::automatic, "bucket", "a b//c/./d+e");
  EXPECT_EQ(t.canonical_uri, "/bucket/a%20b//c/./d%2Be");
  EXPECT_EQ(t.host_header, "127.0.0.1:9443");
  EXPECT_EQ(t.connect_to.host, "127.0.0.1");
}

TEST(Addressing, BucketOnlyHasNoTrailingSlash) {
  auto t = address(endpoint("127.0.0.1", 9443), AddressingStyle::path, "bucket", "");
  EXPECT_EQ(t.canonical_uri, "/bucket");
}

TEST(Addressing, ServiceRoot) {
  auto t = address(endpoint("s3.localhost", 443), AddressingStyle::virtual_hosted, "", "");
  EXPECT_EQ(t.canonical_uri, "/");
  EXPECT_EQ(t.host_header, "s3.localhost");
}

TEST(Addressing, VirtualHostedMovesBucketIntoHost) {
  auto t = address(endpoint("s3.localhost", 9443), AddressingStyle::virtual_hosted, "my-bucket",
                   "k/x y");
  EXPECT_EQ(t.connect_to.host, "my-bucket.s3.localhost");
  EXPECT_EQ(t.host_header, "my-bucket.s3.localhost:9443");
  EXPECT_EQ(t.canonical_uri, "/k/x%20y");
}

TEST(Addressing, AutomaticIsVirtualOnlyOnAwsWithDnsSafeNames) {
  auto aws = endpoint("s3.us-west-2.amazonaws.com", 443);
  EXPECT_EQ(address(aws, AddressingStyle::automatic, "logs", "k").host_header,
            "logs.s3.us-west-2.amazonaws.com");
  // Dotted names would break the TLS wildcard: path style.
  EXPECT_EQ(address(aws, AddressingStyle::automatic, "my.logs", "k").canonical_uri, "/my.logs/k");
  // Other endpoints: path style, as S3-compatible servers expect.
  EXPECT_EQ(address(endpoint("minio.internal", 9000), AddressingStyle::automatic, "logs", "k")
                .canonical_uri,
            "/logs/k");
}

TEST(Addressing, IpLiteralIsAlwaysPathStyle) {
  auto t = address(endpoint("127.0.0.1", 9443), AddressingStyle::virtual_hosted, "bucket", "k");
  EXPECT_EQ(t.canonical_uri, "/bucket/k");
}

TEST(Addressing, DefaultPortIsOmittedFromHost) {
  EXPECT_EQ(address(endpoint("example.com", 443), AddressingStyle::path, "b", "k").host_header,
            "example.com");
  EXPECT_EQ(
      address(endpoint("example.com", 80, false), AddressingStyle::path, "b", "k").host_header,
      "example.com");
}

TEST(Addressing, AwsDefaultEndpoints) {
  EXPECT_EQ(aws_endpoint_for_region("us-east-1").host, "s3.amazonaws.com");
  EXPECT_EQ(aws_endpoint_for_region("eu-west-1").host, "s3.eu-west-1.amazonaws.com");
}

}  // namespace
}  // namespace s3loop::s3
