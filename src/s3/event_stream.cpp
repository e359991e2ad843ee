// AWS event-stream framing and S3 Select events. Boost.CRC and pugixml stay
// inside this file.
#include "s3loop/s3/event_stream.hpp"

#include <fmt/format.h>
#include <boost/crc.hpp>
#include <pugixml.hpp>

#include <algorithm>
#include <charconv>

namespace s3loop::s3 {
namespace {

constexpr std::size_t kPreludeSize = 12;    // total length, headers length, prelude CRC
constexpr std::size_t kFrameOverhead = 16;  // prelude + message CRC

std::uint32_t crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::uint64_t read_be(std::string_view bytes, std::size_t offset, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    v = (v << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return v;
}

void write_be(std::string& out, std::uint64_t v, std::size_t width) {
  for (std::size_t i = width; i-- > 0;) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

Error protocol_error(std::string message) {
  return make_error(ErrorKind::protocol, "event stream: " + std::move(message));
}

// Parses the headers section of one message (already CRC-checked).
Result<std::vector<std::pair<std::string, HeaderValue>>> parse_headers(std::string_view in) {
  std::vector<std::pair<std::string, HeaderValue>> headers;
  std::size_t pos = 0;
  auto need = [&](std::size_t n) { return in.size() - pos >= n; };
  while (pos < in.size()) {
    const std::size_t name_len = static_cast<unsigned char>(in[pos++]);
    if (name_len == 0) return protocol_error("header with an empty name");
    if (!need(name_len + 1)) return protocol_error("header name runs past the headers");
    std::string name(in.substr(pos, name_len));
    pos += name_len;
    const auto type = static_cast<unsigned char>(in[pos++]);
    HeaderValue value;
    std::size_t width = 0;  // fixed-size integer value width
    switch (type) {
      case 0:
      case 1:
        value.integer = type == 0 ? 1 : 0;
        break;
      case 2:
        width = 1;
        break;
      case 3:
        width = 2;
        break;
      case 4:
        width = 4;
        break;
      case 5:
      case 8:
        width = 8;
        break;
      case 6:
      case 7: {
        if (!need(2)) return protocol_error(fmt::format("header {} is truncated", name));
        const auto len = static_cast<std::size_t>(read_be(in, pos, 2));
        pos += 2;
        if (!need(len)) return protocol_error(fmt::format("header {} is truncated", name));
        value.bytes.assign(in.substr(pos, len));
        pos += len;
        break;
      }
      case 9:
        if (!need(16)) return protocol_error(fmt::format("header {} is truncated", name));
        value.bytes.assign(in.substr(pos, 16));
        pos += 16;
        break;
      default:
        return protocol_error(
            fmt::format("header {} has unknown type {}", name, static_cast<unsigned>(type)));
    }
    value.type = static_cast<HeaderType>(type);
    if (width != 0) {
      if (!need(width)) return protocol_error(fmt::format("header {} is truncated", name));
      const std::uint64_t raw = read_be(in, pos, width);
      pos += width;
      // Sign-extend from `width` bytes (two's complement on the wire).
      const unsigned shift = static_cast<unsigned>(64 - 8 * width);
      value.integer = static_cast<std::int64_t>(raw << shift) >> shift;
    }
    for (const auto& h : headers) {
      if (h.first == name) return protocol_error(fmt::format("duplicate header {}", name));
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
  return headers;
}

}  // namespace

const HeaderValue* EventMessage::find(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.first == name) return &h.second;
  }
  return nullptr;
}

std::string_view EventMessage::header(std::string_view name) const {
  const HeaderValue* v = find(name);
  if (v == nullptr || (v->type != HeaderType::string && v->type != HeaderType::byte_array)) {
    return {};
  }
  return v->bytes;
}

Result<std::vector<EventMessage>> EventStreamDecoder::feed(std::string_view bytes) {
  if (failed_) return error_;
  std::vector<EventMessage> out;
  auto fail = [&](Error e) -> Result<std::vector<EventMessage>> {
    failed_ = true;
    error_ = std::move(e);
    buffer_.clear();
    return error_;
  };
  while (!bytes.empty()) {
    // Take only what the message in progress needs, so `buffer_` never holds
    // more than one message.
    const std::size_t want =
        prelude_checked_ ? total_length_ - buffer_.size() : kPreludeSize - buffer_.size();
    const std::size_t take = std::min(want, bytes.size());
    buffer_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (take < want) break;

    if (!prelude_checked_) {
      const std::string_view prelude = buffer_;
      const auto prelude_crc = static_cast<std::uint32_t>(read_be(prelude, 8, 4));
      if (crc32(prelude.substr(0, 8)) != prelude_crc) {
        return fail(protocol_error("prelude CRC mismatch"));
      }
      const std::uint64_t total = read_be(prelude, 0, 4);
      const std::uint64_t headers = read_be(prelude, 4, 4);
      if (total < kFrameOverhead) {
        return fail(protocol_error(fmt::format("message length {} is below 16", total)));
      }
      if (total > max_message_size_) {
        return fail(protocol_error(
            fmt::format("message length {} exceeds the limit {}", total, max_message_size_)));
      }
      if (headers > total - kFrameOverhead) {
        return fail(protocol_error(
            fmt::format("headers length {} does not fit message length {}", headers, total)));
      }
      total_length_ = static_cast<std::size_t>(total);
      headers_length_ = static_cast<std::size_t>(headers);
      prelude_checked_ = true;
      buffer_.reserve(total_length_);
      continue;  // total >= 16 > 12: the rest is still to come
    }

    // A whole message is buffered.
    const std::string_view msg = buffer_;
    const auto message_crc = static_cast<std::uint32_t>(read_be(msg, total_length_ - 4, 4));
    if (crc32(msg.substr(0, total_length_ - 4)) != message_crc) {
      return fail(protocol_error("message CRC mismatch"));
    }
    auto headers = parse_headers(msg.substr(kPreludeSize, headers_length_));
    if (!headers) return fail(headers.error());
    EventMessage m;
    m.headers = std::move(*headers);
    m.payload.assign(msg.substr(kPreludeSize + headers_length_,
                                total_length_ - headers_length_ - kFrameOverhead));
    out.push_back(std::move(m));
    buffer_.clear();
    prelude_checked_ = false;
    total_length_ = headers_length_ = 0;
  }
  return out;
}

std::string encode_event_message(
    const std::vector<std::pair<std::string, std::string>>& string_headers,
    std::string_view payload) {
  std::string headers;
  for (const auto& [name, value] : string_headers) {
    headers.push_back(static_cast<char>(name.size() & 0xFF));
    headers += name;
    headers.push_back(static_cast<char>(HeaderType::string));
    write_be(headers, value.size(), 2);
    headers += value;
  }
  std::string out;
  const std::size_t total = kFrameOverhead + headers.size() + payload.size();
  out.reserve(total);
  write_be(out, total, 4);
  write_be(out, headers.size(), 4);
  write_be(out, crc32(out), 4);
  out += headers;
  out += payload;
  write_be(out, crc32(out), 4);
  return out;
}

SelectEvent classify(EventMessage message) {
  SelectEvent ev;
  const std::string_view message_type = message.header(":message-type");
  if (message_type == "error") {
    ev.kind = SelectEventKind::error;
    ev.error_code = message.header(":error-code");
    ev.error_message = message.header(":error-message");
    ev.payload = std::move(message.payload);
    return ev;
  }
  if (message_type != "event") return ev;  // exceptions and the like: unknown
  const std::string_view event_type = message.header(":event-type");
  if (event_type == "Records") {
    ev.kind = SelectEventKind::records;
  } else if (event_type == "Stats") {
    ev.kind = SelectEventKind::stats;
  } else if (event_type == "Progress") {
    ev.kind = SelectEventKind::progress;
  } else if (event_type == "Cont") {
    ev.kind = SelectEventKind::cont;
  } else if (event_type == "End") {
    ev.kind = SelectEventKind::end;
  }
  ev.payload = std::move(message.payload);
  return ev;
}

Result<SelectStats> parse_select_stats(std::string_view xml) {
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return make_error(ErrorKind::protocol,
                      fmt::format("S3 Select stats: malformed XML ({})", parsed.description()));
  }
  const pugi::xml_node root = doc.document_element();
  const std::string_view root_name = root.name();
  if (root_name != "Stats" && root_name != "Progress") {
    return make_error(ErrorKind::protocol,
                      fmt::format("S3 Select stats: unexpected root <{}>", root_name));
  }
  SelectStats stats;
  const std::pair<const char*, std::uint64_t*> fields[] = {
      {"BytesScanned", &stats.bytes_scanned},
      {"BytesProcessed", &stats.bytes_processed},
      {"BytesReturned", &stats.bytes_returned},
  };
  for (const auto& [name, dest] : fields) {
    const pugi::xml_node n = root.child(name);
    if (!n) continue;
    const std::string_view digits = n.child_value();
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *dest);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
      return make_error(ErrorKind::protocol,
                        fmt::format("S3 Select stats: bad <{}> value '{}'", name, digits));
    }
  }
  return stats;
}

Result<std::vector<SelectEvent>> SelectStreamDecoder::feed(std::string_view bytes) {
  auto messages = decoder_.feed(bytes);
  if (!messages) return messages.error();
  std::vector<SelectEvent> out;
  for (auto& m : *messages) {
    if (done_) return protocol_error("message after the End of an S3 Select stream");
    SelectEvent ev = classify(std::move(m));
    if (ev.kind == SelectEventKind::unknown) continue;
    if (ev.kind == SelectEventKind::end || ev.kind == SelectEventKind::error) done_ = true;
    out.push_back(std::move(ev));
  }
  return out;
}

Result<void> SelectStreamDecoder::finish(bool end_event_required) const {
  if (decoder_.failed()) return protocol_error("S3 Select stream was malformed");
  if (!decoder_.idle()) return protocol_error("S3 Select stream ends inside a message");
  if (!done_ && end_event_required)
    return protocol_error("S3 Select stream ends without an End event");
  return {};
}

}  // namespace s3loop::s3
