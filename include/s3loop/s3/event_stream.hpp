// AWS event-stream framing (application/vnd.amazon.eventstream), as used by
// S3 Select (SelectObjectContent) replies. Pure and I/O-free: bytes in,
// messages out, in pieces of any size; Boost.CRC inside.
//
// A message is: total length (u32 BE), headers length (u32 BE), CRC-32 of
// those 8 bytes, headers, payload, CRC-32 of everything before it. CRC-32 is
// the gzip/zlib one. Payload length = total - headers length - 16.
#pragma once

#include "s3loop/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s3loop::s3 {

// Header value types as numbered on the wire.
enum class HeaderType : std::uint8_t {
  bool_true = 0,
  bool_false = 1,
  byte = 2,
  int16 = 3,
  int32 = 4,
  int64 = 5,
  byte_array = 6,
  string = 7,
  timestamp = 8,  // int64 milliseconds since the epoch
  uuid = 9,       // 16 raw bytes
};

struct HeaderValue {
  HeaderType type = HeaderType::string;
  std::int64_t integer = 0;  // bool (1/0), byte, int16, int32, int64, timestamp (sign-extended)
  std::string bytes;         // byte_array, string, uuid

  bool operator==(const HeaderValue&) const = default;
};

struct EventMessage {
  std::vector<std::pair<std::string, HeaderValue>> headers;  // wire order, names unique
  std::string payload;

  // The header called `name`, or nullptr.
  const HeaderValue* find(std::string_view name) const;
  // The value of a string (or byte array) header; empty when absent or of another type.
  std::string_view header(std::string_view name) const;
};

// Largest message the decoder accepts (S3 Select sends far smaller ones).
inline constexpr std::size_t kMaxEventMessageSize = 16 * 1024 * 1024;

class EventStreamDecoder {
 public:
  explicit EventStreamDecoder(std::size_t max_message_size = kMaxEventMessageSize)
      : max_message_size_(max_message_size) {}

  // Feeds any number of bytes (frames may be split anywhere). Returns every
  // message these bytes complete, in order, or an Error (kind protocol) for a
  // bad prelude CRC (checked as soon as 12 bytes are in, before buffering the
  // rest), impossible lengths (total < 16, headers longer than the message,
  // total above max_message_size), a bad message CRC or malformed headers
  // (truncated value, unknown type, empty or duplicate name). Messages
  // completed before the bad one in the same call are dropped with it. After
  // an error the decoder stays failed and every later call returns that error.
  Result<std::vector<EventMessage>> feed(std::string_view bytes);

  // No partial message buffered (the stream may end here).
  bool idle() const { return buffer_.empty(); }
  bool failed() const { return failed_; }

 private:
  std::size_t max_message_size_;
  std::string buffer_;  // the bytes of the message in progress
  bool prelude_checked_ = false;
  std::size_t total_length_ = 0;
  std::size_t headers_length_ = 0;
  bool failed_ = false;
  Error error_;
};

// Builds one message with string headers (type 7), for tests and fuzzing.
std::string encode_event_message(
    const std::vector<std::pair<std::string, std::string>>& string_headers,
    std::string_view payload);

// ---- S3 Select on top of the framing -------------------------------------

enum class SelectEventKind { records, stats, progress, cont, end, error, unknown };

struct SelectEvent {
  SelectEventKind kind = SelectEventKind::unknown;
  std::string payload;        // records: the data; stats/progress: the XML
  std::string error_code;     // kind error: :error-code
  std::string error_message;  // kind error: :error-message
};

// :message-type error -> error; :message-type event with :event-type Records,
// Stats, Progress, Cont, End -> that kind; anything else (other event types,
// exceptions, missing headers) -> unknown, which callers should skip.
SelectEvent classify(EventMessage message);

// Payload of a Stats or Progress event.
struct SelectStats {
  std::uint64_t bytes_scanned = 0;
  std::uint64_t bytes_processed = 0;
  std::uint64_t bytes_returned = 0;
};

// <Stats> or <Progress> with <BytesScanned>, <BytesProcessed>, <BytesReturned>
// (a missing one is 0). Malformed XML, another root or a non-number is an
// Error of kind protocol.
Result<SelectStats> parse_select_stats(std::string_view xml);

// The whole SelectObjectContent body: frames, classifies, and tracks the End
// event. Error events are returned like the others (the caller turns them into
// an S3 error: it knows the operation); they end the stream.
class SelectStreamDecoder {
 public:
  // Events completed by `bytes`, unknown ones dropped. Bytes after End or an
  // error event are a protocol error.
  Result<std::vector<SelectEvent>> feed(std::string_view bytes);

  // Call when the connection reports the end of the body: an Error (kind
  // protocol) unless End or an error event was seen and no partial message is
  // buffered; a stream cut short is truncated even if each frame was valid.
  // A server known to end its stream without End (radosgw, see
  // ceph_select.hpp) is checked with end_event_required false.
  Result<void> finish(bool end_event_required = true) const;

  bool done() const { return done_; }

 private:
  EventStreamDecoder decoder_;
  bool done_ = false;  // End or an error event seen
};

}  // namespace s3loop::s3
