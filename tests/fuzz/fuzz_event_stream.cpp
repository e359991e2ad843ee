// The event-stream decoders against bytes split anywhere. The last input byte
// (FuzzedDataProvider takes integers from the end) picks how the rest is read:
//   even: raw stream bytes (prelude and CRC checks, lengths);
//   odd:  frames built here from (headers, payload) pieces of the input with
//         correct lengths and CRCs, so the header parser and the S3 Select
//         classification see arbitrary content behind valid framing.
// Invariant: feeding the stream in one call or in pieces gives the same
// messages and the same failure.
#include "s3loop/s3/event_stream.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <boost/crc.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

using namespace s3loop::s3;

namespace {

void put_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

std::uint32_t crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::string frame(std::string_view headers, std::string_view payload) {
  std::string out;
  put_be32(out, static_cast<std::uint32_t>(16 + headers.size() + payload.size()));
  put_be32(out, static_cast<std::uint32_t>(headers.size()));
  put_be32(out, crc32(out));
  out += headers;
  out += payload;
  put_be32(out, crc32(out));
  return out;
}

// The stream, and the sizes of the pieces to feed it in.
struct Input {
  std::string stream;
  std::vector<std::size_t> cuts;
};

Input read_input(FuzzedDataProvider& in) {
  Input input;
  const bool framed = in.ConsumeIntegral<std::uint8_t>() % 2 == 1;
  const auto pieces = in.ConsumeIntegralInRange<std::size_t>(0, 16);
  for (std::size_t i = 0; i < pieces; ++i)
    input.cuts.push_back(in.ConsumeIntegralInRange<std::size_t>(0, 64));
  if (framed) {
    while (in.remaining_bytes() > 0) {
      const std::string headers = in.ConsumeRandomLengthString(256);
      const std::string payload = in.ConsumeRandomLengthString(256);
      input.stream += frame(headers, payload);
    }
  } else {
    input.stream = in.ConsumeRemainingBytesAsString();
  }
  return input;
}

// Feeds `stream` cut after each size in `cuts` (then the rest); messages of
// every successful call, and whether any call failed.
template <class Decoder, class Message>
bool feed_in_pieces(Decoder& decoder, const Input& input, std::vector<Message>& out) {
  std::string_view rest = input.stream;
  std::size_t i = 0;
  while (true) {
    const std::size_t n =
        i < input.cuts.size() ? std::min(input.cuts[i++], rest.size()) : rest.size();
    auto r = decoder.feed(rest.substr(0, n));
    if (!r) return false;
    for (auto& m : *r) out.push_back(std::move(m));
    rest.remove_prefix(n);
    if (rest.empty()) return true;
  }
}

bool same(const EventMessage& a, const EventMessage& b) {
  return a.headers == b.headers && a.payload == b.payload;
}

bool same(const SelectEvent& a, const SelectEvent& b) {
  return a.kind == b.kind && a.payload == b.payload && a.error_code == b.error_code &&
         a.error_message == b.error_message;
}

template <class Message>
void check_same(const std::vector<Message>& a, const std::vector<Message>& b) {
  if (a.size() != b.size()) std::abort();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same(a[i], b[i])) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  const Input input = read_input(provider);
  const Input whole{input.stream, {}};

  {
    EventStreamDecoder at_once(64 * 1024);
    EventStreamDecoder pieces(64 * 1024);
    std::vector<EventMessage> a, b;
    const bool ok_a = feed_in_pieces(at_once, whole, a);
    const bool ok_b = feed_in_pieces(pieces, input, b);
    if (ok_a != ok_b || at_once.idle() != pieces.idle()) std::abort();
    // On failure the whole call's messages are dropped, the pieces' are not.
    if (ok_a) check_same(a, b);
    for (auto& m : a) {
      (void)m.header(":message-type");
      (void)m.find(":event-type");
      if (m.header(":event-type") == "Stats") (void)parse_select_stats(m.payload);
    }
  }
  {
    SelectStreamDecoder at_once, pieces;
    std::vector<SelectEvent> a, b;
    const bool ok_a = feed_in_pieces(at_once, whole, a);
    const bool ok_b = feed_in_pieces(pieces, input, b);
    // A message after End fails the call that delivers it, so piecewise
    // feeding may succeed further; but a clean whole stream is clean in pieces.
    if (ok_a) {
      if (!ok_b) std::abort();
      check_same(a, b);
      if (static_cast<bool>(at_once.finish()) != static_cast<bool>(pieces.finish())) std::abort();
    }
  }
  return 0;
}
