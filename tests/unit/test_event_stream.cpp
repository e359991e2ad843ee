// AWS event-stream framing and S3 Select events.
#include "s3loop/s3/event_stream.hpp"

#include <gtest/gtest.h>
#include <boost/crc.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace s3loop::s3 {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

std::uint32_t ref_crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

void put_be32(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>((v >> 16) & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
  out.push_back(static_cast<char>(v & 0xFF));
}

// Frames raw header bytes and a payload with correct lengths and CRCs,
// independently of encode_event_message (so malformed headers can be built).
std::string frame(std::string_view raw_headers, std::string_view payload) {
  std::string out;
  put_be32(out, static_cast<std::uint32_t>(16 + raw_headers.size() + payload.size()));
  put_be32(out, static_cast<std::uint32_t>(raw_headers.size()));
  put_be32(out, ref_crc32(out));
  out += raw_headers;
  out += payload;
  put_be32(out, ref_crc32(out));
  return out;
}

// A prelude with a correct CRC for arbitrary (possibly impossible) lengths.
std::string prelude(std::uint32_t total, std::uint32_t headers) {
  std::string out;
  put_be32(out, total);
  put_be32(out, headers);
  put_be32(out, ref_crc32(out));
  return out;
}

std::string event(std::string_view event_type, std::string_view payload,
                  std::string_view content_type = "") {
  std::vector<std::pair<std::string, std::string>> headers = {
      {":message-type", "event"}, {":event-type", std::string(event_type)}};
  if (!content_type.empty()) headers.emplace_back(":content-type", std::string(content_type));
  return encode_event_message(headers, payload);
}

std::string error_message(std::string_view code, std::string_view message) {
  return encode_event_message({{":message-type", "error"},
                               {":error-code", std::string(code)},
                               {":error-message", std::string(message)}},
                              "");
}

// Decodes `bytes` in one call; fails the test on error.
std::vector<EventMessage> decode_all(std::string_view bytes) {
  EventStreamDecoder d;
  auto r = d.feed(bytes);
  EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().message);
  EXPECT_TRUE(d.idle());
  return r.has_value() ? *r : std::vector<EventMessage>{};
}

bool same(const std::vector<EventMessage>& a, const std::vector<EventMessage>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].headers != b[i].headers || a[i].payload != b[i].payload) return false;
  }
  return true;
}

// A SelectObjectContent reply body (Records, Stats, End), copied from the
// aiobotocore test suite: aio-libs/aiobotocore, tests/test_eventstreams.py,
// TEST_STREAM_DATA (its three chunks concatenated). Decoded there by botocore
// as {'Records': {'Payload': b'{"hello":"world"}\n'}}, {'Stats': {'Details':
// {'BytesScanned': 19, 'BytesProcessed': 19, 'BytesReturned': 18}}}, {'End': {}}.
constexpr std::string_view kAiobotocoreSelectStream =
    "\x00\x00\x00w\x00\x00\x00U5\xd1"
    "F\xcd\x0d:message-type\x07\x00\x05"
    "event"
    "\x0b:event-type\x07\x00\x07Records\x0d:content-type\x07\x00\x18"
    "applicatio"
    "n/octet-stream{\x22hello\x22:\x22world\x22}\x0a"
    "F\x0e\x9a"
    "2\x00\x00\x00\xce"
    "\x00\x00\x00"
    "C\xdc\xd2\x99\xf9\x0d:message-type\x07\x00\x05"
    "event\x0b:ev"
    "ent-type\x07\x00\x05Stats\x0d:content-type\x07\x00\x08text/xml<Stats xmlns=\x22"
    "\x22><BytesScanned>19</BytesScanned><BytesProcessed>19</BytesProcessed><Byte"
    "sReturned>18</BytesReturned></Stats>\x92\xd0?\xa5\x00\x00\x00"
    "8\x00\x00\x00"
    "(\xc1\xc6\x84\xd4\x0d:message-type\x07\x00\x05"
    "event\x0b:event-type\x07\x00"
    "\x03"
    "End\xcf\x97\xd3\x92"sv;

// Vectors from botocore, boto/botocore tests/unit/test_eventstream.py (names
// as there).
constexpr std::string_view kEmptyMessage =
    "\x00\x00\x00\x10\x00\x00\x00\x00\x05\xc2H\xeb}\x98\xc8\xff"sv;
constexpr std::string_view kPayloadOneStrHeader =
    "\x00\x00\x00=\x00\x00\x00 \x07\xfd\x83\x96\x0c"
    "content-type\x07\x00\x10"
    "a"
    "pplication/json{'foo':'bar'}\x8d\x9c\x08\xb1"sv;
constexpr std::string_view kAllHeadersTypes =
    "\x00\x00\x00"
    "b\x00\x00\x00R\x03\xb5\xcb\x9c\x01"
    "0\x00\x01"
    "1\x01\x01"
    "2"
    "\x02\x02\x01"
    "3\x03\x00\x03\x01"
    "4\x04\x00\x00\x00\x04\x01"
    "5\x05\x00\x00"
    "\x00\x00\x00\x00\x00\x05\x01"
    "6\x06\x00\x05"
    "bytes\x01"
    "7\x07\x00\x04utf8"
    "\x01"
    "8\x08\x00\x00\x00\x00\x00\x00\x00\x08\x01"
    "9\x09"
    "0123456789abcdefc"
    "56q"sv;
constexpr std::string_view kErrorEventMessage =
    "\x00\x00\x00R\x00\x00\x00"
    "B\xbf#c~\x0d:message-type\x07\x00\x05"
    "error\x0b"
    ":error-code\x07\x00\x04"
    "code\x0e:error-message\x07\x00\x07messagekl\xea="sv;
constexpr std::string_view kInt8Header =
    "\x00\x00\x00\x17\x00\x00\x00\x07)\x86\x01X\x04"
    "byte\x02\xff\xc2\xf8i\xdc"sv;
constexpr std::string_view kInt16Header =
    "\x00\x00\x00\x19\x00\x00\x00\x09q\x0e\x92>\x05short\x03\xff\xff\xb2|\xb6\xcc"sv;
constexpr std::string_view kInt32Header =
    "\x00\x00\x00\x1d\x00\x00\x00\x0d\x83\xe3\xf0\xe7\x07integer\x04\xff\xff\xff\xff"
    "\x8b\x8e\x12\xeb"sv;
constexpr std::string_view kInt64Header =
    "\x00\x00\x00\x1e\x00\x00\x00\x0e]J\xdb\x8d\x04long\x05\xff\xff\xff\xff\xff\xff"
    "\xff\xffK\xc2"
    "2\xda"sv;
constexpr std::string_view kCorruptedHeaderLength =
    "\x00\x00\x00=\xff\x00\x01\x02\x07\xfd\x83\x96\x0c"
    "content-type\x07\x00\x10"
    "application/json{'foo':'bar'}\x8d\x9c\x08\xb1"sv;
constexpr std::string_view kCorruptedHeaders =
    "\x00\x00\x00=\x00\x00\x00 \x07\xfd\x83\x96\x0c"
    "content+type\x07\x00\x10"
    "a"
    "pplication/json{'foo':'bar'}\x8d\x9c\x08\xb1"sv;
constexpr std::string_view kCorruptedLength =
    "\x01\x00\x00\x1d\x00\x00\x00\x00\xfdR\x8cZ{'foo':'bar'}\xc3"
    "e96"sv;
constexpr std::string_view kCorruptedPayload =
    "\x00\x00\x00\x1d\x00\x00\x00\x00\xfdR\x8cZ{'foo':'bar'\x8d\xc3"
    "e96"sv;
constexpr std::string_view kDuplicateHeader =
    "\x00\x00\x00$\x00\x00\x00\x14K\xb9\x82\xd0\x04test\x04"
    "asdf\x04test\x04"
    "a"
    "sdf\xf3\xf4uc"sv;

TEST(EventStream, CrcVariantIsGzip) {
  // The CRC-32 check value of gzip/zlib (IEEE 802.3, reflected).
  EXPECT_EQ(ref_crc32("123456789"), 0xCBF43926u);
  // botocore's EMPTY_MESSAGE: prelude CRC 0x05c248eb, message CRC 0x7d98c8ff.
  EXPECT_EQ(ref_crc32(kEmptyMessage.substr(0, 8)), 0x05c248ebu);
  EXPECT_EQ(ref_crc32(kEmptyMessage.substr(0, 12)), 0x7d98c8ffu);
}

TEST(EventStream, HandBuiltEndMessage) {
  // Built byte by byte from the spec: two string headers, no payload.
  std::string headers;
  headers += '\x0d';  // name length 13
  headers += ":message-type";
  headers += '\x07';  // string
  headers += "\x00\x05"sv;
  headers += "event";
  headers += '\x0b';  // name length 11
  headers += ":event-type";
  headers += '\x07';
  headers += "\x00\x03"sv;
  headers += "End";
  ASSERT_EQ(headers.size(), 40u);
  const std::uint32_t total = 16 + 40;

  std::string msg;
  msg += "\x00\x00\x00\x38"sv;  // 56
  msg += "\x00\x00\x00\x28"sv;  // 40
  put_be32(msg, ref_crc32(msg));
  msg += headers;
  put_be32(msg, ref_crc32(msg));
  ASSERT_EQ(msg.size(), total);

  EXPECT_EQ(encode_event_message({{":message-type", "event"}, {":event-type", "End"}}, ""), msg);
  // The End frame of the captured aiobotocore stream is byte-identical.
  EXPECT_EQ(kAiobotocoreSelectStream.substr(kAiobotocoreSelectStream.size() - 56), msg);

  const auto messages = decode_all(msg);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].header(":message-type"), "event");
  EXPECT_EQ(messages[0].header(":event-type"), "End");
  EXPECT_EQ(messages[0].payload, "");
  EXPECT_EQ(classify(messages[0]).kind, SelectEventKind::end);
}

TEST(EventStream, RoundTripSelectEvents) {
  struct Case {
    std::string bytes;
    SelectEventKind kind;
    std::string payload;
  };
  const std::vector<Case> cases = {
      {event("Records", "a,b\n1,2\n", "application/octet-stream"), SelectEventKind::records,
       "a,b\n1,2\n"},
      {event("Stats", "<Stats><BytesScanned>1</BytesScanned></Stats>", "text/xml"),
       SelectEventKind::stats, "<Stats><BytesScanned>1</BytesScanned></Stats>"},
      {event("Progress", "<Progress/>", "text/xml"), SelectEventKind::progress, "<Progress/>"},
      {event("Cont", ""), SelectEventKind::cont, ""},
      {event("End", ""), SelectEventKind::end, ""},
      {event("Records", std::string("\0\xff\n", 3)), SelectEventKind::records,
       std::string("\0\xff\n", 3)},
  };
  for (const auto& c : cases) {
    const auto messages = decode_all(c.bytes);
    ASSERT_EQ(messages.size(), 1u);
    const SelectEvent ev = classify(messages[0]);
    EXPECT_EQ(ev.kind, c.kind);
    EXPECT_EQ(ev.payload, c.payload);
    EXPECT_EQ(messages[0].header(":message-type"), "event");
  }

  const auto messages = decode_all(error_message("InternalError", "We encountered an error."));
  ASSERT_EQ(messages.size(), 1u);
  const SelectEvent ev = classify(messages[0]);
  EXPECT_EQ(ev.kind, SelectEventKind::error);
  EXPECT_EQ(ev.error_code, "InternalError");
  EXPECT_EQ(ev.error_message, "We encountered an error.");
}

TEST(EventStream, LargePayloadRoundTrip) {
  std::string payload(1 << 20, 'x');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  const auto messages = decode_all(event("Records", payload));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].payload, payload);
}

std::string multi_message_stream() {
  return event("Records", "id,name\n1,alice\n", "application/octet-stream") + event("Cont", "") +
         event("Progress",
               "<Progress><BytesScanned>10</BytesScanned><BytesProcessed>10</BytesProcessed>"
               "<BytesReturned>5</BytesReturned></Progress>",
               "text/xml") +
         encode_event_message({}, "") + event("Records", "2,bob\n") +
         event("Stats",
               "<Stats><BytesScanned>20</BytesScanned><BytesProcessed>20</BytesProcessed>"
               "<BytesReturned>11</BytesReturned></Stats>",
               "text/xml") +
         event("End", "");
}

TEST(EventStream, SplitAtEveryPosition) {
  for (const std::string& stream :
       {multi_message_stream(), std::string(kAiobotocoreSelectStream)}) {
    const auto whole = decode_all(stream);
    ASSERT_GE(whole.size(), 3u);
    for (std::size_t i = 0; i <= stream.size(); ++i) {
      EventStreamDecoder d;
      auto first = d.feed(std::string_view(stream).substr(0, i));
      ASSERT_TRUE(first.has_value()) << "split at " << i;
      auto second = d.feed(std::string_view(stream).substr(i));
      ASSERT_TRUE(second.has_value()) << "split at " << i;
      std::vector<EventMessage> got = *first;
      got.insert(got.end(), second->begin(), second->end());
      EXPECT_TRUE(same(got, whole)) << "split at " << i;
      EXPECT_TRUE(d.idle());
    }
  }
}

TEST(EventStream, OneByteAtATime) {
  const std::string stream = multi_message_stream();
  const auto whole = decode_all(stream);
  EventStreamDecoder d;
  std::vector<EventMessage> got;
  for (char c : stream) {
    auto r = d.feed(std::string_view(&c, 1));
    ASSERT_TRUE(r.has_value()) << r.error().message;
    got.insert(got.end(), r->begin(), r->end());
    // Idle exactly at message boundaries.
    EXPECT_EQ(d.idle(), r->size() == 1);
  }
  EXPECT_TRUE(same(got, whole));
  EXPECT_TRUE(d.feed("").has_value());
  EXPECT_TRUE(d.idle());
}

TEST(EventStream, EverySingleBitFlipIsAnError) {
  const std::string good = event("Records", "1,2,3\n", "application/octet-stream");
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EventStreamDecoder d;
      auto r = d.feed(bad);
      // Never silently accepted. (A length flipped upward may also leave the
      // decoder waiting for more, but the prelude CRC catches it first.)
      ASSERT_FALSE(r.has_value()) << "byte " << i << " bit " << bit;
      EXPECT_EQ(r.error().kind, ErrorKind::protocol);
      EXPECT_TRUE(d.failed());
    }
  }
}

TEST(EventStream, BadPreludeCrc) {
  std::string bad = event("End", "");
  bad[11] = static_cast<char>(bad[11] ^ 0x01);
  EventStreamDecoder d;
  // Reported as soon as the 12 prelude bytes are in.
  auto r = d.feed(std::string_view(bad).substr(0, 12));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::protocol);
  EXPECT_NE(r.error().message.find("prelude CRC"), std::string::npos) << r.error().message;
}

TEST(EventStream, BadMessageCrc) {
  std::string bad = event("Records", "data");
  bad.back() = static_cast<char>(bad.back() ^ 0x80);
  EventStreamDecoder d;
  auto r = d.feed(std::string_view(bad).substr(0, bad.size() - 1));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
  r = d.feed(std::string_view(bad).substr(bad.size() - 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("message CRC"), std::string::npos) << r.error().message;
}

TEST(EventStream, StaysFailed) {
  std::string bad = event("Records", "data");
  bad[20] = static_cast<char>(bad[20] ^ 0x10);
  EventStreamDecoder d;
  ASSERT_FALSE(d.feed(event("Cont", "") + bad).has_value());
  EXPECT_TRUE(d.failed());
  auto r = d.feed(event("End", ""));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::protocol);
}

TEST(EventStream, ImpossibleLengths) {
  struct Case {
    std::uint32_t total, headers;
  };
  for (const Case c : {Case{0, 0}, Case{15, 0}, Case{20, 5}, Case{16, 1}, Case{100, 0xFFFFFFFF},
                       Case{0xFFFFFFFF, 0}, Case{16 * 1024 * 1024 + 1, 0}}) {
    EventStreamDecoder d;
    // Rejected from the prelude alone: nothing of the claimed size is buffered.
    auto r = d.feed(prelude(c.total, c.headers));
    ASSERT_FALSE(r.has_value()) << c.total << "/" << c.headers;
    EXPECT_EQ(r.error().kind, ErrorKind::protocol);
  }
  // Exactly at the limit is fine (only the prelude is checked here).
  EventStreamDecoder at_limit;
  EXPECT_TRUE(at_limit.feed(prelude(16 * 1024 * 1024, 0)).has_value());
  EXPECT_FALSE(at_limit.idle());
  // A configurable limit.
  EventStreamDecoder small(64);
  EXPECT_TRUE(small.feed(event("End", "")).has_value());
  EXPECT_FALSE(small.feed(event("Records", std::string(100, 'r'))).has_value());
}

TEST(EventStream, TruncatedMessageIsNotEmitted) {
  const std::string msg = event("Records", "abc");
  EventStreamDecoder d;
  auto r = d.feed(std::string_view(msg).substr(0, msg.size() - 1));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
  EXPECT_FALSE(d.idle());
}

TEST(EventStream, BotocoreVectorsDecode) {
  auto one = [](std::string_view bytes) {
    auto m = decode_all(bytes);
    EXPECT_EQ(m.size(), 1u);
    return m.empty() ? EventMessage{} : m[0];
  };
  EXPECT_EQ(kEmptyMessage.size(), 16u);
  const EventMessage empty = one(kEmptyMessage);
  EXPECT_TRUE(empty.headers.empty());
  EXPECT_EQ(empty.payload, "");

  const EventMessage str = one(kPayloadOneStrHeader);
  EXPECT_EQ(str.header("content-type"), "application/json");
  EXPECT_EQ(str.payload, "{'foo':'bar'}");

  auto integer = [&](std::string_view bytes, std::string_view name, HeaderType type) {
    const EventMessage m = one(bytes);
    const HeaderValue* v = m.find(name);
    EXPECT_NE(v, nullptr) << name;
    if (v == nullptr) return;
    EXPECT_EQ(v->type, type) << name;
    EXPECT_EQ(v->integer, -1) << name;  // all 0xFF bytes, sign-extended
  };
  integer(kInt8Header, "byte", HeaderType::byte);
  integer(kInt16Header, "short", HeaderType::int16);
  integer(kInt32Header, "integer", HeaderType::int32);
  integer(kInt64Header, "long", HeaderType::int64);

  const SelectEvent err = classify(one(kErrorEventMessage));
  EXPECT_EQ(err.kind, SelectEventKind::error);
  EXPECT_EQ(err.error_code, "code");
  EXPECT_EQ(err.error_message, "message");

  // All of them back to back in one stream.
  const std::string all = std::string(kEmptyMessage) + std::string(kInt8Header) +
                          std::string(kInt16Header) + std::string(kInt32Header) +
                          std::string(kInt64Header) + std::string(kPayloadOneStrHeader) +
                          std::string(kAllHeadersTypes) + std::string(kErrorEventMessage);
  EXPECT_EQ(decode_all(all).size(), 8u);
}

TEST(EventStream, EveryHeaderType) {
  ASSERT_EQ(kAllHeadersTypes.size(), 0x62u);
  const auto messages = decode_all(kAllHeadersTypes);
  ASSERT_EQ(messages.size(), 1u);
  const auto& h = messages[0].headers;
  ASSERT_EQ(h.size(), 10u);
  const std::vector<std::pair<std::string, HeaderValue>> expected = {
      {"0", {HeaderType::bool_true, 1, ""}},
      {"1", {HeaderType::bool_false, 0, ""}},
      {"2", {HeaderType::byte, 2, ""}},
      {"3", {HeaderType::int16, 3, ""}},
      {"4", {HeaderType::int32, 4, ""}},
      {"5", {HeaderType::int64, 5, ""}},
      {"6", {HeaderType::byte_array, 0, "bytes"}},
      {"7", {HeaderType::string, 0, "utf8"}},
      {"8", {HeaderType::timestamp, 8, ""}},
      {"9", {HeaderType::uuid, 0, "0123456789abcdef"}},
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(h[i].first, expected[i].first);
    EXPECT_EQ(h[i].second, expected[i].second) << "header " << expected[i].first;
  }
  EXPECT_EQ(messages[0].header("7"), "utf8");
  EXPECT_EQ(messages[0].header("6"), "bytes");
  EXPECT_EQ(messages[0].header("5"), "");  // not a string
  EXPECT_EQ(messages[0].header("missing"), "");
  EXPECT_EQ(messages[0].find("missing"), nullptr);
}

TEST(EventStream, SignedIntegerHeaders) {
  const std::string raw =
      "\x01"
      "a\x02\x80"  // byte -128
      "\x01"
      "b\x03\x7f\xff"  // int16 32767
      "\x01"
      "c\x04\x80\x00\x00\x00"  // int32 min
      "\x01"
      "d\x08\x00\x00\x01\x8b\xcf\xe5\x68\x00"s;  // timestamp 1700000000000 ms
  const auto messages = decode_all(frame(raw, ""));
  ASSERT_EQ(messages.size(), 1u);
  ASSERT_EQ(messages[0].headers.size(), 4u);
  EXPECT_EQ(messages[0].find("a")->integer, -128);
  EXPECT_EQ(messages[0].find("b")->integer, 32767);
  EXPECT_EQ(messages[0].find("c")->integer, -2147483648LL);
  EXPECT_EQ(messages[0].find("d")->integer, 1700000000000LL);
}

TEST(EventStream, BotocoreNegativeVectors) {
  for (std::string_view bad : {kCorruptedHeaderLength, kCorruptedHeaders, kCorruptedLength,
                               kCorruptedPayload, kDuplicateHeader}) {
    EventStreamDecoder d;
    auto r = d.feed(bad);
    EXPECT_FALSE(r.has_value()) << "vector of " << bad.size() << " bytes accepted";
  }
}

TEST(EventStream, MalformedHeadersWithValidCrcs) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"unknown type", "\x01x\x0a"s},
      {"name past end", "\x05xy"s},
      {"empty name", "\x00\x07\x00\x00"s},
      {"missing type", "\x01x"s},
      {"string length past end", "\x01x\x07\x00\x09short"s},
      {"string length cut", "\x01x\x07\x00"s},
      {"int32 cut", "\x01x\x04\x00\x00"s},
      {"uuid cut",
       "\x01x\x09"
       "0123456789abcde"s},
      {"duplicate", "\x01x\x00\x01x\x01"s},
  };
  for (const auto& [what, raw] : cases) {
    EventStreamDecoder d;
    auto r = d.feed(frame(raw, "payload"));
    ASSERT_FALSE(r.has_value()) << what;
    EXPECT_EQ(r.error().kind, ErrorKind::protocol) << what;
  }
}

TEST(EventStream, UnknownEventTypesAreNotErrors) {
  EXPECT_EQ(classify(decode_all(event("Fancy", "x"))[0]).kind, SelectEventKind::unknown);
  EXPECT_EQ(classify(decode_all(encode_event_message({{":event-type", "Records"}}, "x"))[0]).kind,
            SelectEventKind::unknown);  // no :message-type
  EXPECT_EQ(classify(decode_all(encode_event_message(
                         {{":message-type", "exception"}, {":event-type", "Records"}}, "x"))[0])
                .kind,
            SelectEventKind::unknown);
  EXPECT_EQ(classify(decode_all(kEmptyMessage)[0]).kind, SelectEventKind::unknown);

  SelectStreamDecoder s;
  auto r = s.feed(event("Fancy", "x") + event("Records", "r") + event("End", ""));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].kind, SelectEventKind::records);
  EXPECT_EQ((*r)[1].kind, SelectEventKind::end);
  EXPECT_TRUE(s.finish().has_value());
}

TEST(EventStream, AiobotocoreSelectStream) {
  ASSERT_EQ(kAiobotocoreSelectStream.size(), 381u);
  SelectStreamDecoder s;
  auto r = s.feed(kAiobotocoreSelectStream);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].kind, SelectEventKind::records);
  EXPECT_EQ((*r)[0].payload, "{\"hello\":\"world\"}\n");
  EXPECT_EQ((*r)[1].kind, SelectEventKind::stats);
  EXPECT_EQ((*r)[2].kind, SelectEventKind::end);
  auto stats = parse_select_stats((*r)[1].payload);
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->bytes_scanned, 19u);
  EXPECT_EQ(stats->bytes_processed, 19u);
  EXPECT_EQ(stats->bytes_returned, 18u);
  EXPECT_TRUE(s.done());
  EXPECT_TRUE(s.finish().has_value());

  const auto messages = decode_all(kAiobotocoreSelectStream);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].header(":content-type"), "application/octet-stream");
  EXPECT_EQ(messages[1].header(":content-type"), "text/xml");
}

TEST(EventStream, SelectStreamWithoutEndIsTruncated) {
  const std::string body = event("Records", "1\n") + event("Stats", "<Stats/>");
  SelectStreamDecoder s;
  ASSERT_TRUE(s.feed(body).has_value());
  EXPECT_FALSE(s.done());
  auto f = s.finish();
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().kind, ErrorKind::protocol);

  // Cut inside the End message: every frame seen so far was valid.
  const std::string end = event("End", "");
  SelectStreamDecoder cut;
  ASSERT_TRUE(cut.feed(body + end.substr(0, end.size() - 1)).has_value());
  EXPECT_FALSE(cut.finish().has_value());

  // radosgw sends no End: finish(false) takes the stream as whole where its
  // frames end -- but not one cut inside a message (its records lost).
  SelectStreamDecoder whole;
  ASSERT_TRUE(whole.feed(body).has_value());
  EXPECT_TRUE(whole.finish(/*end_event_required=*/false).has_value());
  SelectStreamDecoder torn;
  ASSERT_TRUE(torn.feed(body + event("Records", "2\n").substr(0, 7)).has_value());
  const auto torn_end = torn.finish(/*end_event_required=*/false);
  ASSERT_FALSE(torn_end.has_value());
  EXPECT_EQ(torn_end.error().kind, ErrorKind::protocol);

  // A message after End is a protocol error.
  SelectStreamDecoder after;
  EXPECT_FALSE(after.feed(end + event("Records", "late")).has_value());
}

TEST(EventStream, SelectStreamErrorEventEndsIt) {
  SelectStreamDecoder s;
  auto r = s.feed(event("Records", "1\n") + error_message("SlowDown", "Reduce your rate."));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].kind, SelectEventKind::error);
  EXPECT_EQ((*r)[1].error_code, "SlowDown");
  EXPECT_TRUE(s.done());
  EXPECT_TRUE(s.finish().has_value());
}

TEST(EventStream, SelectStatsXml) {
  auto progress = parse_select_stats(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Progress><BytesScanned>18446744073709551615"
      "</BytesScanned><BytesProcessed>2</BytesProcessed><BytesReturned>0</BytesReturned>"
      "</Progress>");
  ASSERT_TRUE(progress.has_value()) << progress.error().message;
  EXPECT_EQ(progress->bytes_scanned, 18446744073709551615u);
  EXPECT_EQ(progress->bytes_processed, 2u);
  EXPECT_EQ(progress->bytes_returned, 0u);

  auto partial = parse_select_stats("<Stats><BytesReturned>7</BytesReturned></Stats>");
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ(partial->bytes_scanned, 0u);
  EXPECT_EQ(partial->bytes_returned, 7u);

  EXPECT_FALSE(parse_select_stats("<Stats><BytesScanned>12").has_value());
  EXPECT_FALSE(parse_select_stats("<Other/>").has_value());
  EXPECT_FALSE(parse_select_stats("<Stats><BytesScanned>-1</BytesScanned></Stats>").has_value());
  EXPECT_FALSE(parse_select_stats("<Stats><BytesScanned>1x</BytesScanned></Stats>").has_value());
  EXPECT_FALSE(parse_select_stats("<Stats><BytesScanned></BytesScanned></Stats>").has_value());
  EXPECT_FALSE(parse_select_stats("").has_value());
}

}  // namespace
}  // namespace s3loop::s3
