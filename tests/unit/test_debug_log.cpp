// --debug lines: useful, and never a secret in them.
#include "s3loop/s3/debug_log.hpp"

#include <gtest/gtest.h>

namespace s3loop::s3 {
namespace {

TEST(DebugLog, RequestLineRedactsEverySecret) {
  net::Request r;
  r.method = "PUT";
  r.host = "bucket.s3.localhost:9443";
  r.target = "/key%20x?partNumber=1";
  r.headers = {{"x-amz-date", "20261125T120000Z"},
               {"x-amz-security-token", "SESSIONTOKENsecret"},
               {"x-amz-server-side-encryption-customer-key", "c2VjcmV0a2V5"},
               {"x-amz-copy-source-server-side-encryption-customer-key-MD5", "bWQ1"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/s3/aws4_request, "
                "SignedHeaders=host;x-amz-date, "
                "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"}};
  r.body = "hello";
  const std::string line = format_request_log(r);
  for (const char* secret : {"SESSIONTOKENsecret", "c2VjcmV0a2V5", "bWQ1", "AKIDEXAMPLE",
                             "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"}) {
    EXPECT_EQ(line.find(secret), std::string::npos) << secret << " in " << line;
  }
  EXPECT_NE(line.find("-> PUT bucket.s3.localhost:9443/key%20x?partNumber=1"), std::string::npos);
  EXPECT_NE(line.find("x-amz-date: 20261125T120000Z"), std::string::npos);
  EXPECT_NE(line.find("Authorization: AWS4-HMAC-SHA256 "
                      "Credential=<redacted>/20261125/us-east-1/s3/aws4_request, "
                      "SignedHeaders=host;x-amz-date, Signature=<redacted>"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("x-amz-security-token: <redacted>"), std::string::npos);
  EXPECT_NE(line.find("body: 5 bytes"), std::string::npos);
}

TEST(DebugLog, ALineBreakInAValueStaysOnTheLine) {
  net::Request r;
  r.method = "PUT";
  r.host = "127.0.0.1";
  r.target = "/dst/k";
  r.headers = {{"x-amz-copy-source-if-match", "\"abc\r\nX-Evil: yes\""}};
  EXPECT_EQ(format_request_log(r),
            "-> PUT 127.0.0.1/dst/k | x-amz-copy-source-if-match: \"abc\\r\\nX-Evil: yes\"");
}

TEST(DebugLog, ScopeIsShownOnlyWhenNoPartOfTheKeyIdCanShow) {
  auto line_for = [](const std::string& authorization) {
    net::Request r;
    r.method = "GET";
    r.host = "h";
    r.target = "/";
    r.headers = {{"Authorization", authorization}};
    return format_request_log(r);
  };
  // A key id holding '/' itself: the scope is the last four parts, the key id stays hidden.
  const std::string slashed = line_for(
      "AWS4-HMAC-SHA256 Credential=MYKEY/PART2/20261125/eu-west-1/s3/aws4_request, "
      "SignedHeaders=host, Signature=abcdef0123");
  EXPECT_EQ(slashed.find("MYKEY"), std::string::npos) << slashed;
  EXPECT_EQ(slashed.find("PART2"), std::string::npos) << slashed;
  EXPECT_NE(slashed.find("Credential=<redacted>/20261125/eu-west-1/s3/aws4_request, "),
            std::string::npos)
      << slashed;
  // Not shaped as a SigV4 credential (no commas, too few parts, no key id): no scope at all.
  for (const char* odd : {"AWS4-HMAC-SHA256 Credential=KEY/20261125/x/s3/aws4_request "
                          "SignedHeaders=host Signature=abcdef0123",
                          "AWS4-HMAC-SHA256 Credential=KEY/s3/aws4_request, Signature=abcdef0123",
                          "AWS4-HMAC-SHA256 Credential=/20261125/x/s3/aws4_request, Signature=ab",
                          "AWS4-HMAC-SHA256 Credential=KEY/1/2/3/other, Signature=abcdef0123"}) {
    const std::string line = line_for(odd);
    EXPECT_EQ(line.find("abcdef0123"), std::string::npos) << line;
    EXPECT_EQ(line.find("KEY"), std::string::npos) << line;
  }
  const std::string no_commas = line_for(
      "AWS4-HMAC-SHA256 Credential=KEY/20261125/x/s3/aws4_request SignedHeaders=host "
      "Signature=abcdef0123");
  EXPECT_NE(no_commas.find("Credential=<redacted>/20261125/x/s3/aws4_request"), std::string::npos)
      << no_commas;
}

TEST(DebugLog, ReplyLineHasStatusTimeAndRequestId) {
  net::Request r;
  r.method = "GET";
  r.host = "h";
  r.target = "/b/k";
  net::Response ok;
  ok.status = 206;
  ok.headers = {{"x-amz-request-id", "tx00001"}};
  const std::string line = format_reply_log(r, ok, std::chrono::microseconds(12345));
  EXPECT_EQ(line, "<- GET h/b/k 206 in 12.3 ms, request id tx00001");
  const std::string failed = format_reply_log(r, make_error(ErrorKind::timeout, "read timed out"),
                                              std::chrono::microseconds(1000));
  EXPECT_EQ(failed, "<- GET h/b/k failed after 1.0 ms: read timed out");
}

// What --debug says of the configuration: each choice and the setting that
// made it, never a key, and the endpoint without what its URL might carry.
TEST(DebugLog, ConfigLineNamesSourcesNotSecrets) {
  ResolvedConfig c;
  c.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMIsecret", "SESSIONTOKENsecret"};
  c.credentials_source = "profile dev (~/.aws/credentials)";
  c.profile = "dev";
  c.profile_source = "AWS_PROFILE";
  c.region = "cn-north-1";
  c.region_source = "profile dev";
  c.endpoint_url = "https://user:pw@minio.local:9000";
  c.endpoint_source = "AWS_ENDPOINT_URL";
  net::Endpoint ep;
  ep.host = "minio.local";
  ep.port = 9000;
  ep.tls = true;
  const std::string line = format_config_log(c, ep);
  EXPECT_EQ(line,
            "config: profile dev (AWS_PROFILE), credentials from profile dev "
            "(~/.aws/credentials), region cn-north-1 (profile dev), endpoint "
            "https://minio.local:9000 (AWS_ENDPOINT_URL)");
  for (const char* secret : {"AKIDEXAMPLE", "wJalrXUtnFEMIsecret", "SESSIONTOKENsecret", "pw"}) {
    EXPECT_EQ(line.find(secret), std::string::npos) << secret;
  }
}

TEST(DebugLog, ConfigLineSaysWhenACredentialProcessesKeysExpire) {
  ResolvedConfig c;
  c.credentials_source = "credential_process of profile dev (~/.aws/config)";
  c.credentials_expire_at = 4102542245;
  c.profile = "dev";
  c.profile_source = "--profile";
  c.region = "us-east-1";
  c.region_source = "default";
  net::Endpoint ep;
  ep.host = "s3.amazonaws.com";
  ep.port = 443;
  ep.tls = true;
  EXPECT_NE(format_config_log(c, ep).find(
                "credentials from credential_process of profile dev (~/.aws/config) (they expire "
                "at 2100-01-02 03:04:05 UTC; renewed from 15 minutes before), region"),
            std::string::npos)
      << format_config_log(c, ep);
}

}  // namespace
}  // namespace s3loop::s3
