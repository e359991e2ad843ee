// Percent-encoding edge cases and Content-MD5.
#include "s3loop/s3/encoding.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace s3loop::s3 {
namespace {

std::string all_bytes() {
  std::string s;
  for (int b = 0; b < 256; ++b) s.push_back(static_cast<char>(b));
  return s;
}

TEST(S3Encoding, UnreservedAreKept) {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(uri_encode(unreserved, false), unreserved);
  EXPECT_EQ(uri_encode(unreserved, true), unreserved);
}

TEST(S3Encoding, ReservedBecomeUpperCaseHex) {
  EXPECT_EQ(uri_encode(" !\"#$%&'()*+,/:;=?@[]", false),
            "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D");
  EXPECT_EQ(uri_encode("<>\\^`{|}", false), "%3C%3E%5C%5E%60%7B%7C%7D");
  EXPECT_EQ(uri_encode(std::string("\0\x01\x1F\x7F\xFF", 5), false), "%00%01%1F%7F%FF");
}

TEST(S3Encoding, SlashKeptOnlyForPaths) {
  EXPECT_EQ(uri_encode("a/b//c/./d/../e/", true), "a/b//c/./d/../e/");
  EXPECT_EQ(uri_encode("a/b//c/./d/", false), "a%2Fb%2F%2Fc%2F.%2Fd%2F");
  EXPECT_EQ(uri_encode("", true), "");
}

TEST(S3Encoding, MultiByteUtf8IsEncodedPerByte) {
  EXPECT_EQ(uri_encode("\xC3\xBC", true), "%C3%BC");                // U+00FC
  EXPECT_EQ(uri_encode("\xE1\x88\xB4", true), "%E1%88%B4");         // U+1234 (SigV4 suite)
  EXPECT_EQ(uri_encode("\xE2\x82\xAC", true), "%E2%82%AC");         // U+20AC
  EXPECT_EQ(uri_encode("\xF0\x9F\x98\x80", true), "%F0%9F%98%80");  // U+1F600
  EXPECT_EQ(url_decode("%F0%9F%98%80", false), "\xF0\x9F\x98\x80");
}

TEST(S3Encoding, EveryByteEncodesAsSpecifiedAndRoundTrips) {
  const std::string bytes = all_bytes();
  const std::string encoded = uri_encode(bytes, false);
  std::size_t pos = 0;
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      EXPECT_EQ(encoded.substr(pos, 1), std::string(1, c)) << "byte " << b;
      pos += 1;
    } else {
      char want[4];
      std::snprintf(want, sizeof want, "%%%02X", b);
      EXPECT_EQ(encoded.substr(pos, 3), want) << "byte " << b;
      pos += 3;
    }
  }
  EXPECT_EQ(pos, encoded.size());
  EXPECT_EQ(url_decode(encoded, false), bytes);
  EXPECT_EQ(url_decode(encoded, true), bytes);  // uri_encode never emits '+'
  EXPECT_EQ(url_decode(uri_encode(bytes, true), true), bytes);
}

TEST(S3Encoding, DecodeAcceptsBothHexCases) {
  EXPECT_EQ(url_decode("a%20b%2fc%2Fd", false), "a b/c/d");
  EXPECT_EQ(url_decode("%c3%bc%C3%BC", false), "\xC3\xBC\xC3\xBC");
  EXPECT_EQ(url_decode("%00", false), std::string(1, '\0'));
}

TEST(S3Encoding, PlusIsSpaceOnlyInFormEncoding) {
  EXPECT_EQ(url_decode("a+b", false), "a+b");
  EXPECT_EQ(url_decode("a+b", true), "a b");
  EXPECT_EQ(url_decode("a%2Bb+c", true), "a+b c");
  EXPECT_EQ(url_decode("%2B", false), "+");
}

TEST(S3Encoding, MalformedEscapesAreKeptLiterally) {
  EXPECT_EQ(url_decode("100%", false), "100%");
  EXPECT_EQ(url_decode("%", false), "%");
  EXPECT_EQ(url_decode("%4", false), "%4");
  EXPECT_EQ(url_decode("a%zzb", false), "a%zzb");
  EXPECT_EQ(url_decode("%G1%1G", false), "%G1%1G");
  EXPECT_EQ(url_decode("%%41", false), "%A");  // the first '%' is literal
  EXPECT_EQ(url_decode("%+1", true), "% 1");   // '+' still decodes after a stray '%'
}

TEST(S3Encoding, Base64Md5KnownAnswers) {
  // The Content-MD5 of an empty body, as seen on any S3 request without one.
  EXPECT_EQ(base64_md5(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  // MD5 9e107d9d372bb6826bd81d3542a419d6, the classic published example.
  EXPECT_EQ(base64_md5("The quick brown fox jumps over the lazy dog"), "nhB9nTcrtoJr2B01QqQZ1g==");
}

TEST(S3Encoding, TaggingHeaderEncodesEveryStructuralByte) {
  EXPECT_EQ(tagging_header({}), "");
  EXPECT_EQ(tagging_header({{"k", "v"}}), "k=v");
  // '&', '=', '+', ' ', '/', '%' and UTF-8 would each change what the server
  // reads if left raw; order is kept.
  EXPECT_EQ(tagging_header({{"a b", "c&d=e"}, {"x+y/z", "100%"}, {"\xC3\xA9t\xC3\xA9", ""}}),
            "a%20b=c%26d%3De&x%2By%2Fz=100%25&%C3%A9t%C3%A9=");
}

}  // namespace
}  // namespace s3loop::s3
