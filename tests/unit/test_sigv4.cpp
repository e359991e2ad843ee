// SigV4 for S3: the worked examples of the S3 API Reference page "Signature
// Calculations for the Authorization Header: Transferring Payload in a Single
// Chunk" (examplebucket, AKIAIOSFODNN7EXAMPLE, 20130524T000000Z), plus the
// canonicalisation rules the signer must apply by itself.
//
// Expected values are AWS's published ones, never computed by this code: the
// page is not in our reference store in full, so they were taken from
// transcriptions of it found in several independent projects' tests, all of
// which agree (canonical request, string to sign and signature).
#include "s3loop/s3/encoding.hpp"
#include "s3loop/s3/sigv4.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace s3loop::s3 {
namespace {

constexpr const char* kDocDate = "20130524T000000Z";
constexpr const char* kEmptySha =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const Credentials kDocCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

SigningInput doc_input(std::string method, std::string uri, QueryParams query, Headers extra,
                       std::string payload_hash) {
  SigningInput in;
  in.method = std::move(method);
  in.canonical_uri = std::move(uri);
  in.query = std::move(query);
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"x-amz-date", kDocDate},
                {"x-amz-content-sha256", payload_hash}};
  in.headers.insert(in.headers.end(), extra.begin(), extra.end());
  in.payload_hash = std::move(payload_hash);
  in.region = "us-east-1";
  in.service = "s3";
  in.amz_date = kDocDate;
  return in;
}

std::string doc_authorization(const char* signed_headers, const char* signature) {
  return std::string(
             "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
             "SignedHeaders=") +
         signed_headers + ", Signature=" + signature;
}

TEST(S3SigV4Doc, GetObjectWithRange) {
  const Signature sig =
      sign_v4(doc_input("GET", "/test.txt", {}, {{"Range", "bytes=0-9"}}, kEmptySha), kDocCreds);
  EXPECT_EQ(
      sig.canonical_request,
      "GET\n"
      "/test.txt\n"
      "\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "range:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n"
      "\n"
      "host;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sig.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(sig.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(sig.signed_headers, "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(sig.authorization,
            doc_authorization("host;range;x-amz-content-sha256;x-amz-date",
                              "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
}

// The signing key is derived once and kept (per thread); every input it
// depends on must still change the signature, and going back must give the
// published one again.
TEST(S3SigV4Doc, TheKeptSigningKeyFollowsSecretDayRegionAndService) {
  constexpr const char* kPublished =
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
  const SigningInput in = doc_input("GET", "/test.txt", {}, {{"Range", "bytes=0-9"}}, kEmptySha);
  ASSERT_EQ(sign_v4(in, kDocCreds).signature, kPublished);

  Credentials other_secret = kDocCreds;
  other_secret.secret_access_key.back() = 'X';
  SigningInput other_day = in;
  other_day.amz_date = "20130525T000000Z";
  SigningInput other_region = in;
  other_region.region = "eu-west-1";
  SigningInput other_service = in;
  other_service.service = "s3-object-lambda";
  const std::string variants[] = {
      sign_v4(in, other_secret).signature, sign_v4(other_day, kDocCreds).signature,
      sign_v4(other_region, kDocCreds).signature, sign_v4(other_service, kDocCreds).signature};
  for (const auto& signature : variants) EXPECT_NE(signature, kPublished);
  for (std::size_t i = 1; i < std::size(variants); ++i) EXPECT_NE(variants[i], variants[i - 1]);
  // And each is the one a fresh key gives (a new thread keeps none): moving
  // is not enough -- a kept key of the day before signs a scope of today's
  // date that the server refuses (past midnight UTC, every request).
  const auto fresh = [](const SigningInput& input, const Credentials& credentials) {
    std::string signature;
    std::thread([&] { signature = sign_v4(input, credentials).signature; }).join();
    return signature;
  };
  (void)sign_v4(in, kDocCreds);
  EXPECT_EQ(variants[0], fresh(in, other_secret));
  (void)sign_v4(in, kDocCreds);
  EXPECT_EQ(sign_v4(other_day, kDocCreds).signature, fresh(other_day, kDocCreds));
  (void)sign_v4(in, kDocCreds);
  EXPECT_EQ(sign_v4(other_region, kDocCreds).signature, fresh(other_region, kDocCreds));
  (void)sign_v4(in, kDocCreds);
  EXPECT_EQ(sign_v4(other_service, kDocCreds).signature, fresh(other_service, kDocCreds));
  EXPECT_EQ(sign_v4(in, kDocCreds).signature, kPublished);
  // Only the time of day changed: same key, and the signature still moves.
  SigningInput later = in;
  later.amz_date = "20130524T235959Z";
  EXPECT_NE(sign_v4(later, kDocCreds).signature, kPublished);
}

TEST(S3SigV4Doc, PutObjectWithDollarInKey) {
  const std::string body_hash = sha256_hex("Welcome to Amazon S3.");
  ASSERT_EQ(body_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  const std::string uri = "/" + uri_encode("test$file.text", true);
  ASSERT_EQ(uri, "/test%24file.text");
  const Signature sig = sign_v4(doc_input("PUT", uri, {},
                                          {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                           {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                                          body_hash),
                                kDocCreds);
  EXPECT_EQ(
      sig.canonical_request,
      "PUT\n"
      "/test%24file.text\n"
      "\n"
      "date:Fri, 24 May 2013 00:00:00 GMT\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
      "x-amz-date:20130524T000000Z\n"
      "x-amz-storage-class:REDUCED_REDUNDANCY\n"
      "\n"
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(sig.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(sig.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  EXPECT_EQ(sig.authorization,
            doc_authorization("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                              "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"));
}

TEST(S3SigV4Doc, GetBucketLifecycleValuelessParameter) {
  const Signature sig =
      sign_v4(doc_input("GET", "/", {{"lifecycle", ""}}, {}, kEmptySha), kDocCreds);
  EXPECT_EQ(
      sig.canonical_request,
      "GET\n"
      "/\n"
      "lifecycle=\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n"
      "\n"
      "host;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sig.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  EXPECT_EQ(sig.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  EXPECT_EQ(sig.authorization,
            doc_authorization("host;x-amz-content-sha256;x-amz-date",
                              "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));
}

TEST(S3SigV4Doc, ListObjectsQuerySorted) {
  // Given in reverse order: the signer must sort.
  const Signature sig = sign_v4(
      doc_input("GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {}, kEmptySha), kDocCreds);
  EXPECT_EQ(
      sig.canonical_request,
      "GET\n"
      "/\n"
      "max-keys=2&prefix=J\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n"
      "\n"
      "host;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sig.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(sig.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  EXPECT_EQ(sig.authorization,
            doc_authorization("host;x-amz-content-sha256;x-amz-date",
                              "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
}

// --- Rules, with expectations written from the SigV4 specification ---

TEST(S3SigV4, KeyIsEncodedOnceAndNeverNormalised) {
  const std::string key = "dir//sub/./a b+c=d#e%f~g'h/\xC3\xBC\xE2\x82\xAC.txt/";
  const std::string uri = "/" + uri_encode(key, true);
  EXPECT_EQ(uri, "/dir//sub/./a%20b%2Bc%3Dd%23e%25f~g%27h/%C3%BC%E2%82%AC.txt/");

  SigningInput in = doc_input("GET", uri, {}, {}, kEmptySha);
  const Signature sig = sign_v4(in, kDocCreds);
  // Line 2 of the canonical request is the URI exactly as given.
  EXPECT_EQ(sig.canonical_request.substr(0, sig.canonical_request.find('\n', 4) + 1),
            "GET\n/dir//sub/./a%20b%2Bc%3Dd%23e%25f~g%27h/%C3%BC%E2%82%AC.txt/\n");
}

TEST(S3SigV4, CanonicalQueryString) {
  EXPECT_EQ(canonical_query_string({}), "");
  EXPECT_EQ(canonical_query_string({{"uploads", ""}}), "uploads=");
  // Sorted by encoded name, byte order ('B' < 'a'), then by value.
  EXPECT_EQ(canonical_query_string({{"a", "2"}, {"B", "x"}, {"a", "1"}}), "B=x&a=1&a=2");
  // Values: '/' and space and '+' and '=' encoded; never '+' for space.
  EXPECT_EQ(canonical_query_string({{"prefix", "a b/c+d=e&f"}}), "prefix=a%20b%2Fc%2Bd%3De%26f");
  EXPECT_EQ(canonical_query_string({{"continuation-token", "1/x+y=="}}),
            "continuation-token=1%2Fx%2By%3D%3D");
  // Sorting happens after encoding: "%" (0x25) sorts before letters.
  EXPECT_EQ(canonical_query_string({{"b", "1"}, {"\xC3\xBC", "2"}}), "%C3%BC=2&b=1");
}

TEST(S3SigV4, HeaderCanonicalisation) {
  SigningInput in;
  in.method = "GET";
  in.canonical_uri = "/";
  in.headers = {{"X-Amz-Meta-B", "  two   spaces\there "},
                {"host", "h"},
                {"X-AMZ-META-A", "x"},
                {"x-amz-meta-a", "y"}};
  in.payload_hash = "UNSIGNED-PAYLOAD";
  in.region = "r";
  in.amz_date = "20000101T000000Z";
  const Signature sig = sign_v4(in, {"AK", "SK", ""});
  EXPECT_EQ(sig.canonical_request,
            "GET\n/\n\n"
            "host:h\n"
            "x-amz-meta-a:x,y\n"
            "x-amz-meta-b:two spaces here\n"
            "\n"
            "host;x-amz-meta-a;x-amz-meta-b\n"
            "UNSIGNED-PAYLOAD");
  EXPECT_EQ(sig.signed_headers, "host;x-amz-meta-a;x-amz-meta-b");
  EXPECT_EQ(sig.string_to_sign.substr(0, sig.string_to_sign.rfind('\n')),
            "AWS4-HMAC-SHA256\n20000101T000000Z\n20000101/r/s3/aws4_request");
}

TEST(S3SigV4, Sha256KnownAnswers) {
  EXPECT_EQ(sha256_hex(""), kEmptySha);
  // From the SigV4 suite's post-x-www-form-urlencoded case.
  EXPECT_EQ(sha256_hex("Param1=value1"),
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
}

TEST(S3SigV4, FormatAmzDate) {
  using namespace std::chrono;
  const sys_days day = year{2015} / August / 30;
  EXPECT_EQ(format_amz_date(day + hours{12} + minutes{36}), "20150830T123600Z");
  // Sub-second parts are truncated, never rounded up into the next second.
  EXPECT_EQ(format_amz_date(day + hours{23} + minutes{59} + seconds{59} + milliseconds{999}),
            "20150830T235959Z");
  EXPECT_EQ(format_amz_date(system_clock::time_point{}), "19700101T000000Z");
  EXPECT_EQ(format_amz_date(sys_days{year{2013} / May / 24}), "20130524T000000Z");
}

}  // namespace
}  // namespace s3loop::s3
