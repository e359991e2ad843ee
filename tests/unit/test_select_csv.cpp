#include "s3loop/jobs/select/csv.hpp"

#include <gtest/gtest.h>

#include <random>

namespace s3loop::jobs::select {
namespace {

using Rows = std::vector<std::vector<std::string>>;

Rows all(std::string_view text, CsvFormat f = {}) {
  return read_all(text, f).value();
}

// Feeds `text` in chunks of `chunk` bytes.
Rows chunked(std::string_view text, std::size_t chunk, CsvFormat f = {}) {
  Rows out;
  CsvReader r(f);
  const RecordSink sink = [&](const CsvRecord& rec) {
    out.emplace_back(rec.fields.begin(), rec.fields.end());
    return true;
  };
  for (std::size_t i = 0; i < text.size(); i += chunk) r.feed(text.substr(i, chunk), sink);
  EXPECT_TRUE(r.finish(sink).has_value());
  return out;
}

TEST(SelectCsv, SimpleRecords) {
  EXPECT_EQ(all("a,b,c\n1,2,3\n"), (Rows{{"a", "b", "c"}, {"1", "2", "3"}}));
}

TEST(SelectCsv, LastLineWithoutNewline) {
  EXPECT_EQ(all("a,b\n1,2"), (Rows{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(all("a,b\r\n1,2"), (Rows{{"a", "b"}, {"1", "2"}}));
}

TEST(SelectCsv, CrLf) {
  EXPECT_EQ(all("a,b\r\n1,2\r\n"), (Rows{{"a", "b"}, {"1", "2"}}));
  // A lone CR is data.
  EXPECT_EQ(all("a\rb,c\n"), (Rows{{"a\rb", "c"}}));
}

TEST(SelectCsv, EmptyFields) {
  EXPECT_EQ(all(",,\n,x,\n"), (Rows{{"", "", ""}, {"", "x", ""}}));
  EXPECT_EQ(all("\"\"\n"), (Rows{{""}}));
}

TEST(SelectCsv, EmptyLinesAreSkipped) {
  EXPECT_EQ(all("a\n\n\r\nb\n"), (Rows{{"a"}, {"b"}}));
  EXPECT_TRUE(all("").empty());
}

// S3 Select's Comments, '#' unless said otherwise: a line that starts with it
// is no record, whatever follows (an odd quote included); elsewhere it is data.
TEST(SelectCsv, CommentLinesAreSkipped) {
  const std::string text =
      "#a comment, with \"an odd quote\nid,name\n1,#not one\n#2,x\r\n\"#3\",y\n  #4,z\n#last";
  const Rows expected = {{"id", "name"}, {"1", "#not one"}, {"#3", "y"}, {"  #4", "z"}};
  EXPECT_EQ(all(text), expected);
  for (std::size_t chunk : {1u, 2u, 3u, 7u}) EXPECT_EQ(chunked(text, chunk), expected) << chunk;
  // Another character, or none.
  CsvFormat semicolon;
  semicolon.comment = ';';
  EXPECT_EQ(all("#1,a\n;2,b\n3,c\n", semicolon), (Rows{{"#1", "a"}, {"3", "c"}}));
  CsvFormat none;
  none.comment = '\0';
  EXPECT_EQ(all("#1,a\n", none), (Rows{{"#1", "a"}}));
  // Not inside a quoted field that runs on over a line break.
  EXPECT_EQ(all("\"a\n#b\",c\n"), (Rows{{"a\n#b", "c"}}));
  // After a byte order mark, a comment still.
  EXPECT_EQ(all("\xEF\xBB\xBF#x\nid\n"), (Rows{{"id"}}));
  // Before the header: the header is the first record.
  const std::string commented = "# exported 2026-12-04\nid,n\n1,2\n";
  EXPECT_EQ(read_first_record(commented).value().fields, (std::vector<std::string>{"id", "n"}));
  auto r = read_range(commented, 0, 100, true, {}, FileHeaderInfo::use).value();
  EXPECT_EQ(r.records, (Rows{{"1", "2"}}));
}

// A record read back must not turn into a comment: a first field that starts
// with the comment character is quoted (the output formats have none).
TEST(SelectCsv, CsvOutputQuotesWhatWouldReadAsAComment) {
  std::string out;
  const std::vector<std::string> row = {"#x", "#y"};
  append_csv_record(out, row);
  EXPECT_EQ(out, "\"#x\",#y\n");
  EXPECT_EQ(all(out), (Rows{row}));
  CsvFormat hash_delimited;
  hash_delimited.field_delimiter = '#';
  out.clear();
  append_csv_record(out, std::vector<std::string>{"", "b"}, hash_delimited);
  EXPECT_EQ(out, "\"\"#b\n");
  EXPECT_EQ(all(out, hash_delimited), (Rows{{"", "b"}}));
  CsvFormat output{',', '"', '\0'};
  out.clear();
  append_csv_record(out, row, output);
  EXPECT_EQ(out, "#x,#y\n");
}

// A carriage return in a field is quoted: bare, a reader takes it for the
// end of the line (and drops it), as Python's csv module writes it too.
TEST(SelectCsv, CsvOutputQuotesACarriageReturn) {
  std::string out;
  append_csv_record(out, std::vector<std::string>{"x\r"});
  EXPECT_EQ(out, "\"x\r\"\n");
  out.clear();
  const std::vector<std::string> row = {"a\rb", "c"};
  append_csv_record(out, row);
  EXPECT_EQ(out, "\"a\rb\",c\n");
  EXPECT_EQ(all(out), (Rows{row}));
}

// After a closing quote, characters before the delimiter are kept, as
// Python's csv module reads them: "ab"c is abc, not ab.
TEST(SelectCsv, TextAfterAClosingQuoteIsKept) {
  EXPECT_EQ(all("\"ab\"c,d\n"), (Rows{{"abc", "d"}}));
}

// One empty field alone would make an empty line, which reads as no record.
TEST(SelectCsv, CsvOutputQuotesARecordOfOneEmptyField) {
  std::string out;
  const std::vector<std::string> lone = {""};
  append_csv_record(out, lone);
  append_csv_record(out, std::vector<std::string>{"", ""});
  EXPECT_EQ(out, "\"\"\n,\n");
  EXPECT_EQ(all(out), (Rows{{""}, {"", ""}}));
}

TEST(SelectCsv, QuotedFields) {
  EXPECT_EQ(all("\"a,b\",c\n"), (Rows{{"a,b", "c"}}));
  EXPECT_EQ(all("\"say \"\"hi\"\"\",x\n"), (Rows{{"say \"hi\"", "x"}}));
  EXPECT_EQ(all("\"line1\nline2\",\"cr\r\nlf\"\n"), (Rows{{"line1\nline2", "cr\r\nlf"}}));
  EXPECT_EQ(all("\"\"\"\"\n"), (Rows{{"\""}}));
  EXPECT_EQ(all("\"quoted at end\""), (Rows{{"quoted at end"}}));
  // Quote inside an unquoted field is data.
  EXPECT_EQ(all("ab\"c,d\n"), (Rows{{"ab\"c", "d"}}));
}

TEST(SelectCsv, UnterminatedQuoteIsAProtocolError) {
  auto r = read_all("a,\"open\n");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::protocol);
  EXPECT_NE(r.error().message.find("unterminated"), std::string::npos);
}

TEST(SelectCsv, OtherDelimiter) {
  CsvFormat f;
  f.field_delimiter = '\t';
  EXPECT_EQ(all("a\tb,c\t\"x\ty\"\n", f), (Rows{{"a", "b,c", "x\ty"}}));
  f.field_delimiter = ';';
  f.quote = '\'';
  EXPECT_EQ(all("'a;b';'it''s'\n", f), (Rows{{"a;b", "it's"}}));
}

TEST(SelectCsv, ChunkBoundariesAnywhere) {
  const std::string text = "a,\"b,\"\"c\"\"\r\nd\"\r\n\"\",x\r\nlast,\"q\"";
  const Rows whole = all(text);
  ASSERT_EQ(whole, (Rows{{"a", "b,\"c\"\r\nd"}, {"", "x"}, {"last", "q"}}));
  for (std::size_t chunk = 1; chunk <= text.size(); ++chunk)
    EXPECT_EQ(chunked(text, chunk), whole) << "chunk " << chunk;
}

TEST(SelectCsv, RecordOffsets) {
  std::vector<std::uint64_t> offsets;
  CsvReader r;
  const RecordSink sink = [&](const CsvRecord& rec) {
    offsets.push_back(rec.offset);
    return true;
  };
  r.feed("ab\r\n\"c\nd\"\n\ne", sink);
  ASSERT_TRUE(r.finish(sink).has_value());
  EXPECT_EQ(offsets, (std::vector<std::uint64_t>{0, 4, 11}));
}

// A UTF-8 BOM where the object starts is not data: the header's first name
// is "id", not "\ufeffid", however the bytes arrive; anywhere else, and a
// BOM cut short, are data.
TEST(SelectCsv, ByteOrderMarkAtTheStartIsSkipped) {
  const std::string bom = "\xEF\xBB\xBF";
  for (std::size_t chunk : {1, 2, 3, 4, 100}) {
    EXPECT_EQ(chunked(bom + "id,name\n1,a\n", chunk), (Rows{{"id", "name"}, {"1", "a"}})) << chunk;
    EXPECT_EQ(chunked(bom + "\"id\",name\n", chunk), (Rows{{"id", "name"}})) << chunk;
    EXPECT_EQ(chunked(bom, chunk), Rows{}) << chunk;
    EXPECT_EQ(chunked("\xEF\xBBx,y\n", chunk), (Rows{{"\xEF\xBBx", "y"}})) << chunk;
    EXPECT_EQ(chunked("\xEF\xBB", chunk), (Rows{{"\xEF\xBB"}})) << chunk;
    EXPECT_EQ(chunked("a\n" + bom + "b\n", chunk), (Rows{{"a"}, {bom + "b"}})) << chunk;
  }
  auto first = read_first_record(bom + "id,name\n1,a\n");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->fields, (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(first->offset, 0u);
  // Range 0 takes the header; a range starting past the BOM knows nothing of it.
  const std::string text = bom + "id,name\n1,a\n2,b\n";  // records at 0, 11, 15
  auto r0 = read_range(text, 0, 11, true, {}, FileHeaderInfo::use, 0).value();
  EXPECT_EQ(r0.header, (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(r0.records, (Rows{{"1", "a"}}));
  EXPECT_EQ(read_range(std::string_view(text).substr(11), 12, 100, true).value().records,
            (Rows{{"2", "b"}}));
}

TEST(SelectCsv, SinkCanStop) {
  int n = 0;
  CsvReader r;
  EXPECT_TRUE(r.feed("1\n2\n3\n", [&](const CsvRecord&) { return ++n < 2; }));
  EXPECT_EQ(n, 2);
}

TEST(SelectCsv, ScanRangeOwnsRecordsStartingInside) {
  const std::string text = "aa,1\nbb,2\ncc,3\n";  // records at 0, 5, 10
  auto range = [&](std::uint64_t start, std::uint64_t end) {
    const std::size_t from = start == 0 ? 0 : start - 1;
    return read_range(std::string_view(text).substr(from), start, end, true).value().records;
  };
  EXPECT_EQ(range(0, 0), (Rows{{"aa", "1"}}));               // read past end
  EXPECT_EQ(range(0, 5), (Rows{{"aa", "1"}, {"bb", "2"}}));  // 5 starts a record
  EXPECT_EQ(range(1, 4), Rows{});                            // starts mid-record
  EXPECT_EQ(range(1, 5), (Rows{{"bb", "2"}}));
  EXPECT_EQ(range(5, 5), (Rows{{"bb", "2"}}));
  EXPECT_EQ(range(6, 100), (Rows{{"cc", "3"}}));
  EXPECT_EQ(range(11, 100), Rows{});
}

// A range inside a long line owns no record: it knows that once it has read
// up to its own last byte (the look-behind byte included), without reading
// on to the line's end.
TEST(SelectCsv, ScanRangeInsideALineStopsAtItsEnd) {
  const std::string text = "a," + std::string(1000, 'x') + "\nb,1\n";  // records at 0, 1003
  auto fed_until_done = [&](std::uint64_t start, std::uint64_t end) {
    RangeReader range(start, end);
    int records = 0;
    const RecordSink sink = [&](const CsvRecord&) { return ++records, true; };
    std::uint64_t at = start == 0 ? 0 : start - 1;
    while (at < text.size() && !range.feed(std::string_view(text).substr(at, 1), sink)) ++at;
    EXPECT_EQ(records, 0) << start;
    return at;
  };
  EXPECT_EQ(fed_until_done(10, 19), 18u);  // bytes 9..18: no LF, so nothing starts in 10..19
  EXPECT_EQ(fed_until_done(500, 500), 499u);
  EXPECT_EQ(fed_until_done(1002, 1002), 1001u);  // the LF at 1002 starts a record at 1003
  // Fed in one piece, a range in the line is done; one holding the LF is not.
  RangeReader inside(10, 19);
  EXPECT_TRUE(
      inside.feed(std::string_view(text).substr(9, 11), [](const CsvRecord&) { return true; }));
  RangeReader owning(10, 1003);
  EXPECT_FALSE(
      owning.feed(std::string_view(text).substr(9, 995), [](const CsvRecord&) { return true; }));
}

// Detection of line breaks inside quoted fields (such a file cannot be split
// into ranges): seen wherever the chunks are cut, never without one.
TEST(SelectCsv, QuotedNewlineIsNoticed) {
  auto saw = [](std::string_view text, std::size_t chunk) {
    CsvReader r;
    const RecordSink sink = [](const CsvRecord&) { return true; };
    for (std::size_t i = 0; i < text.size(); i += chunk) r.feed(text.substr(i, chunk), sink);
    EXPECT_TRUE(r.finish(sink).has_value());
    return r.saw_quoted_newline();
  };
  for (std::size_t chunk : {1, 2, 3, 7, 1000}) {
    EXPECT_TRUE(saw("id,text\n1,\"two\nlines\"\n2,x\n", chunk)) << chunk;
    EXPECT_TRUE(saw("1,\"crlf\r\ninside\"\n", chunk)) << chunk;
    EXPECT_TRUE(saw("1,\"a\"\"\nb\"\n", chunk)) << chunk;  // after an escaped quote
    EXPECT_FALSE(saw("1,\"a, \"\"b\"\", c\"\r\n2,\"\",x\n", chunk)) << chunk;
    EXPECT_FALSE(saw("1,\"cr\ronly\"\n2,plain\n3,a\"b\n", chunk)) << chunk;
  }
  // A range in sync reads the record holding the first such field whole.
  const std::string text = "aa,1\nbb,\"x\ny\"\ncc,3\n";  // records at 0, 5, 14
  for (std::uint64_t end : {5, 6, 13}) {
    RangeReader range(0, end);
    range.feed(text, [](const CsvRecord&) { return true; });
    EXPECT_TRUE(range.saw_quoted_newline()) << end;
  }
  RangeReader before(0, 4);
  before.feed(text, [](const CsvRecord&) { return true; });
  EXPECT_FALSE(before.saw_quoted_newline());  // stops before the record holding it
}

TEST(SelectCsv, ScanRangeNeedsTheWholeLastRecord) {
  const std::string text = "aa,1\nbb,2\ncc,3\n";
  // Range [0, 6] owns "bb,2": data cut inside it is not enough.
  auto r = read_range(std::string_view(text).substr(0, 7), 0, 6, false);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::protocol);
  // Up to its LF is enough, without knowing more.
  auto ok = read_range(std::string_view(text).substr(0, 10), 0, 6, false);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->records, (Rows{{"aa", "1"}, {"bb", "2"}}));
}

TEST(SelectCsv, ScanRangeHeader) {
  const std::string text = "name,n\nx,1\ny,2\n";
  auto r = read_range(text, 0, 8, true, {}, FileHeaderInfo::use).value();
  ASSERT_TRUE(r.header.has_value());
  EXPECT_EQ(*r.header, (std::vector<std::string>{"name", "n"}));
  EXPECT_EQ(r.records, (Rows{{"x", "1"}}));
  auto ignored = read_range(text, 0, 100, true, {}, FileHeaderInfo::ignore).value();
  EXPECT_FALSE(ignored.header.has_value());
  EXPECT_EQ(ignored.records, (Rows{{"x", "1"}, {"y", "2"}}));
  auto none = read_range(text, 0, 100, true, {}, FileHeaderInfo::none).value();
  EXPECT_EQ(none.records.size(), 3u);
  EXPECT_EQ(read_header(text), (std::vector<std::string>{"name", "n"}));
  EXPECT_FALSE(read_header("no newline yet").has_value());
}

// Found by fuzz_csv: blank lines before the header longer than a range put the
// header in a later range, which emitted it as data. The range holding the
// first record's offset now skips it, whichever range that is.
TEST(SelectCsv, ScanRangeHeaderAfterBlankLinesLongerThanARange) {
  const std::string text = "\n\r\n\n\n\nid,name\n1,a\n2,b\n";
  const auto first = read_first_record(text).value();
  EXPECT_EQ(first.offset, 6u);
  EXPECT_EQ(first.fields, (std::vector<std::string>{"id", "name"}));
  for (std::uint64_t chunk : {1u, 2u, 3u, 5u, 7u, 64u}) {
    Rows joined;
    std::optional<std::vector<std::string>> header;
    for (std::uint64_t start = 0; start < text.size(); start += chunk) {
      const std::string_view data = std::string_view(text).substr(start == 0 ? 0 : start - 1);
      auto r =
          read_range(data, start, start + chunk - 1, true, {}, FileHeaderInfo::use, first.offset)
              .value();
      if (r.header) {
        EXPECT_FALSE(header.has_value()) << "two ranges took the header, chunk " << chunk;
        header = r.header;
      }
      joined.insert(joined.end(), r.records.begin(), r.records.end());
    }
    EXPECT_EQ(joined, (Rows{{"1", "a"}, {"2", "b"}})) << "chunk " << chunk;
    EXPECT_EQ(header, first.fields) << "chunk " << chunk;
  }
}

TEST(SelectCsv, CsvOutputQuotesWhenNeeded) {
  std::string out;
  const std::vector<std::string> row = {"plain", "a,b", "say \"hi\"", "two\nlines", ""};
  append_csv_record(out, row);
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n");
  // Round trip.
  EXPECT_EQ(all(out), (Rows{row}));
}

// A first field that starts with the bytes of a BOM is quoted: unquoted at the
// start of a file, a reader drops them as the BOM (found by fuzz_csv).
TEST(SelectCsv, CsvOutputQuotesAFirstFieldStartingWithAByteOrderMark) {
  std::string out;
  const std::vector<std::string> row = {"\xEF\xBB\xBFid", "\xEF\xBB\xBFx"};
  append_csv_record(out, row);
  EXPECT_EQ(out, "\"\xEF\xBB\xBFid\",\xEF\xBB\xBFx\n");
  EXPECT_EQ(all(out), (Rows{row}));
}

TEST(SelectCsv, JsonOutput) {
  std::string out;
  const std::vector<std::string> names = {"a", "b\"q"};
  const std::vector<std::string> values = {"1", "x\n\\\x01"};
  append_json_record(out, names, values);
  EXPECT_EQ(out, "{\"a\":\"1\",\"b\\\"q\":\"x\\n\\\\\\u0001\"}\n");
  out.clear();
  append_json_record(out, {}, values);
  EXPECT_EQ(out, "{\"_1\":\"1\",\"_2\":\"x\\n\\\\\\u0001\"}\n");
}

// U+2028, U+2029 and U+0085 are line breaks to Python's str.splitlines(): escaped, as in
// every --json line, a row read a line at a time stays whole (a review: it came apart).
TEST(SelectCsv, JsonOutputEscapesWhatSplitlinesBreaksAt) {
  std::string out;
  // (U+2027 and U+0086 beside them are no line breaks: kept as they are.)
  const std::vector<std::string> names = {"k\xE2\x80\xA8"};
  const std::vector<std::string> values = {
      "a\xE2\x80\xA9"
      "b\xC2\x85"
      "c\xE2\x80\xA7\xC2\x86"};
  append_json_record(out, names, values);
  EXPECT_EQ(out, "{\"k\\u2028\":\"a\\u2029b\\u0085c\xE2\x80\xA7\xC2\x86\"}\n");
}

TEST(SelectCsv, JsonOutputTypesValues) {
  std::string out;
  const std::vector<std::string> values = {"4", "-2.5e+20", "true", "", "inf", "007", "x", "5"};
  const std::vector<JsonType> types = {JsonType::number, JsonType::number, JsonType::boolean,
                                       JsonType::null,   JsonType::number, JsonType::number,
                                       JsonType::boolean};
  append_json_record(out, {}, values, types);
  // What is not JSON's number or boolean stays a string; past `types`, strings.
  EXPECT_EQ(out,
            "{\"_1\":4,\"_2\":-2.5e+20,\"_3\":true,\"_4\":null,\"_5\":\"inf\",\"_6\":\"007\","
            "\"_7\":\"x\",\"_8\":\"5\"}\n");
}

// JSON must be UTF-8: bytes that are not (a latin-1 CSV) become U+FFFD, one
// per refused byte, and the ASCII after them is kept; valid UTF-8 passes.
TEST(SelectCsv, JsonOutputIsAlwaysUtf8) {
  auto json = [](std::string value) {
    std::string out;
    const std::vector<std::string> names = {"c\xe9"};
    append_json_record(out, names, std::vector<std::string>{std::move(value)});
    return out;
  };
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(json("caf\xe9"), "{\"c" + fffd + "\":\"caf" + fffd + "\"}\n");
  EXPECT_EQ(json("\xe9t\xe9,\""), "{\"c" + fffd + "\":\"" + fffd + "t" + fffd + ",\\\"\"}\n");
  EXPECT_EQ(json("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x93\xa6"),
            "{\"c" + fffd + "\":\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x93\xa6\"}\n");
  EXPECT_EQ(json("\x80\xbf"), "{\"c" + fffd + "\":\"" + fffd + fffd + "\"}\n");  // stray trails
  EXPECT_EQ(json("\xc0\xaf"), "{\"c" + fffd + "\":\"" + fffd + fffd + "\"}\n");  // overlong '/'
  EXPECT_EQ(json("\xed\xa0\x80"), "{\"c" + fffd + "\":\"" + fffd + fffd + fffd + "\"}\n");
  EXPECT_EQ(json("x\xe6\x97"), "{\"c" + fffd + "\":\"x" + fffd + fffd + "\"}\n");  // cut short
}

// JSON that comes from elsewhere (S3 Select's) is cleaned the same way.
TEST(SelectCsv, ValidUtf8ReplacesWhatJsonOutputReplaces) {
  EXPECT_EQ(valid_utf8("{\"a\":\"caf\xe9\"}\n"), "{\"a\":\"caf\xEF\xBF\xBD\"}\n");
  EXPECT_EQ(valid_utf8(""), "");
  for (const std::string value :
       {"caf\xe9", "\xe9t\xe9,x", "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x93\xa6", "\x80\xbf",
        "\xc0\xaf", "\xed\xa0\x80", "x\xe6\x97", "\xf4\x90\x80\x80", "\xff"}) {
    std::string json;
    append_json_record(json, {}, std::vector<std::string>{value});
    EXPECT_EQ(json, "{\"_1\":\"" + valid_utf8(value) + "\"}\n") << value;
  }
}

// The first bytes each tool wrote for "id\n1\n" (gzip -c, bzip2 -c, xz -c,
// zstd -c, zip), and text that only looks like a start of one.
TEST(SelectCsv, CompressedObjectsAreToldByTheirSignature) {
  using namespace std::string_literals;
  EXPECT_EQ(compression_of("\x1f\x8b\x08\x08\xf5\x88\x13\x6b\x00\x03"s), "gzip");
  EXPECT_EQ(compression_of("BZh91AY&SY"), "bzip2");
  EXPECT_EQ(compression_of("\xfd\x37\x7a\x58\x5a\x00\x00\x04\xe6\xd6"s), "xz");
  EXPECT_EQ(compression_of("\x28\xb5\x2f\xfd\x24\x05\x29\x00\x00\x69"s), "zstd");
  EXPECT_EQ(compression_of("PK\x03\x04\x0a\x00"s), "zip");
  for (const std::string& text : {""s, "id,name\n"s, "\x1f"s, "BZh9,x\n1,2\n"s, "BZh"s, "PK,ok\n"s,
                                  "\xef\xbb\xbfid\n"s, "\xfd"s}) {
    EXPECT_EQ(compression_of(text), "") << text;
  }
}

// Random CSV text without newlines inside quoted fields (ScanRange cannot
// handle those), with quoted fields holding commas and quotes, CRLF and LF.
std::string random_csv(std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::string text;
  const int records = pick(12);
  const int cols = 1 + pick(4);
  for (int r = 0; r < records; ++r) {
    for (int c = 0; c < cols; ++c) {
      if (c) text.push_back(',');
      if (c == 0) {
        text += std::to_string(pick(2001) - 1000);  // numeric column for aggregates
        continue;
      }
      switch (pick(4)) {
        case 0:
          break;  // empty
        case 1:
          text +=
              std::string(static_cast<std::size_t>(1 + pick(5)), static_cast<char>('a' + pick(26)));
          break;
        case 2:
          text += "\"q,\"\"x\"\"," + std::to_string(pick(100)) + "\"";
          break;
        default:
          text += "\"" + std::string(static_cast<std::size_t>(pick(4)), ',') + "\"";
          break;
      }
    }
    const bool last = r == records - 1;
    if (!last || pick(2)) text += pick(2) ? "\r\n" : "\n";
  }
  return text;
}

// Splits `text` into ranges of `size` bytes; each range gets data from
// start-1 to the end of the text (the caller would fetch less).
Rows ranged(const std::string& text, std::size_t size, FileHeaderInfo header) {
  Rows out;
  for (std::size_t start = 0; start < text.size(); start += size) {
    const std::size_t end = std::min(start + size, text.size()) - 1;
    const std::size_t from = start == 0 ? 0 : start - 1;
    auto r = read_range(std::string_view(text).substr(from), start, end, true, {}, header);
    EXPECT_TRUE(r.has_value());
    if (!r) return out;
    out.insert(out.end(), r->records.begin(), r->records.end());
  }
  return out;
}

TEST(SelectCsv, PropertyRangesConcatenateToSinglePass) {
  std::mt19937 rng(20261125);
  for (int iter = 0; iter < 300; ++iter) {
    const std::string text = random_csv(rng);
    const Rows whole = all(text);
    Rows body = whole;
    if (!body.empty()) body.erase(body.begin());
    for (std::size_t size : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5},
                             std::size_t{7}, std::size_t{16}, std::size_t{64}, text.size() + 1}) {
      ASSERT_EQ(ranged(text, size, FileHeaderInfo::none), whole) << "size " << size << " text:\n"
                                                                 << text;
      ASSERT_EQ(ranged(text, size, FileHeaderInfo::ignore), body) << "size " << size << " text:\n"
                                                                  << text;
    }
    // Chunked feeding of a range with a 1-byte look-behind.
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}}) {
      const std::size_t start = text.size() / 3, end = 2 * text.size() / 3;
      Rows expect;
      if (start < text.size())
        expect =
            read_range(std::string_view(text).substr(start == 0 ? 0 : start - 1), start, end, true)
                .value()
                .records;
      Rows got;
      RangeReader rr(start, end);
      const RecordSink sink = [&](const CsvRecord& rec) {
        got.emplace_back(rec.fields.begin(), rec.fields.end());
        return true;
      };
      bool done = false;
      for (std::size_t i = start == 0 ? 0 : start - 1; i < text.size() && !done; i += chunk)
        done = rr.feed(std::string_view(text).substr(i, chunk), sink);
      if (!done) {
        ASSERT_TRUE(rr.finish(sink).has_value());
      }
      ASSERT_EQ(got, expect) << text;
    }
  }
}

}  // namespace
}  // namespace s3loop::jobs::select
