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

TEST(Addressing, VirtualFallsBackToPathForDottedBucketsOverHttps) {
  // *.s3.localhost covers one label: a.b.c.s3.localhost would fail the name
  // check.
  auto t = address(endpoint("s3.localhost", 9443), AddressingStyle::virtual_hosted, "a.b.c", "k");
  EXPECT_EQ(t.connect_to.host, "s3.localhost");
  EXPECT_EQ(t.host_header, "s3.localhost:9443");
  EXPECT_EQ(t.canonical_uri, "/a.b.c/k");
}

TEST(Addressing, VirtualKeepsDottedBucketsOverHttp) {
  // No certificate to match over plain http: botocore keeps them virtual.
  auto t =
      address(endpoint("s3.localhost", 9480, false), AddressingStyle::virtual_hosted, "a.b.c", "k");
  EXPECT_EQ(t.host_header, "a.b.c.s3.localhost:9480");
  EXPECT_EQ(t.canonical_uri, "/k");
}

TEST(Addressing, VirtualFallsBackToPathForNamesThatAreNoHostName) {
  for (const bool tls : {true, false}) {
    const auto ep = endpoint("s3.localhost", 9443, tls);
    for (const char* bucket :
         {"My_Bucket", "Upper", "-dash", "dash-", "a..b", ".ab", "ab.", "a.-b", "ab"}) {
      auto t = address(ep, AddressingStyle::virtual_hosted, bucket, "k");
      EXPECT_EQ(t.connect_to.host, "s3.localhost") << bucket << " tls=" << tls;
      EXPECT_EQ(t.canonical_uri, "/" + std::string(bucket) + "/k") << bucket << " tls=" << tls;
    }
  }
  EXPECT_EQ(address(endpoint("s3.localhost", 9443), AddressingStyle::virtual_hosted,
                    std::string(64, 'a'), "k")
                .connect_to.host,
            "s3.localhost");
  EXPECT_EQ(address(endpoint("s3.localhost", 9443), AddressingStyle::virtual_hosted,
                    std::string(63, 'a'), "k")
                .connect_to.host,
            std::string(63, 'a') + ".s3.localhost");
}

TEST(Addressing, AutomaticIsVirtualOnlyOnAwsWithDnsSafeNames) {
  auto aws = endpoint("s3.us-west-2.amazonaws.com", 443);
  EXPECT_EQ(address(aws, AddressingStyle::automatic, "logs", "k").host_header,
            "logs.s3.us-west-2.amazonaws.com");
  // Dotted names would break the TLS wildcard: path style.
  EXPECT_EQ(address(aws, AddressingStyle::automatic, "my.logs", "k").canonical_uri, "/my.logs/k");
  EXPECT_EQ(address(aws, AddressingStyle::automatic, "My_Logs", "k").canonical_uri, "/My_Logs/k");
  // Over plain http the same rule as virtual: dotted names stay virtual.
  EXPECT_EQ(address(endpoint("s3.us-west-2.amazonaws.com", 80, false), AddressingStyle::automatic,
                    "my.logs", "k")
                .host_header,
            "my.logs.s3.us-west-2.amazonaws.com");
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
  EXPECT_EQ(aws_endpoint_for_region("us-gov-west-1").host, "s3.us-gov-west-1.amazonaws.com");
  EXPECT_TRUE(aws_endpoint_for_region("eu-west-1").tls);
  EXPECT_EQ(aws_endpoint_for_region("eu-west-1").port, 443);
}

// Each host as botocore 1.43 builds it for the region (its partitions.json).
TEST(Addressing, OtherPartitionsUseTheirOwnDomain) {
  EXPECT_EQ(aws_endpoint_for_region("cn-north-1").host, "s3.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(aws_endpoint_for_region("cn-northwest-1").host, "s3.cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(aws_endpoint_for_region("eusc-de-east-1").host, "s3.eusc-de-east-1.amazonaws.eu");
  EXPECT_EQ(aws_endpoint_for_region("us-iso-east-1").host, "s3.us-iso-east-1.c2s.ic.gov");
  EXPECT_EQ(aws_endpoint_for_region("us-isob-east-1").host, "s3.us-isob-east-1.sc2s.sgov.gov");
  EXPECT_EQ(aws_endpoint_for_region("eu-isoe-west-1").host, "s3.eu-isoe-west-1.cloud.adc-e.uk");
  EXPECT_EQ(aws_endpoint_for_region("us-isof-south-1").host, "s3.us-isof-south-1.csp.hci.ic.gov");
  // Only the partition's region shape counts: the regexes are case-sensitive.
  EXPECT_EQ(aws_endpoint_for_region("CN-NORTH-1").host, "s3.CN-NORTH-1.amazonaws.com");
  EXPECT_EQ(aws_endpoint_for_region("cn-north").host, "s3.cn-north.amazonaws.com");
  EXPECT_EQ(aws_endpoint_for_region("cnx-north-1").host, "s3.cnx-north-1.amazonaws.com");

  // And there, as on amazonaws.com, automatic addressing is virtual-hosted.
  const auto china =
      address(aws_endpoint_for_region("cn-north-1"), AddressingStyle::automatic, "my-bucket", "k");
  EXPECT_EQ(china.host_header, "my-bucket.s3.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(china.canonical_uri, "/k");
  const auto lookalike = address(endpoint("s3.notamazonaws.com.cn", 443, true),
                                 AddressingStyle::automatic, "b1b", "k");
  EXPECT_EQ(lookalike.canonical_uri, "/b1b/k");
  const auto lookalike_com =
      address(endpoint("s3.notamazonaws.com", 443, true), AddressingStyle::automatic, "b1b", "k");
  EXPECT_EQ(lookalike_com.canonical_uri, "/b1b/k");
}

}  // namespace
}  // namespace s3loop::s3
