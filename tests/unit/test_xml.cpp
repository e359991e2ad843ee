// S3 XML replies (AWS and radosgw flavours) and request bodies.
#include "s3loop/s3/retry.hpp"
#include "s3loop/s3/xml.hpp"

#include <gtest/gtest.h>

namespace s3loop::s3 {
namespace {

constexpr std::string_view kTruncatedUrlEncodedPage = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>example-bucket</Name>
  <Prefix>photos%2F2006%2F</Prefix>
  <KeyCount>4</KeyCount>
  <MaxKeys>4</MaxKeys>
  <Delimiter>%2F</Delimiter>
  <EncodingType>url</EncodingType>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm+36Hy4vbOwM=</NextContinuationToken>
  <Contents>
    <Key>photos%2F2006%2Fa+b%2Bc%3D.jpg</Key>
    <LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>"fba9dede5f27731c9771645a39863328"</ETag>
    <Size>434234</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <Contents>
    <Key>photos%2F2006%2F%C3%BC%25%0D%0A.txt</Key>
    <LastModified>2009-10-12T17:50:31.000Z</LastModified>
    <ETag>&quot;9b2cf535f27731c974343645a3985328-2&quot;</ETag>
    <Size>18446744073709551615</Size>
    <StorageClass>STANDARD_IA</StorageClass>
  </Contents>
  <CommonPrefixes>
    <Prefix>photos%2F2006%2Ffeb+%2F</Prefix>
  </CommonPrefixes>
  <CommonPrefixes>
    <Prefix>photos%2F2006%2F%2F</Prefix>
  </CommonPrefixes>
</ListBucketResult>)";

TEST(S3Xml, ListObjectsV2TruncatedUrlEncoded) {
  auto page = parse_list_objects_v2(kTruncatedUrlEncodedPage);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_TRUE(page->is_truncated);
  // The token is opaque and not url-encoded: '+', '/' and '=' stay.
  EXPECT_EQ(page->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm+36Hy4vbOwM=");
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "photos/2006/a b+c=.jpg");
  EXPECT_EQ(page->objects[0].size, 434234u);
  EXPECT_EQ(page->objects[0].etag, "fba9dede5f27731c9771645a39863328");
  EXPECT_EQ(page->objects[0].last_modified, "2009-10-12T17:50:30.000Z");
  EXPECT_EQ(page->objects[0].storage_class, "STANDARD");
  EXPECT_EQ(page->objects[1].key, "photos/2006/\xC3\xBC%\r\n.txt");
  EXPECT_EQ(page->objects[1].size, 18446744073709551615u);
  EXPECT_EQ(page->objects[1].etag, "9b2cf535f27731c974343645a3985328-2");  // from &quot;
  EXPECT_EQ(page->objects[1].storage_class, "STANDARD_IA");
  ASSERT_EQ(page->common_prefixes.size(), 2u);
  EXPECT_EQ(page->common_prefixes[0], "photos/2006/feb /");
  EXPECT_EQ(page->common_prefixes[1], "photos/2006//");
}

TEST(S3Xml, ListObjectsV2PlainKeysAreNotDecoded) {
  // Without EncodingType the text is the key: '+' and '%' are literal, XML
  // entities and character references decode, whitespace-only keys survive.
  auto page = parse_list_objects_v2(
      "<ListBucketResult><IsTruncated>false</IsTruncated>"
      "<Contents><Key>a+b%20c</Key><Size>0</Size><ETag>abc</ETag></Contents>"
      "<Contents><Key>x &amp; &lt;y&gt; &#13;z</Key><Size> 7 </Size></Contents>"
      "<Contents><Key>   </Key><Size>1</Size></Contents>"
      "<CommonPrefixes><Prefix>p+q/</Prefix></CommonPrefixes>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_FALSE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "");
  ASSERT_EQ(page->objects.size(), 3u);
  EXPECT_EQ(page->objects[0].key, "a+b%20c");
  EXPECT_EQ(page->objects[0].etag, "abc");  // radosgw may omit the quotes
  EXPECT_EQ(page->objects[1].key, "x & <y> \rz");
  EXPECT_EQ(page->objects[1].size, 7u);
  EXPECT_EQ(page->objects[2].key, "   ");
  ASSERT_EQ(page->common_prefixes.size(), 1u);
  EXPECT_EQ(page->common_prefixes[0], "p+q/");
}

TEST(S3Xml, ListObjectsV2EmptyBucket) {
  auto page = parse_list_objects_v2(
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>)"
      R"(<Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys>)"
      R"(<IsTruncated>false</IsTruncated></ListBucketResult>)");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_TRUE(page->objects.empty());
  EXPECT_TRUE(page->common_prefixes.empty());
  EXPECT_FALSE(page->is_truncated);
}

TEST(S3Xml, ListObjectsV2Errors) {
  auto err = parse_list_objects_v2(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>
<BucketName>nope</BucketName><RequestId>4442587FB7D0A2F9</RequestId></Error>)");
  ASSERT_FALSE(err.has_value());
  EXPECT_EQ(err.error().kind, ErrorKind::s3);
  EXPECT_EQ(err.error().s3_code, "NoSuchBucket");
  EXPECT_EQ(err.error().request_id, "4442587FB7D0A2F9");
  EXPECT_FALSE(err.error().retryable);
  EXPECT_EQ(err.error().message,
            "ListObjectsV2 failed: NoSuchBucket: The specified bucket does not exist");

  auto truncated =
      parse_list_objects_v2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>");
  ASSERT_FALSE(truncated.has_value());
  EXPECT_EQ(truncated.error().kind, ErrorKind::protocol);
  EXPECT_EQ(truncated.error().message,
            "ListObjectsV2 reply is truncated but has no <NextContinuationToken>");

  auto bad_size = parse_list_objects_v2(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>-1</Size></"
      "Contents>"
      "</ListBucketResult>");
  ASSERT_FALSE(bad_size.has_value());
  EXPECT_EQ(bad_size.error().kind, ErrorKind::protocol);
  EXPECT_EQ(bad_size.error().message, "ListObjectsV2 reply has an invalid <Size> '-1' for key 'k'");

  auto trailing = parse_list_objects_v2(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>12abc</Size></"
      "Contents>"
      "</ListBucketResult>");
  ASSERT_FALSE(trailing.has_value());
  EXPECT_EQ(trailing.error().message,
            "ListObjectsV2 reply has an invalid <Size> '12abc' for key 'k'");

  auto no_key = parse_list_objects_v2(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents></"
      "ListBucketResult>");
  ASSERT_FALSE(no_key.has_value());
  EXPECT_EQ(no_key.error().message, "ListObjectsV2 reply has a <Contents> without <Key>");

  // Only a page that says it is the last ends a listing: one that does not
  // say (a proxy's stub answering 200) is refused, not read as an empty end.
  for (std::string_view silent :
       {"<ListBucketResult/>",
        "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key><Size>1</Size></Contents></ListBucketResult>"}) {
    auto r = parse_list_objects_v2(silent);
    ASSERT_FALSE(r.has_value()) << silent;
    EXPECT_EQ(r.error().kind, ErrorKind::protocol);
    EXPECT_EQ(r.error().message,
              "ListObjectsV2 reply has no <IsTruncated>, so whether the listing is complete is "
              "unknown");
  }
  for (std::string_view odd : {"", "1", "yes", "truefalse"}) {
    auto r = parse_list_objects_v2("<ListBucketResult><IsTruncated>" + std::string(odd) +
                                   "</IsTruncated></ListBucketResult>");
    ASSERT_FALSE(r.has_value()) << odd;
    EXPECT_EQ(r.error().message,
              "ListObjectsV2 reply has an <IsTruncated> that is neither true nor false");
  }
  // As botocore reads it: case and surrounding whitespace do not matter.
  auto spaced = parse_list_objects_v2(
      "<ListBucketResult><IsTruncated> False\n</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(spaced.has_value()) << spaced.error().message;
  EXPECT_FALSE(spaced->is_truncated);

  auto wrong_root = parse_list_objects_v2("<ListAllMyBucketsResult/>");
  ASSERT_FALSE(wrong_root.has_value());
  EXPECT_EQ(wrong_root.error().kind, ErrorKind::protocol);
  EXPECT_EQ(wrong_root.error().message,
            "unexpected <ListAllMyBucketsResult> in ListObjectsV2 reply, expected "
            "<ListBucketResult>");
}

// As AWS sends it (with the BucketRegion it has added since 2024, which
// s3loop does not use), names in S3's order.
constexpr std::string_view kAwsListBuckets = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner>
    <ID>bcaf1ffd86f461ca5fb16fd081034f8d5e5e6e4e3c8f7a43c3f1bd6d9f8e2a5c</ID>
    <DisplayName>webfile</DisplayName>
  </Owner>
  <Buckets>
    <Bucket>
      <Name>2024-backups.eu</Name>
      <CreationDate>2024-02-29T23:59:59.000Z</CreationDate>
      <BucketRegion>eu-west-1</BucketRegion>
    </Bucket>
    <Bucket>
      <Name>amzn-s3-demo-bucket</Name>
      <CreationDate>2019-12-11T23:32:47.000Z</CreationDate>
      <BucketRegion>us-east-1</BucketRegion>
    </Bucket>
    <Bucket>
      <Name>logs.example.com</Name>
      <CreationDate>2009-10-12T17:50:30.000Z</CreationDate>
      <BucketRegion>us-west-2</BucketRegion>
    </Bucket>
  </Buckets>
</ListAllMyBucketsResult>)";

// A reply padded with elements, under the size bound of 64 MiB, took 1.1 GB
// of parser nodes (a security review): past kMaxXmlElements it is refused
// unread; the largest real replies pass.
TEST(S3Xml, AReplyOfMoreElementsThanAnyS3ReplyIsNotRead) {
  auto page_of = [](std::ptrdiff_t elements) {
    std::string xml = "<ListBucketResult><IsTruncated>false</IsTruncated>";  // 3 '<'
    for (std::ptrdiff_t i = 3; i + 1 < elements; ++i) xml += "<a/>";
    return xml + "</ListBucketResult>";
  };
  auto padded = parse_list_objects_v2(page_of(kMaxXmlElements + 1));
  ASSERT_FALSE(padded);
  EXPECT_EQ(padded.error().kind, ErrorKind::protocol);
  EXPECT_FALSE(padded.error().retryable);
  EXPECT_TRUE(padded.error().not_s3_endpoint);
  EXPECT_EQ(padded.error().message,
            "the ListObjectsV2 reply holds more than 300000 XML tags, more than any S3 "
            "reply: not read (is the endpoint an S3 server? check --endpoint-url)");
  EXPECT_TRUE(parse_list_objects_v2(page_of(kMaxXmlElements)));
  // A full page of 1,000 keys with owners, as S3 sends it: far below.
  std::string full = "<ListBucketResult><IsTruncated>false</IsTruncated>";
  for (int i = 0; i < 1000; ++i) {
    full += "<Contents><Key>k" + std::to_string(i) +
            "</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>\"e\"</ETag>"
            "<Size>1</Size><Owner><ID>o</ID><DisplayName>d</DisplayName></Owner>"
            "<StorageClass>STANDARD</StorageClass></Contents>";
  }
  full += "</ListBucketResult>";
  auto page = parse_list_objects_v2(full);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->objects.size(), 1000u);
}

TEST(S3Xml, ListBucketsAws) {
  auto buckets = parse_list_buckets(kAwsListBuckets);
  ASSERT_TRUE(buckets.has_value()) << buckets.error().message;
  ASSERT_EQ(buckets->size(), 3u);
  EXPECT_EQ((*buckets)[0].name, "2024-backups.eu");
  EXPECT_EQ((*buckets)[0].creation_date, "2024-02-29T23:59:59.000Z");
  EXPECT_EQ((*buckets)[1].name, "amzn-s3-demo-bucket");
  EXPECT_EQ((*buckets)[1].creation_date, "2019-12-11T23:32:47.000Z");
  EXPECT_EQ((*buckets)[2].name, "logs.example.com");
  EXPECT_EQ((*buckets)[2].creation_date, "2009-10-12T17:50:30.000Z");
}

TEST(S3Xml, ListBucketsRadosgw) {
  // radosgw 16.2, byte for byte: one line, milliseconds in the dates.
  auto buckets = parse_list_buckets(
      R"(<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult )"
      R"(xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>s3loop</ID>)"
      R"(<DisplayName>s3loop</DisplayName></Owner><Buckets><Bucket><Name>edge</Name>)"
      R"(<CreationDate>2026-12-01T12:25:01.710Z</CreationDate></Bucket><Bucket><Name>rss</Name>)"
      R"(<CreationDate>2026-12-01T12:22:32.306Z</CreationDate></Bucket></Buckets>)"
      R"(</ListAllMyBucketsResult>)");
  ASSERT_TRUE(buckets.has_value()) << buckets.error().message;
  ASSERT_EQ(buckets->size(), 2u);
  EXPECT_EQ((*buckets)[0].name, "edge");
  EXPECT_EQ((*buckets)[0].creation_date, "2026-12-01T12:25:01.710Z");
  EXPECT_EQ((*buckets)[1].name, "rss");
  EXPECT_EQ((*buckets)[1].creation_date, "2026-12-01T12:22:32.306Z");
}

TEST(S3Xml, ListBucketsNone) {
  // An account without buckets: AWS sends <Buckets/>, radosgw an empty pair;
  // a reply without <Buckets> at all lists nothing either.
  for (std::string_view xml :
       {R"(<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>x</ID>)"
        R"(</Owner><Buckets/></ListAllMyBucketsResult>)",
        "<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>",
        "<ListAllMyBucketsResult/>"}) {
    auto buckets = parse_list_buckets(xml);
    ASSERT_TRUE(buckets.has_value()) << buckets.error().message;
    EXPECT_TRUE(buckets->empty());
  }
}

TEST(S3Xml, ListBucketsErrors) {
  auto denied = parse_list_buckets(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Access Denied</Message>)"
      R"(<RequestId>656c76696e6727732072657175657374</RequestId></Error>)");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().kind, ErrorKind::s3);
  EXPECT_EQ(denied.error().s3_code, "AccessDenied");
  EXPECT_EQ(denied.error().request_id, "656c76696e6727732072657175657374");
  EXPECT_EQ(denied.error().message, "ListBuckets failed: AccessDenied: Access Denied");

  auto cut = parse_list_buckets(kAwsListBuckets.substr(0, kAwsListBuckets.size() / 2));
  ASSERT_FALSE(cut.has_value());
  EXPECT_EQ(cut.error().kind, ErrorKind::protocol);
  EXPECT_TRUE(cut.error().message.starts_with("malformed XML in ListBuckets reply: "))
      << cut.error().message;

  for (std::string_view empty : {"", " \n"}) {
    auto r = parse_list_buckets(empty);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "empty ListBuckets reply");
  }

  auto no_name = parse_list_buckets(
      "<ListAllMyBucketsResult><Buckets><Bucket><Name>a-b</Name></Bucket>"
      "<Bucket><CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket>"
      "</Buckets></ListAllMyBucketsResult>");
  ASSERT_FALSE(no_name.has_value());
  EXPECT_EQ(no_name.error().kind, ErrorKind::protocol);
  EXPECT_EQ(no_name.error().message, "ListBuckets reply has a <Bucket> without <Name>");

  auto wrong_root = parse_list_buckets("<ListBucketResult/>");
  ASSERT_FALSE(wrong_root.has_value());
  EXPECT_EQ(wrong_root.error().message,
            "unexpected <ListBucketResult> in ListBuckets reply, expected "
            "<ListAllMyBucketsResult>");

  // Only a paginated request (max-buckets) gets a token, and s3loop sends
  // none: printing one page as if it were all would be wrong.
  auto paged = parse_list_buckets(
      "<ListAllMyBucketsResult><Buckets><Bucket><Name>abc</Name></Bucket></Buckets>"
      "<ContinuationToken>ZXhhbXBsZQ==</ContinuationToken></ListAllMyBucketsResult>");
  ASSERT_FALSE(paged.has_value());
  EXPECT_EQ(paged.error().kind, ErrorKind::protocol);
  EXPECT_TRUE(paged.error().message.starts_with("ListBuckets reply has a <ContinuationToken>"))
      << paged.error().message;
}

TEST(S3Xml, MalformedXmlNamesWhatWasParsed) {
  auto cut = parse_list_objects_v2("<ListBucketResult><Contents><Key>k</Key>");
  ASSERT_FALSE(cut.has_value());
  EXPECT_EQ(cut.error().kind, ErrorKind::protocol);
  EXPECT_TRUE(cut.error().message.starts_with("malformed XML in ListObjectsV2 reply: "))
      << cut.error().message;
  // Retried, as botocore retries a 200 whose body does not parse: a reply cut short where
  // its end is the connection's close reads as whole (one such page ended the whole job).
  EXPECT_TRUE(cut.error().retryable);
  EXPECT_TRUE(is_retryable(cut.error()));

  // A tag of another name that merely starts like one is XML all the same.
  auto htmlish = parse_copy_result("<htmlish><body>502 Bad Gateway</body>");
  ASSERT_FALSE(htmlish.has_value());
  EXPECT_TRUE(htmlish.error().message.starts_with("malformed XML in CopyObject reply: "))
      << htmlish.error().message;
  EXPECT_FALSE(htmlish.error().not_s3_endpoint);

  // A web page answered 200: a web server's index, a portal. Parsed as XML it
  // would say "malformed" or "unexpected <html>", which points nowhere.
  for (std::string_view page :
       {"<html><body>502 Bad Gateway</body>", "<!DOCTYPE html>\n<html><head><meta charset=utf-8>",
        "\r\n<HTML lang=\"en\"><BODY>Welcome</BODY></HTML>", "<html>",
        "<!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"}) {
    auto r = parse_list_buckets(page);
    ASSERT_FALSE(r.has_value()) << page;
    EXPECT_EQ(r.error().kind, ErrorKind::protocol);
    EXPECT_EQ(r.error().message,
              "the ListBuckets reply is an HTML page, not XML: is the endpoint an S3 server? "
              "(check --endpoint-url)")
        << page;
    EXPECT_TRUE(r.error().not_s3_endpoint) << page;
  }

  // Not XML at all: some other server answered.
  for (std::string_view other : {"Hello, world", " {\"json\": true}", "\xEF\xBB\xBF{}"}) {
    auto r = parse_list_objects_v2(other);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, ErrorKind::protocol);
    EXPECT_EQ(r.error().message,
              "the ListObjectsV2 reply is not XML: is the endpoint an S3 server? (check "
              "--endpoint-url)")
        << other;
    EXPECT_TRUE(r.error().not_s3_endpoint);  // cp's bucket check stops on it
  }
  {
    auto broken = parse_list_objects_v2("<ListBucketResult><Contents><Key>k</Key>");
    EXPECT_FALSE(broken.error().not_s3_endpoint);  // an S3 reply gone wrong, not another server
  }

  // A byte order mark before the document is XML's own.
  auto marked = parse_list_objects_v2(
      "\xEF\xBB\xBF<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  EXPECT_TRUE(marked.has_value()) << marked.error().message;

  for (std::string_view empty : {"", "  \r\n "}) {
    auto r = parse_initiate_multipart(empty);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, ErrorKind::protocol);
    EXPECT_EQ(r.error().message, "empty CreateMultipartUpload reply");
  }
  auto not_xml = parse_complete_multipart("not xml at all");
  ASSERT_FALSE(not_xml.has_value());
  EXPECT_TRUE(not_xml.error().message.starts_with("the CompleteMultipartUpload reply is not XML"))
      << not_xml.error().message;
  auto bad_delete = parse_delete_result("<DeleteResult><Error>");
  ASSERT_FALSE(bad_delete.has_value());
  EXPECT_TRUE(bad_delete.error().message.starts_with("malformed XML in DeleteObjects reply"))
      << bad_delete.error().message;
}

TEST(S3Xml, ErrorBodyAws) {
  auto body = parse_error_body(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchKey</Code>
  <Message>The resource you requested does not exist</Message>
  <Resource>/mybucket/myfoto.jpg</Resource>
  <RequestId>4442587FB7D0A2F9</RequestId>
</Error>)");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->code, "NoSuchKey");
  EXPECT_EQ(body->message, "The resource you requested does not exist");
  EXPECT_EQ(body->resource, "/mybucket/myfoto.jpg");
  EXPECT_EQ(body->request_id, "4442587FB7D0A2F9");
}

TEST(S3Xml, ErrorBodyRadosgwWithEmptyMessage) {
  auto body = parse_error_body(
      R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message></Message>)"
      R"(<BucketName>nope</BucketName><RequestId>tx0000085a1b2c3d4e5f6a7-0065a1b2c3-1234-default</RequestId>)"
      R"(<HostId>1234-default-default</HostId></Error>)");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->code, "NoSuchBucket");
  EXPECT_EQ(body->message, "");
  EXPECT_EQ(body->request_id, "tx0000085a1b2c3d4e5f6a7-0065a1b2c3-1234-default");
  EXPECT_EQ(body->resource, "");
}

TEST(S3Xml, ErrorBodyAbsent) {
  EXPECT_FALSE(parse_error_body("").has_value());
  EXPECT_FALSE(parse_error_body("<html><body>Bad Gateway</body></html>").has_value());
  EXPECT_FALSE(parse_error_body("<Error><Code>Cut").has_value());
  EXPECT_FALSE(parse_error_body("<ListBucketResult/>").has_value());
}

TEST(S3Xml, CopyResultQuotedAndUnquotedETag) {
  auto aws = parse_copy_result(R"(<?xml version="1.0" encoding="UTF-8"?>
<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <LastModified>2009-10-12T17:50:30.000Z</LastModified>
  <ETag>"9b2cf535f27731c974343645a3985328"</ETag>
</CopyObjectResult>)");
  ASSERT_TRUE(aws.has_value()) << aws.error().message;
  EXPECT_EQ(*aws, "9b2cf535f27731c974343645a3985328");

  auto rgw = parse_copy_result(
      "<CopyObjectResult><LastModified>2024-01-01T00:00:00.000Z</LastModified>"
      "<ETag>9b2cf535f27731c974343645a3985328</ETag></CopyObjectResult>");
  ASSERT_TRUE(rgw.has_value()) << rgw.error().message;
  EXPECT_EQ(*rgw, "9b2cf535f27731c974343645a3985328");

  auto part = parse_copy_result(
      "<CopyPartResult><LastModified>2011-04-11T20:34:56.000Z</LastModified>"
      "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag></CopyPartResult>");
  ASSERT_TRUE(part.has_value()) << part.error().message;
  EXPECT_EQ(*part, "9b2cf535f27731c974343645a3985328");

  auto no_etag = parse_copy_result("<CopyObjectResult></CopyObjectResult>");
  ASSERT_FALSE(no_etag.has_value());
  EXPECT_EQ(no_etag.error().message, "CopyObject reply has no <ETag>");
}

TEST(S3Xml, CopyErrorInside200) {
  // S3 keeps a long copy alive with whitespace, then may report an error.
  auto internal = parse_copy_result(
      "\n\n        \n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try "
      "again.</Message><RequestId>656c76696e6727732072657175657374</RequestId></Error>");
  ASSERT_FALSE(internal.has_value());
  EXPECT_EQ(internal.error().kind, ErrorKind::s3);
  EXPECT_EQ(internal.error().s3_code, "InternalError");
  EXPECT_EQ(internal.error().request_id, "656c76696e6727732072657175657374");
  EXPECT_TRUE(internal.error().retryable);
  EXPECT_EQ(
      internal.error().message,
      "CopyObject failed: InternalError: We encountered an internal error. Please try again.");

  for (const char* code : {"SlowDown", "ServiceUnavailable", "RequestTimeout"}) {
    auto r = parse_copy_result(std::string("<Error><Code>") + code + "</Code></Error>");
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().retryable) << code;
    EXPECT_EQ(r.error().message, std::string("CopyObject failed: ") + code);
  }
  auto denied = parse_copy_result("<Error><Code>AccessDenied</Code><Message></Message></Error>");
  ASSERT_FALSE(denied.has_value());
  EXPECT_FALSE(denied.error().retryable);
  EXPECT_EQ(denied.error().message, "CopyObject failed: AccessDenied");
}

TEST(S3Xml, InitiateMultipart) {
  auto id = parse_initiate_multipart(R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
</InitiateMultipartUploadResult>)");
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(*id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");

  auto rgw = parse_initiate_multipart(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
      "<UploadId>2~iCw_lDY8VoNYZKd3VRnx2Y9S-0fDexB</UploadId></InitiateMultipartUploadResult>");
  ASSERT_TRUE(rgw.has_value()) << rgw.error().message;
  EXPECT_EQ(*rgw, "2~iCw_lDY8VoNYZKd3VRnx2Y9S-0fDexB");

  auto missing = parse_initiate_multipart("<InitiateMultipartUploadResult/>");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, ErrorKind::protocol);
  EXPECT_EQ(missing.error().message, "CreateMultipartUpload reply has no <UploadId>");
}

TEST(S3Xml, CompleteMultipart) {
  auto aws = parse_complete_multipart(R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Location>http://Example-Bucket.s3.amazonaws.com/Example-Object</Location>
  <Bucket>Example-Bucket</Bucket>
  <Key>Example-Object</Key>
  <ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag>
</CompleteMultipartUploadResult>)");
  ASSERT_TRUE(aws.has_value()) << aws.error().message;
  EXPECT_EQ(*aws, "3858f62230ac3c915f300c664312c11f-9");

  auto rgw = parse_complete_multipart(
      "<CompleteMultipartUploadResult><Location>l</Location><Bucket>b</Bucket><Key>k</Key>"
      "<ETag></ETag></CompleteMultipartUploadResult>");
  ASSERT_TRUE(rgw.has_value()) << rgw.error().message;
  EXPECT_EQ(*rgw, "");

  auto in200 = parse_complete_multipart(
      "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try "
      "again.</Message><RequestId>A1B2</RequestId></Error>");
  ASSERT_FALSE(in200.has_value());
  EXPECT_EQ(in200.error().kind, ErrorKind::s3);
  EXPECT_TRUE(in200.error().retryable);
  EXPECT_EQ(in200.error().request_id, "A1B2");

  auto bad_part = parse_complete_multipart(
      "<Error><Code>InvalidPart</Code><Message>One or more of the specified parts could not be "
      "found.</Message></Error>");
  ASSERT_FALSE(bad_part.has_value());
  EXPECT_FALSE(bad_part.error().retryable);
  EXPECT_EQ(bad_part.error().s3_code, "InvalidPart");
}

TEST(S3Xml, BuildCompleteMultipartSortsAndQuotes) {
  EXPECT_EQ(build_complete_multipart({{2, "b2"}, {1, "\"a1\""}, {10, "c&3"}}),
            R"(<?xml version="1.0" encoding="UTF-8"?>)"
            R"(<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
            R"(<Part><PartNumber>1</PartNumber><ETag>"a1"</ETag></Part>)"
            R"(<Part><PartNumber>2</PartNumber><ETag>"b2"</ETag></Part>)"
            R"(<Part><PartNumber>10</PartNumber><ETag>"c&amp;3"</ETag></Part>)"
            R"(</CompleteMultipartUpload>)");
}

TEST(S3Xml, BuildDeleteObjectsEscapesKeys) {
  EXPECT_EQ(
      build_delete_versions(
          {{"plain/key.txt", ""}, {"a&b", ""}, {"<tag>", ""}, {"q\"s'", ""}, {"cr\r\nlf\tx", ""}},
          true),
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>)"
      R"(<Object><Key>plain/key.txt</Key></Object>)"
      R"(<Object><Key>a&amp;b</Key></Object>)"
      R"(<Object><Key>&lt;tag&gt;</Key></Object>)"
      R"(<Object><Key>q&quot;s&apos;</Key></Object>)"
      R"(<Object><Key>cr&#13;&#10;lf&#9;x</Key></Object>)"
      R"(</Delete>)");
  EXPECT_EQ(build_delete_versions({{"k", ""}}, false),
            R"(<?xml version="1.0" encoding="UTF-8"?>)"
            R"(<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
            R"(<Object><Key>k</Key></Object></Delete>)");
}

TEST(S3Xml, BuildDeleteObjectsNamesVersions) {
  EXPECT_EQ(build_delete_versions({{"a&b", "v1~x"}, {"plain", ""}}, true),
            R"(<?xml version="1.0" encoding="UTF-8"?>)"
            R"(<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>)"
            R"(<Object><Key>a&amp;b</Key><VersionId>v1~x</VersionId></Object>)"
            R"(<Object><Key>plain</Key></Object>)"
            R"(</Delete>)");
}

// As radosgw 16.2 sends it: keys encoded as asked, NextKeyMarker not.
constexpr std::string_view kRadosgwVersions =
    R"(<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
    R"(<EncodingType>url</EncodingType><Name>vers</Name><Prefix>v/</Prefix><MaxKeys>3</MaxKeys>)"
    R"(<IsTruncated>true</IsTruncated><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>)"
    R"(<NextKeyMarker>v/a b+c</NextKeyMarker><NextVersionIdMarker>D5MK6KTSayJ5xWU1hxbvCyTTpZdhbnz</NextVersionIdMarker>)"
    R"(<DeleteMarker><Key>v%2Fa%20b%2Bc</Key><VersionId>B8Gp3pO8y1lMEbow2pef9fCPFt9NSJb</VersionId>)"
    R"(<IsLatest>true</IsLatest><LastModified>2026-12-02T06:36:26.055Z</LastModified>)"
    R"(<Owner><ID>s3loop</ID><DisplayName>s3loop</DisplayName></Owner><Type>Normal</Type></DeleteMarker>)"
    R"(<Version><Key>v%2Fa%20b%2Bc</Key><VersionId>rx0gWKsN3Vn8Yi6gNAfuLB27ToLkZPH</VersionId>)"
    R"(<IsLatest>false</IsLatest><LastModified>2026-12-02T06:36:26.040Z</LastModified>)"
    R"(<ETag>&quot;b6d767d2f8ed5d21a44b0e5886680cb9&quot;</ETag><Size>2</Size><StorageClass>STANDARD</StorageClass>)"
    R"(<Owner><ID>s3loop</ID><DisplayName>s3loop</DisplayName></Owner><Type>Normal</Type></Version>)"
    R"(<Version><Key>v%2Fa%20b%2Bc</Key><VersionId>D5MK6KTSayJ5xWU1hxbvCyTTpZdhbnz</VersionId>)"
    R"(<IsLatest>false</IsLatest><LastModified>2026-12-02T06:36:26.027Z</LastModified>)"
    R"(<ETag>&quot;c4ca4238a0b923820dcc509a6f75849b&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass>)"
    R"(<Owner><ID>s3loop</ID><DisplayName>s3loop</DisplayName></Owner><Type>Normal</Type></Version>)"
    R"(</ListVersionsResult>)";

TEST(S3Xml, ListObjectVersionsRadosgwInTheOrderSent) {
  auto page = parse_list_object_versions(kRadosgwVersions);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_TRUE(page->is_truncated);
  ASSERT_EQ(page->versions.size(), 3u);
  EXPECT_EQ(page->versions[0].key, "v/a b+c");
  EXPECT_EQ(page->versions[0].version_id, "B8Gp3pO8y1lMEbow2pef9fCPFt9NSJb");
  EXPECT_TRUE(page->versions[0].delete_marker);
  EXPECT_EQ(page->versions[1].version_id, "rx0gWKsN3Vn8Yi6gNAfuLB27ToLkZPH");
  EXPECT_FALSE(page->versions[1].delete_marker);
  // The last entry is where the next page starts (what NextKeyMarker names).
  EXPECT_EQ(page->versions[2].key, "v/a b+c");
  EXPECT_EQ(page->versions[2].version_id, "D5MK6KTSayJ5xWU1hxbvCyTTpZdhbnz");
}

TEST(S3Xml, ListObjectVersionsPlainAndErrors) {
  auto plain = parse_list_object_versions(
      "<ListVersionsResult><IsTruncated>false</IsTruncated>"
      "<Version><Key>a+b%20</Key><VersionId>null</VersionId></Version></ListVersionsResult>");
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  ASSERT_EQ(plain->versions.size(), 1u);
  EXPECT_EQ(plain->versions[0].key, "a+b%20");  // no EncodingType: as sent
  EXPECT_EQ(plain->versions[0].version_id, "null");

  auto empty = parse_list_object_versions(
      "<ListVersionsResult><IsTruncated>false</IsTruncated></ListVersionsResult>");
  ASSERT_TRUE(empty.has_value()) << empty.error().message;
  EXPECT_TRUE(empty->versions.empty());
  auto silent = parse_list_object_versions("<ListVersionsResult/>");
  ASSERT_FALSE(silent.has_value());
  EXPECT_EQ(silent.error().message,
            "ListObjectVersions reply has no <IsTruncated>, so whether the listing is complete is "
            "unknown");

  for (const char* bad :
       {"<ListVersionsResult><IsTruncated>false</IsTruncated><Version><Key>k</Key></Version>"
        "</ListVersionsResult>",
        "<ListVersionsResult><IsTruncated>false</IsTruncated><DeleteMarker><VersionId>v"
        "</VersionId></DeleteMarker></ListVersionsResult>",
        "<ListVersionsResult><IsTruncated>false</IsTruncated><Version><Key>k</Key><VersionId/>"
        "</Version></ListVersionsResult>"}) {
    auto r = parse_list_object_versions(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::protocol);
    EXPECT_NE(r.error().message.find("without <Key> or <VersionId>"), std::string::npos)
        << r.error().message;
  }
  auto stuck = parse_list_object_versions(
      "<ListVersionsResult><IsTruncated>true</IsTruncated></ListVersionsResult>");
  ASSERT_FALSE(stuck.has_value());
  EXPECT_EQ(stuck.error().message, "ListObjectVersions reply is truncated but lists no version");
  auto denied = parse_list_object_versions(
      "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().message, "ListObjectVersions failed: AccessDenied: Access Denied");
}

TEST(S3Xml, BucketVersioning) {
  auto on = parse_bucket_versioning(
      R"(<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      R"(<Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>)");
  ASSERT_TRUE(on.has_value()) << on.error().message;
  EXPECT_EQ(*on, "Enabled");
  auto never = parse_bucket_versioning(
      R"(<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>)");
  ASSERT_TRUE(never.has_value()) << never.error().message;
  EXPECT_EQ(*never, "");
  auto suspended = parse_bucket_versioning(
      "<VersioningConfiguration><Status> Suspended </Status></VersioningConfiguration>");
  ASSERT_TRUE(suspended.has_value());
  EXPECT_EQ(*suspended, "Suspended");
  EXPECT_FALSE(parse_bucket_versioning("<ListBucketResult/>").has_value());
  EXPECT_FALSE(parse_bucket_versioning("").has_value());
  EXPECT_EQ(build_versioning_configuration("Enabled"),
            R"(<?xml version="1.0" encoding="UTF-8"?>)"
            R"(<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
            R"(<Status>Enabled</Status></VersioningConfiguration>)");
}

TEST(S3Xml, XmlCanCarryOnlyWhatXml10Allows) {
  // What DeleteObjects may batch: XML 1.0's Char production, as UTF-8.
  for (std::string_view ok :
       {"", "plain/key.txt", "a&b<c>\"'", "tab\tlf\ncr\r", "caf\xC3\xA9", "\xE2\x82\xAC",
        "\xF0\x9F\x98\x80", "del\x7F", "\xEF\xBF\xBD", "\xC2\x80"}) {
    EXPECT_TRUE(xml_can_carry(ok)) << ok;
  }
  // The C0 controls other than tab, LF and CR, even as &#1; (radosgw: 400).
  for (int c = 1; c < 0x20; ++c) {
    const bool allowed = c == '\t' || c == '\n' || c == '\r';
    EXPECT_EQ(xml_can_carry("ctrl" + std::string(1, static_cast<char>(c)) + "x"), allowed) << c;
  }
  EXPECT_FALSE(xml_can_carry(std::string_view("nul\0x", 5)));
  // Not UTF-8 (a lone continuation, a truncated sequence, an overlong '/'),
  // a surrogate, the non-characters U+FFFE/U+FFFF, past U+10FFFF.
  for (std::string_view bad : {"\x80", "caf\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xEF\xBF\xBE",
                               "\xEF\xBF\xBF", "\xF4\x90\x80\x80", "\xFF"}) {
    EXPECT_FALSE(xml_can_carry(bad)) << bad;
  }
}

TEST(S3Xml, DeleteResultKeepsOnlyFailures) {
  auto r = parse_delete_result(R"(<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Deleted><Key>sample1.txt</Key></Deleted>
  <Error><Key>sample2.txt</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
  <Error><Key>a&amp;b&#13;</Key><Code>InternalError</Code><Message></Message></Error>
</DeleteResult>)");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].key, "sample2.txt");
  EXPECT_EQ((*r)[0].code, "AccessDenied");
  EXPECT_EQ((*r)[0].message, "Access Denied");
  EXPECT_EQ((*r)[1].key, "a&b\r");
  EXPECT_EQ((*r)[1].code, "InternalError");
  EXPECT_EQ((*r)[1].message, "");

  auto quiet = parse_delete_result("<DeleteResult/>");
  ASSERT_TRUE(quiet.has_value());
  EXPECT_TRUE(quiet->empty());

  auto whole = parse_delete_result("<Error><Code>MalformedXML</Code></Error>");
  ASSERT_FALSE(whole.has_value());
  EXPECT_EQ(whole.error().kind, ErrorKind::s3);
  EXPECT_EQ(whole.error().s3_code, "MalformedXML");
}

std::int64_t epoch_ms(std::string_view text) {
  const auto t = parse_s3_timestamp(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t ? t->time_since_epoch().count() : -1;
}

TEST(S3Xml, S3Timestamps) {
  EXPECT_EQ(epoch_ms("1970-01-01T00:00:00.000Z"), 0);
  EXPECT_EQ(epoch_ms("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(epoch_ms("2010-11-10T20:48:33.000Z"), 1289422113000);
  EXPECT_EQ(epoch_ms("2026-12-01T19:00:05.362Z"), 1796151605362);
  // Fractions of any length, kept to the millisecond.
  EXPECT_EQ(epoch_ms("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(epoch_ms("1970-01-01T00:00:00.123456789Z"), 123);
  EXPECT_EQ(epoch_ms(" 2024-02-29T23:59:59.999Z\n"), 1709251199999);  // leap day, trimmed
  for (std::string_view bad :
       {"", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z",
        "2024-01-01T00:00:00", "2024-01-01T00:00:00+01:00", "2024-01-01 00:00:00Z",
        "2024-01-01T00:00:00.Z", "2024-1-01T00:00:00Z", "Wed, 01 Dec 2026 19:00:05 GMT",
        "2024-01-01T00:00:00ZZ", "2024-01-01T0a:00:00Z"}) {
    EXPECT_FALSE(parse_s3_timestamp(bad).has_value()) << bad;
  }
}

// As radosgw 16 sends it (Prefix left unencoded, no EncodingType).
constexpr std::string_view kRadosgwUploads =
    R"(<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
    R"(<Bucket>b</Bucket><Prefix>k a+b</Prefix><NextKeyMarker>k a+b</NextKeyMarker>)"
    R"(<NextUploadIdMarker>2~VvAPNiKlbmtfe_8FSpZ6vhNG4pu9isq</NextUploadIdMarker><MaxUploads>2</MaxUploads>)"
    R"(<IsTruncated>true</IsTruncated>)"
    R"(<Upload><Key>k a+b</Key><UploadId>2~KeY-xdrjyy2dD3AA56CjqOJCY0PiURA</UploadId>)"
    R"(<Initiator><ID>s3loop</ID><DisplayName>s3loop</DisplayName></Initiator>)"
    R"(<Owner><ID>owner</ID><DisplayName>s3loop</DisplayName></Owner><StorageClass>STANDARD</StorageClass>)"
    R"(<Initiated>2026-12-01T19:00:05.362Z</Initiated></Upload>)"
    R"(<Upload><Key>k a+bc</Key><UploadId>2~VvAPNiKlbmtfe_8FSpZ6vhNG4pu9isq</UploadId>)"
    R"(<Initiator><ID>someone</ID><DisplayName>else</DisplayName></Initiator>)"
    R"(<Owner><ID>s3loop</ID><DisplayName>s3loop</DisplayName></Owner><StorageClass>STANDARD</StorageClass>)"
    R"(<Initiated>yesterday</Initiated></Upload>)"
    R"(</ListMultipartUploadsResult>)";

TEST(S3Xml, ListMultipartUploadsRadosgw) {
  auto page = parse_list_multipart_uploads(kRadosgwUploads);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_key_marker, "k a+b");
  EXPECT_EQ(page->next_upload_id_marker, "2~VvAPNiKlbmtfe_8FSpZ6vhNG4pu9isq");
  ASSERT_EQ(page->uploads.size(), 2u);
  const auto& first = page->uploads[0];
  EXPECT_EQ(first.key, "k a+b");  // not decoded: the page did not say EncodingType=url
  EXPECT_EQ(first.upload_id, "2~KeY-xdrjyy2dD3AA56CjqOJCY0PiURA");
  EXPECT_EQ(first.initiator_id, "s3loop");  // the initiator's, not the owner's
  EXPECT_EQ(first.initiated, "2026-12-01T19:00:05.362Z");
  ASSERT_TRUE(first.initiated_time.has_value());
  EXPECT_EQ(first.initiated_time->time_since_epoch().count(), 1796151605362);
  const auto& second = page->uploads[1];
  EXPECT_EQ(second.key, "k a+bc");
  EXPECT_EQ(second.initiator_id, "someone");
  EXPECT_EQ(second.initiated, "yesterday");
  EXPECT_FALSE(second.initiated_time.has_value());  // unreadable, not an error
}

TEST(S3Xml, ListMultipartUploadsAwsUrlEncoded) {
  auto page = parse_list_multipart_uploads(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>amzn-s3-demo-bucket</Bucket>
  <KeyMarker></KeyMarker>
  <UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>my+movie%2Bclip.m2ts</NextKeyMarker>
  <NextUploadIdMarker>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</NextUploadIdMarker>
  <EncodingType>url</EncodingType>
  <MaxUploads>3</MaxUploads>
  <IsTruncated>false</IsTruncated>
  <Upload>
    <Key>my+movie%2Bclip.m2ts</Key>
    <UploadId>VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
    <Initiator>
      <ID>arn:aws:iam::111122223333:user/some-user-11116a31-17b5-4fb7-9df5-b288870f11xx</ID>
      <DisplayName>umat-user-11116a31-17b5-4fb7-9df5-b288870f11xx</DisplayName>
    </Initiator>
    <Owner>
      <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
      <DisplayName>OwnerDisplayName</DisplayName>
    </Owner>
    <StorageClass>STANDARD</StorageClass>
    <Initiated>2010-11-10T20:48:33.000Z</Initiated>
  </Upload>
</ListMultipartUploadsResult>)");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_FALSE(page->is_truncated);
  EXPECT_EQ(page->next_key_marker, "my movie+clip.m2ts");
  ASSERT_EQ(page->uploads.size(), 1u);
  EXPECT_EQ(page->uploads[0].key, "my movie+clip.m2ts");
  EXPECT_EQ(page->uploads[0].initiator_id,
            "arn:aws:iam::111122223333:user/some-user-11116a31-17b5-4fb7-9df5-b288870f11xx");
  ASSERT_TRUE(page->uploads[0].initiated_time.has_value());
  EXPECT_EQ(page->uploads[0].initiated_time->time_since_epoch().count(), 1289422113000);
}

// radosgw 16.2's reply, byte for byte, to a listing without encoding-type
// (s3loop asks for none here: asked for, radosgw encodes <Key> but not
// <NextKeyMarker>, and writes no <EncodingType> to say so). A key with ESC,
// '%', '+' and a space comes back as it is, ESC as a character reference,
// and goes back as the next key-marker unchanged.
TEST(S3Xml, ListMultipartUploadsRadosgwKeyWithAControlCharacter) {
  auto page = parse_list_multipart_uploads(
      R"(<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>rv-esc-mpu</Bucket><Prefix>p/</Prefix><NextKeyMarker>p/a&#x1b;b%+ c</NextKeyMarker><NextUploadIdMarker>2~rXgLNk39tAXlg1ztP3ZTC9DTUkTcby3</NextUploadIdMarker><MaxUploads>1</MaxUploads><IsTruncated>true</IsTruncated><Upload><Key>p/a&#x1b;b%+ c</Key><UploadId>2~rXgLNk39tAXlg1ztP3ZTC9DTUkTcby3</UploadId><Initiator><ID>s3loop</ID><DisplayName>s3loop</DisplayName></Initiator><Owner><ID>s3loop</ID><DisplayName>s3loop</DisplayName></Owner><StorageClass>STANDARD</StorageClass><Initiated>2026-12-06T16:51:55.556Z</Initiated></Upload></ListMultipartUploadsResult>)");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_key_marker,
            "p/a\x1b"
            "b%+ c");
  EXPECT_EQ(page->next_upload_id_marker, "2~rXgLNk39tAXlg1ztP3ZTC9DTUkTcby3");
  ASSERT_EQ(page->uploads.size(), 1u);
  EXPECT_EQ(page->uploads[0].key,
            "p/a\x1b"
            "b%+ c");
}

TEST(S3Xml, ListMultipartUploadsErrors) {
  auto none = parse_list_multipart_uploads(
      "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
      "</ListMultipartUploadsResult>");
  ASSERT_TRUE(none.has_value()) << none.error().message;
  EXPECT_TRUE(none->uploads.empty());

  auto denied = parse_list_multipart_uploads(
      "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().kind, ErrorKind::s3);
  EXPECT_EQ(denied.error().message, "ListMultipartUploads failed: AccessDenied: Access Denied");

  auto cut = parse_list_multipart_uploads(kRadosgwUploads.substr(0, kRadosgwUploads.size() / 2));
  ASSERT_FALSE(cut.has_value());
  EXPECT_EQ(cut.error().kind, ErrorKind::protocol);

  auto wrong_root = parse_list_multipart_uploads("<ListBucketResult/>");
  ASSERT_FALSE(wrong_root.has_value());
  EXPECT_EQ(wrong_root.error().kind, ErrorKind::protocol);

  for (std::string_view incomplete :
       {"<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><UploadId>u"
        "</UploadId></Upload></ListMultipartUploadsResult>",
        "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>k</Key>"
        "</Upload></ListMultipartUploadsResult>",
        "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>k</Key>"
        "<UploadId></UploadId></Upload></ListMultipartUploadsResult>"}) {
    auto r = parse_list_multipart_uploads(incomplete);
    ASSERT_FALSE(r.has_value()) << incomplete;
    EXPECT_EQ(r.error().message,
              "ListMultipartUploads reply has an <Upload> without <Key> or <UploadId>");
  }

  auto silent = parse_list_multipart_uploads("<ListMultipartUploadsResult/>");
  ASSERT_FALSE(silent.has_value());
  EXPECT_EQ(silent.error().message,
            "ListMultipartUploads reply has no <IsTruncated>, so whether the listing is complete "
            "is unknown");

  auto endless = parse_list_multipart_uploads(
      "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
      "<NextUploadIdMarker>u</NextUploadIdMarker></ListMultipartUploadsResult>");
  ASSERT_FALSE(endless.has_value());
  EXPECT_EQ(endless.error().message,
            "ListMultipartUploads reply is truncated but has no <NextKeyMarker>");
}

TEST(S3Xml, TaggingAws) {
  // AWS's documented GetObjectTagging reply, with a key and a value that
  // need XML escaping and a value of only spaces (kept).
  auto tags = parse_tagging(R"(<?xml version="1.0" encoding="UTF-8"?>)"
                            R"(<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>)"
                            R"(<Tag><Key>tag1</Key><Value>val1</Value></Tag>)"
                            R"(<Tag><Key>a&amp;b</Key><Value>&lt;x&gt; y</Value></Tag>)"
                            R"(<Tag><Key>blank</Key><Value>  </Value></Tag>)"
                            R"(<Tag><Key>empty</Key><Value></Value></Tag>)"
                            R"(</TagSet></Tagging>)");
  ASSERT_TRUE(tags) << tags.error().message;
  ASSERT_EQ(tags->size(), 4u);
  EXPECT_EQ((*tags)[0].key, "tag1");
  EXPECT_EQ((*tags)[0].value, "val1");
  EXPECT_EQ((*tags)[1].key, "a&b");
  EXPECT_EQ((*tags)[1].value, "<x> y");
  EXPECT_EQ((*tags)[2].value, "  ");
  EXPECT_EQ((*tags)[3].key, "empty");
  EXPECT_EQ((*tags)[3].value, "");
}

TEST(S3Xml, TaggingNone) {
  // radosgw 16.2: 200 with an empty body for an untagged object.
  auto none = parse_tagging("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto empty_set = parse_tagging("<Tagging><TagSet/></Tagging>");
  ASSERT_TRUE(empty_set);
  EXPECT_TRUE(empty_set->empty());
}

TEST(S3Xml, TaggingErrors) {
  auto denied = parse_tagging("<Error><Code>AccessDenied</Code><Message>no</Message></Error>");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, ErrorKind::s3);
  EXPECT_EQ(denied.error().s3_code, "AccessDenied");
  auto keyless = parse_tagging("<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>");
  ASSERT_FALSE(keyless);
  EXPECT_EQ(keyless.error().kind, ErrorKind::protocol);
  EXPECT_FALSE(parse_tagging("<Tagging><TagSet>"));
  EXPECT_FALSE(parse_tagging("<ListBucketResult/>"));
}

TEST(S3Xml, BuildTaggingEscapesAndRoundTrips) {
  const std::vector<Tag> tags = {{"k", "v"}, {"a&b", "<x> \"q\""}, {"empty", ""}};
  const std::string body = build_tagging(tags);
  EXPECT_EQ(body, R"(<?xml version="1.0" encoding="UTF-8"?>)"
                  R"(<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>)"
                  R"(<Tag><Key>k</Key><Value>v</Value></Tag>)"
                  R"(<Tag><Key>a&amp;b</Key><Value>&lt;x&gt; &quot;q&quot;</Value></Tag>)"
                  R"(<Tag><Key>empty</Key><Value></Value></Tag>)"
                  R"(</TagSet></Tagging>)");
  auto back = parse_tagging(body);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), tags.size());
  for (std::size_t i = 0; i < tags.size(); ++i) {
    EXPECT_EQ((*back)[i].key, tags[i].key);
    EXPECT_EQ((*back)[i].value, tags[i].value);
  }
}

}  // namespace
}  // namespace s3loop::s3
