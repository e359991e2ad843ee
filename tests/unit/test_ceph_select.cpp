// radosgw's S3 Select reply dialect, on frames captured from the local
// radosgw 16.2 (boto3 select_object_content, raw body, object
// 'id,name,age\n1,"a, b",31\n2,x,20\n3,"say ""hi""",45\n', FileHeaderInfo USE).
#include "s3loop/s3/ceph_select.hpp"
#include "s3loop/s3/event_stream.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace s3loop::s3 {
namespace {

// The rows, or the error's message after "error: ".
std::string as_aws(std::string_view rows, char delimiter, char quote) {
  auto r = ceph_rows_as_aws(rows, delimiter, quote);
  return r ? *r : "error: " + r.error().message;
}

// select _1,_2 from stdin where int(_3) > 30;
constexpr std::string_view kCephRows{
    "\000\000\000\275\000\000\000U\226t\266\267\013:event-type\007\000\007Records\015"
    ":content-type\007\000\030application/octet-stream\015:message-type\007\000\005"
    "event\n<Payload>\n<Records>\n<Payload>\n1,\"a, b\",\n3,\"say "
    "\"\"hi\"\"\",\n\n</Payload></Records></Payload>&\332"
    "\3160",
    189};
// select count(*) from stdin;
constexpr std::string_view kCephCount{
    "\000\000\000\245\000\000\000U\306\344j\364\013:event-type\007\000\007Records\015"
    ":content-type\007\000\030application/octet-stream\015:message-type\007\000\005"
    "event\n<Payload>\n<Records>\n<Payload>\n3,\n</Payload></Records></Payload>&lW3",
    165};
// select * from S3Object;
constexpr std::string_view kCephFailure{
    "\000\000\000\273\000\000\000U\0314C\027\013:event-type\007\000\007Records\015"
    ":content-type\007\000\030application/octet-stream\015:message-type\007\000\005"
    "event\n<Payload>\n<Records>\n<Payload>\nfailure "
    "-->S3Object;<---\n</Payload></Records></Payload>\017"
    "\354\330\271",
    187};

std::vector<SelectEvent> decode(std::string_view stream, std::size_t piece) {
  SelectStreamDecoder decoder;
  std::vector<SelectEvent> out;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    auto events = decoder.feed(stream.substr(at, piece));
    EXPECT_TRUE(events.has_value());
    if (!events) return out;
    for (auto& e : *events) out.push_back(std::move(e));
  }
  // radosgw sends no End event: a truncated AWS stream, a complete radosgw one.
  EXPECT_FALSE(decoder.finish().has_value());
  EXPECT_TRUE(decoder.finish(/*end_event_required=*/false).has_value());
  return out;
}

TEST(CephSelect, CapturedFramesCarryValidCrcsAndOneRecordsEvent) {
  for (std::string_view stream : {kCephRows, kCephCount, kCephFailure}) {
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, stream.size()}) {
      const auto events = decode(stream, piece);
      ASSERT_EQ(events.size(), 1u);
      EXPECT_EQ(events[0].kind, SelectEventKind::records);
    }
  }
}

TEST(CephSelect, RowsAreUnwrappedAndWrittenAsAwsWritesThem) {
  const auto events = decode(kCephRows, kCephRows.size());
  const auto rows = unwrap_ceph_records(events.at(0).payload);
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, "1,\"a, b\",\n3,\"say \"\"hi\"\"\",\n\n");
  EXPECT_FALSE(ceph_select_failure(*rows));
  // The delimiter radosgw adds after the last field goes; the one inside
  // quotes stays.
  EXPECT_EQ(as_aws(*rows, ',', '"'), "1,\"a, b\"\n3,\"say \"\"hi\"\"\"\n");

  const auto count_events = decode(kCephCount, 5);  // the views below point into it
  const auto count = unwrap_ceph_records(count_events.at(0).payload);
  ASSERT_TRUE(count);
  EXPECT_EQ(as_aws(*count, ',', '"'), "3\n");
}

TEST(CephSelect, AFailureIsReportedNotReadAsData) {
  const auto events = decode(kCephFailure, 3);
  const auto rows = unwrap_ceph_records(events.at(0).payload);
  ASSERT_TRUE(rows);
  const auto failure = ceph_select_failure(*rows);
  ASSERT_TRUE(failure);
  EXPECT_EQ(*failure, "the server's S3 Select rejected the statement near 'S3Object;'");
}

// radosgw 16.2's SELECT * of a record longer than 4 KiB: the rows before it,
// then this line instead of it and the rest.
TEST(CephSelect, ARowTooLongForTheServerIsAFailure) {
  for (const std::string_view rows : {"a,b,\nresult line too long\n", "result line too long\n"}) {
    const auto failure = ceph_select_failure(rows);
    ASSERT_TRUE(failure) << rows;
    EXPECT_NE(failure->find("longer than 4 KiB"), std::string::npos) << *failure;
  }
  // The words as data: a field, with the delimiter radosgw ends each row with.
  EXPECT_FALSE(ceph_select_failure("result line too long,\n"));
  EXPECT_FALSE(ceph_select_failure("1,result line too long,\n"));
}

TEST(CephSelect, AwsPayloadsAreLeftAlone) {
  EXPECT_FALSE(unwrap_ceph_records("1,a\n2,b\n"));
  EXPECT_FALSE(unwrap_ceph_records("\n<Payload>\n<Records>\n<Payload>\n1,a\n"));  // no end
  EXPECT_FALSE(ceph_select_failure("failure,1\n"));
}

TEST(CephSelect, RowEndsAreFixedOnlyOutsideQuotes) {
  // An empty single column stays a record; CRLF rows keep their CR; a
  // delimiter other than the comma; a quoted delimiter is data.
  EXPECT_EQ(as_aws(",\n", ',', '"'), "\"\"\n");
  EXPECT_EQ(as_aws("1,\"a,b\",\n", ',', '"'), "1,\"a,b\"\n");
  EXPECT_EQ(as_aws("1,2\r,\n", ',', '"'), "1,2\r\n");
  EXPECT_EQ(as_aws("a;b;\n\n", ';', '"'), "a;b\n");
  // A quote in the middle of a bare field is data: it opens nothing, so the
  // rows after it still lose their extra delimiter (radosgw merged the first
  // two here itself).
  EXPECT_EQ(as_aws("5\",x,6,y,\n7,z,\n", ',', '"'), "5\",x,6,y\n7,z\n");
  EXPECT_EQ(as_aws("\"a\"\"b\",c\"d,\n", ',', '"'), "\"a\"\"b\",c\"d\n");
  EXPECT_EQ(as_aws("", ',', '"'), "");
}

TEST(CephSelect, ALineBreakInsideQuotesIsAnErrorNotARecord) {
  // radosgw 16.2's answer to `select * from stdin;` over 1,"x<LF>y"<LF>2,w<LF>:
  // the record cut in two, each piece a row. Read across the cut it would be
  // one record holding "x,<LF>y" -- a comma the object does not have.
  const auto split = ceph_rows_as_aws("1,\"x,\ny\",\n2,w,\n", ',', '"');
  ASSERT_FALSE(split);
  EXPECT_EQ(split.error().kind, ErrorKind::data);
  EXPECT_NE(split.error().message.find("without --server-dialect"), std::string::npos);
  EXPECT_EQ(split.error().message.find('\n'), std::string::npos);
  // So is a quoted field still open at the end of the rows.
  EXPECT_FALSE(ceph_rows_as_aws("1,\"x,\n", ',', '"'));
}

}  // namespace
}  // namespace s3loop::s3
