// The CSV reader and S3 ScanRange reading over arbitrary bytes and formats.
// Checked, besides "no crash":
// - feeding in pieces gives the records of one pass;
// - records written back with append_csv_record read back the same;
// - without quote characters in the data (where record starts are plain to
//   find, see RangeReader), the records of adjacent ranges of any size,
//   concatenated, are the records of one pass, header included.
#include "s3loop/jobs/select/csv.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

using namespace s3loop::jobs::select;

namespace {

using Records = std::vector<std::vector<std::string>>;

// Mostly sane formats, sometimes any two bytes (which must not crash either).
CsvFormat read_format(FuzzedDataProvider& in) {
  CsvFormat f;
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      break;
    case 1:
      f.field_delimiter = '\t';
      break;
    case 2:
      f.field_delimiter = '|';
      f.quote = '\'';
      f.comment = '\0';
      break;
    default:
      f.field_delimiter = in.ConsumeIntegral<char>();
      f.quote = in.ConsumeIntegral<char>();
      f.comment = in.ConsumeIntegral<char>();
  }
  return f;
}

// The formats CsvFormat promises round trips for: ASCII, no line breaks, a
// comment character other than the quote.
bool sane(const CsvFormat& f) {
  const auto plain = [](char c) {
    return c != '\n' && c != '\r' && static_cast<unsigned char>(c) < 0x80;
  };
  return f.field_delimiter != f.quote && plain(f.field_delimiter) && plain(f.quote) &&
         f.comment != f.quote && plain(f.comment);
}

Records read_in_pieces(std::string_view text, const CsvFormat& format,
                       const std::vector<std::size_t>& cuts) {
  Records out;
  CsvReader reader(format);
  const RecordSink sink = [&](const CsvRecord& r) {
    out.emplace_back(r.fields.begin(), r.fields.end());
    return true;
  };
  for (std::size_t cut : cuts) {
    const std::size_t n = std::min(cut, text.size());
    reader.feed(text.substr(0, n), sink);
    text.remove_prefix(n);
  }
  reader.feed(text, sink);
  if (!reader.finish(sink)) return {};
  return out;
}

void check_round_trip(const Records& records, const CsvFormat& format) {
  std::string text;
  for (const auto& r : records) append_csv_record(text, r, format);
  auto again = read_all(text, format);
  if (!again || *again != records) std::abort();
}

void check_ranges(std::string_view text, const CsvFormat& format, FileHeaderInfo header,
                  std::uint64_t chunk, const Records& one_pass) {
  Records joined;
  std::optional<std::vector<std::string>> got_header;
  // Where the header starts (after any blank lines), as select_plan finds it.
  std::optional<std::uint64_t> header_offset;
  if (auto first = read_first_record(std::string(text) + "\n", format)) {
    header_offset = first->offset;
  }
  for (std::uint64_t start = 0; start < text.size(); start += chunk) {
    const std::uint64_t end = start + chunk - 1;
    const std::string_view data = text.substr(start == 0 ? 0 : start - 1);
    auto r = read_range(data, start, end, true, format, header, header_offset);
    if (!r) std::abort();  // no quotes: nothing can be unterminated
    if (r->header) got_header = r->header;
    for (auto& rec : r->records) joined.push_back(std::move(rec));
  }
  Records expected = one_pass;
  std::optional<std::vector<std::string>> expected_header;
  if (header != FileHeaderInfo::none && !expected.empty()) {
    if (header == FileHeaderInfo::use) expected_header = expected.front();
    expected.erase(expected.begin());
  }
  if (joined != expected || got_header != expected_header) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const CsvFormat format = read_format(in);
  const auto header = static_cast<FileHeaderInfo>(in.ConsumeIntegralInRange<int>(0, 2));
  const auto chunk = in.ConsumeIntegralInRange<std::uint64_t>(1, 64);
  std::vector<std::size_t> cuts(in.ConsumeIntegralInRange<std::size_t>(0, 8));
  for (auto& c : cuts) c = in.ConsumeIntegralInRange<std::size_t>(0, 32);
  const std::string text = in.ConsumeRemainingBytesAsString();

  auto one_pass = read_all(text, format);
  (void)read_header(text, format);
  // Ranges of any bounds (even reversed or past the end) must not crash.
  (void)read_range(text, chunk, chunk + cuts.size(), cuts.size() % 2 == 0, format, header);
  if (!one_pass || !sane(format)) return 0;

  if (read_in_pieces(text, format, cuts) != *one_pass) std::abort();
  check_round_trip(*one_pass, format);
  if (text.find(format.quote) == std::string::npos) {
    check_ranges(text, format, header, chunk, *one_pass);
  }
  return 0;
}
