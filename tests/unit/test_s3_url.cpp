// s3:// URL parsing: what is accepted, what is refused and how it is explained.
#include "s3loop/s3/s3_url.hpp"

#include <gtest/gtest.h>

namespace s3loop::s3 {
namespace {

S3Url parse_ok(std::string_view text) {
  auto r = parse_s3_url(text);
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message);
  return r ? *r : S3Url{};
}

Error parse_err(std::string_view text, BucketRules rules = BucketRules::new_bucket) {
  auto r = parse_s3_url(text, rules);
  EXPECT_FALSE(r.has_value()) << text << " was accepted";
  if (r) return {};
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  return r.error();
}

TEST(S3Url, BucketOnly) {
  for (std::string_view text : {"s3://my-bucket", "s3://my-bucket/"}) {
    const S3Url u = parse_ok(text);
    EXPECT_EQ(u.bucket, "my-bucket");
    EXPECT_EQ(u.key, "");
  }
}

TEST(S3Url, KeysAreTakenLiterally) {
  const struct {
    const char* url;
    const char* key;
  } cases[] = {
      {"s3://b-1/prefix/key.txt", "prefix/key.txt"},
      {"s3://b-1/dir/", "dir/"},                    // trailing '/' kept
      {"s3://b-1//leading", "/leading"},            // a key may start with '/'
      {"s3://b-1/a//b/./c/../d", "a//b/./c/../d"},  // never normalised
      {"s3://b-1/with space/and  two", "with space/and  two"},
      {"s3://b-1/100%25 not decoded", "100%25 not decoded"},
      {"s3://b-1/plus+equals=hash#q?x=1", "plus+equals=hash#q?x=1"},
      {"s3://b-1/\xC3\xBC\xE2\x82\xAC", "\xC3\xBC\xE2\x82\xAC"},
  };
  for (const auto& c : cases) {
    const S3Url u = parse_ok(c.url);
    EXPECT_EQ(u.bucket, "b-1") << c.url;
    EXPECT_EQ(u.key, c.key) << c.url;
  }
}

TEST(S3Url, AKeyThatIsNotUtf8IsRefusedNamingItsFirstBadByte) {
  // S3 keys are UTF-8: such a key names no object (radosgw answered 400 to a
  // HEAD, a listing found nothing and ls exited 1 without a word).
  const struct {
    const char* url;
    const char* byte;
  } cases[] = {
      {"s3://b-1/caf\xE9", "\\xe9"},           // Latin-1 "é"
      {"s3://b-1/\xFF", "\\xff"},              // never in UTF-8
      {"s3://b-1/ok-\xC3\xBC/\xC3", "\\xc3"},  // cut short after a good one
      {"s3://b-1/\xC0\xAF", "\\xc0"},          // overlong '/'
      {"s3://b-1/\xED\xA0\x80", "\\xed"},      // a UTF-16 surrogate
      {"s3://b-1/\xF4\x90\x80\x80", "\\xf4"},  // past U+10FFFF
      {"s3://b-1/a\x80"
       "b",
       "\\x80"},  // a lone continuation byte
  };
  for (const auto& c : cases) {
    const Error e = parse_err(c.url, BucketRules::existing);
    EXPECT_NE(e.message.find("the key is not UTF-8 (byte " + std::string(c.byte) + ")"),
              std::string::npos)
        << e.message;
    EXPECT_NE(e.message.find("check the encoding"), std::string::npos) << e.message;
    // The message itself stays printable ASCII (the bad bytes as \xNN).
    for (const char ch : e.message) {
      EXPECT_TRUE(ch >= 0x20 && ch < 0x7F) << e.message;
    }
  }
  // Every valid form, up to four bytes, is taken.
  EXPECT_EQ(parse_ok("s3://b-1/\x7F\xC2\x80\xE0\xA0\x80\xF0\x90\x80\x80\xF4\x8F\xBF\xBF").key,
            "\x7F\xC2\x80\xE0\xA0\x80\xF0\x90\x80\x80\xF4\x8F\xBF\xBF");
}

// An ARN in place of a bucket (the AWS CLI takes an access point's): said so,
// not read as a bucket "arn:aws:s3:...:accesspoint" with ':' in it.
TEST(S3Url, AnAccessPointArnIsRefusedAsSuch) {
  for (const char* url :
       {"s3://arn:aws:s3:us-east-1:123456789012:accesspoint/ap/key",
        "s3://arn:aws:s3:us-east-1:123456789012:accesspoint:ap",
        "s3://arn:aws:s3-outposts:us-east-1:123456789012:outpost/op-1/bucket/b"}) {
    auto r = parse_s3_url(url);
    ASSERT_FALSE(r.has_value()) << url;
    EXPECT_EQ(r.error().kind, ErrorKind::usage);
    EXPECT_NE(r.error().message.find(": access point and Outposts ARNs are not supported: use the "
                                     "access point's alias (the name ending in -s3alias) or the "
                                     "bucket's name"),
              std::string::npos)
        << r.error().message;
  }
}

TEST(S3Url, ValidBucketNames) {
  for (std::string_view text :
       {"s3://abc", "s3://a.b", "s3://1-2", "s3://logs.example.com", "s3://9bucket9",
        "s3://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {  // 63
    EXPECT_TRUE(parse_s3_url(text).has_value()) << text;
  }
}

TEST(S3Url, MissingSchemeIsExplained) {
  EXPECT_EQ(parse_err("foo").message, "invalid S3 URL 'foo': expected s3://bucket[/key]");
  EXPECT_EQ(parse_err("/tmp/file").message,
            "invalid S3 URL '/tmp/file': expected s3://bucket[/key]");
  EXPECT_EQ(parse_err("s3:/bucket").message,
            "invalid S3 URL 's3:/bucket': expected s3://bucket[/key]");
  EXPECT_EQ(parse_err("S3://bucket").message,
            "invalid S3 URL 'S3://bucket': expected s3://bucket[/key]");
  EXPECT_EQ(parse_err("https://bucket.s3.amazonaws.com/k").message,
            "invalid S3 URL 'https://bucket.s3.amazonaws.com/k': expected s3://bucket[/key]");
  EXPECT_EQ(parse_err("").message, "invalid S3 URL '': expected s3://bucket[/key]");
}

TEST(S3Url, EmptyBucket) {
  EXPECT_EQ(parse_err("s3://").message,
            "invalid S3 URL 's3://': empty bucket name, expected s3://bucket[/key]");
  EXPECT_EQ(parse_err("s3:///key").message,
            "invalid S3 URL 's3:///key': empty bucket name, expected s3://bucket[/key]");
}

TEST(S3Url, BucketLength) {
  EXPECT_EQ(parse_err("s3://ab/k").message,
            "invalid S3 URL 's3://ab/k': bucket name 'ab' is 2 characters long, must be 3-63");
  EXPECT_EQ(parse_s3_url("s3://a/k", BucketRules::new_bucket).error().message,
            "invalid S3 URL 's3://a/k': bucket name 'a' is 1 character long, must be 3-63");
  const std::string long_name(64, 'a');
  EXPECT_EQ(parse_err("s3://" + long_name).message, "invalid S3 URL 's3://" + long_name +
                                                        "': bucket name '" + long_name +
                                                        "' is 64 characters long, must be 3-63");
}

TEST(S3Url, BucketCharacters) {
  EXPECT_EQ(parse_err("s3://MyBucket").message,
            "invalid S3 URL 's3://MyBucket': bucket name 'MyBucket' contains 'M': only "
            "lower-case letters, digits, '.' and '-' are allowed");
  EXPECT_EQ(parse_err("s3://my_bucket").message,
            "invalid S3 URL 's3://my_bucket': bucket name 'my_bucket' contains '_': only "
            "lower-case letters, digits, '.' and '-' are allowed");
  EXPECT_EQ(parse_err("s3://my bucket/k").message,
            "invalid S3 URL 's3://my bucket/k': bucket name 'my bucket' contains ' ': only "
            "lower-case letters, digits, '.' and '-' are allowed");
  // A non-ASCII or control byte is shown escaped so the message stays one line.
  EXPECT_EQ(parse_err("s3://b\xC3\xBC"
                      "cket")
                .message,
            "invalid S3 URL 's3://b\xC3\xBC"
            "cket': bucket name 'b\xC3\xBC"
            "cket' contains "
            "'\xC3\xBC': only lower-case letters, digits, '.' and '-' are allowed");
  EXPECT_EQ(parse_err("s3://bu\ncket").message,
            "invalid S3 URL 's3://bu\\x0acket': bucket name 'bu\\x0acket' contains '\\x0a': only "
            "lower-case letters, digits, '.' and '-' are allowed");
  EXPECT_FALSE(parse_s3_url("s3://bucket?versionId=1").has_value());
}

TEST(S3Url, BucketStartAndEnd) {
  for (const char* name : {"-bucket", "bucket-", ".bucket", "bucket."}) {
    EXPECT_EQ(parse_err(std::string("s3://") + name).message,
              std::string("invalid S3 URL 's3://") + name + "': bucket name '" + name +
                  "' must start and end with a letter or digit");
  }
  EXPECT_EQ(parse_err("s3://a..b").message,
            "invalid S3 URL 's3://a..b': bucket name 'a..b' must not contain two adjacent "
            "periods");
}

TEST(S3Url, BucketFormattedAsAnIpAddress) {
  EXPECT_EQ(parse_err("s3://192.168.1.1/k").message,
            "invalid S3 URL 's3://192.168.1.1/k': bucket name '192.168.1.1' must not be "
            "formatted as an IP address (an endpoint goes in --endpoint-url)");
  // Digits and dots in another shape are a fine name.
  for (const char* name : {"s3://1.2.3", "s3://1.2.3.4.5", "s3://10.0.0.1a", "s3://2024.01.02-x"}) {
    EXPECT_TRUE(parse_s3_url(name).has_value()) << name;
  }
}

TEST(S3Url, AnExistingBucketMayHaveALegacyName) {
  // us-east-1 buckets created before March 2018, which aws cli still reaches.
  for (const char* name :
       {"MyBucket", "my_bucket", "_under_", "Logs.2017", "a..b", "bucket-", "1.2.3.4.5"}) {
    const auto url = parse_s3_url(std::string("s3://") + name + "/k");
    ASSERT_TRUE(url.has_value()) << name << ": " << url.error().message;
    EXPECT_EQ(url->bucket, name);
    EXPECT_EQ(url->key, "k");
  }
  const std::string longest(255, 'A');
  EXPECT_TRUE(parse_s3_url("s3://" + longest).has_value());
  // Only a new bucket must follow today's rules.
  EXPECT_FALSE(parse_s3_url("s3://MyBucket", BucketRules::new_bucket).has_value());
}

TEST(S3Url, ANonAsciiCharacterInABucketNameIsShownWhole) {
  EXPECT_EQ(parse_err("s3://probe-\xC3\xBC").message,
            "invalid S3 URL 's3://probe-\xC3\xBC': bucket name 'probe-\xC3\xBC' contains "
            "'\xC3\xBC': only lower-case letters, digits, '.' and '-' are allowed");
  EXPECT_NE(parse_err("s3://b\xE2\x82\xAC/k", BucketRules::existing)
                .message.find("contains '\xE2\x82\xAC'"),
            std::string::npos);
  // A byte that starts no character (or a cut one) is shown as a byte.
  EXPECT_NE(parse_err("s3://abc\xFF").message.find("contains '\\xff'"), std::string::npos);
  EXPECT_NE(parse_err("s3://abc\xC3").message.find("contains '\\xc3'"), std::string::npos);
  EXPECT_NE(parse_err("s3://abc\xC3x").message.find("contains '\\xc3'"), std::string::npos);
  // Not UTF-8 though shaped like it: an overlong form, a surrogate, past U+10FFFF.
  EXPECT_NE(parse_err("s3://abc\xE0\x80\x80").message.find("contains '\\xe0'"), std::string::npos);
  EXPECT_NE(parse_err("s3://abc\xED\xA0\x80").message.find("contains '\\xed'"), std::string::npos);
  EXPECT_NE(parse_err("s3://abc\xF4\x90\x80\x80").message.find("contains '\\xf4'"),
            std::string::npos);
  EXPECT_NE(parse_err("s3://abc\xF0\x9F\x98\x80").message.find("contains '\xF0\x9F\x98\x80'"),
            std::string::npos);  // an emoji, whole
}

TEST(S3Url, ANewBucketNameMustNotUseAPrefixOrSuffixS3Reserves) {
  EXPECT_EQ(parse_err("s3://xn--probe").message,
            "invalid S3 URL 's3://xn--probe': bucket name 'xn--probe' must not start with "
            "'xn--', a prefix S3 reserves");
  EXPECT_EQ(parse_err("s3://logs-s3alias").message,
            "invalid S3 URL 's3://logs-s3alias': bucket name 'logs-s3alias' must not end with "
            "'-s3alias', a suffix S3 reserves");
  for (const char* name : {"sthree-logs", "sthree-configurator", "amzn-s3-demo-bucket",
                           "logs--ol-s3", "logs.mrap", "logs--use1-az4--x-s3", "logs--table-s3"}) {
    EXPECT_FALSE(parse_s3_url(std::string("s3://") + name, BucketRules::new_bucket)) << name;
    // A bucket that has such a name already (on a server that allowed it) is still reached.
    EXPECT_TRUE(parse_s3_url(std::string("s3://") + name + "/k")) << name;
  }
  // Near misses are names like any other.
  for (const char* name : {"axn--b", "sthree", "logs-s3alias2", "mrap", "x-s3", "xn-a"}) {
    EXPECT_TRUE(parse_s3_url(std::string("s3://") + name, BucketRules::new_bucket)) << name;
  }
}

TEST(S3Url, AnExistingBucketNameStillHasItsLimits) {
  EXPECT_EQ(parse_err("s3://my bucket/k", BucketRules::existing).message,
            "invalid S3 URL 's3://my bucket/k': bucket name 'my bucket' contains ' ': only "
            "letters, digits, '.', '-' and '_' are allowed (upper-case letters and '_' in legacy "
            "us-east-1 buckets only)");
  // A control byte is shown escaped so the message stays one line.
  EXPECT_EQ(parse_err("s3://bu\ncket", BucketRules::existing).message,
            "invalid S3 URL 's3://bu\\x0acket': bucket name 'bu\\x0acket' contains '\\x0a': "
            "only letters, digits, '.', '-' and '_' are allowed (upper-case letters and '_' in "
            "legacy us-east-1 buckets only)");
  EXPECT_EQ(parse_err("s3://ab", BucketRules::existing).message,
            "invalid S3 URL 's3://ab': bucket name 'ab' is 2 characters long, must be 3-63 "
            "(3-255 for a legacy us-east-1 bucket)");
  const std::string too_long(256, 'a');
  EXPECT_FALSE(parse_s3_url("s3://" + too_long).has_value());
  EXPECT_FALSE(parse_s3_url("s3://bucket?versionId=1").has_value());
  EXPECT_EQ(parse_err("s3://192.168.1.1/k", BucketRules::existing).message,
            "invalid S3 URL 's3://192.168.1.1/k': bucket name '192.168.1.1' must not be "
            "formatted as an IP address (an endpoint goes in --endpoint-url)");
}

}  // namespace
}  // namespace s3loop::s3
