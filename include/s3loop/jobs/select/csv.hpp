// CSV (RFC 4180) record reading for S3 Select-style queries run locally:
// a streaming reader (bytes in, records out, chunks of any size), S3
// ScanRange semantics on top of it, header handling and output formatting.
// Pure: no I/O.
#pragma once

#include "s3loop/error.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace s3loop::jobs::select {

// Delimiter and quote are ASCII characters (the command refuses others):
// records are read byte by byte, and a byte of a UTF-8 sequence as either
// would cut characters apart -- 0xEF would even make a quoted first field
// start with the bytes of a byte order mark, which a reader drops. Other
// bytes do not crash anything, but records need not read back as written.
struct CsvFormat {
  char field_delimiter = ',';
  char quote = '"';
  // A line that starts with it is no record, quotes in it included: S3
  // Select's Comments, whose default is '#' ('\0': none, for output).
  char comment = '#';
};

// FileHeaderInfo: USE (first record names the columns), IGNORE (first record
// skipped), NONE (no header; columns are _1, _2, ...).
enum class FileHeaderInfo { use, ignore, none };

// One complete record. The views point into the reader's buffer and are only
// valid during the sink call (copy them to keep them).
struct CsvRecord {
  std::span<const std::string_view> fields;
  std::uint64_t offset = 0;  // stream offset of the record's first byte
};

// Return false to stop reading (e.g. LIMIT reached).
using RecordSink = std::function<bool(const CsvRecord&)>;

// Streaming RFC 4180 reader. Record delimiter is LF or CRLF (a lone CR is
// data). Inside quotes, delimiters, CR and LF are data and "" is a quote.
// Lenient like most readers: a quote inside an unquoted field is data, and
// bytes after a closing quote are appended to the field. Empty lines
// (zero bytes before the delimiter) produce no record, nor do comment lines
// (CsvFormat::comment first). A UTF-8 byte order
// mark (EF BB BF) at stream offset 0, where an object starts, is not data
// (editors and Excel write one, and it would otherwise stick to the first
// column's name); the first record still starts at offset 0.
class CsvReader {
 public:
  explicit CsvReader(CsvFormat format = {}, std::uint64_t base_offset = 0);

  // Stop once the next record would start after `offset` (inclusive bound):
  // feed() then returns true ("done") and ignores the rest.
  void stop_after(std::uint64_t offset) { stop_after_ = offset; }

  // Parses `bytes`; calls `sink` per complete record. Returns true when done
  // (sink returned false, or the stop_after bound was passed).
  bool feed(std::string_view bytes, const RecordSink& sink);

  // End of input: emits a last record without a trailing newline. Error
  // (protocol) if the input ended inside a quoted field.
  Result<void> finish(const RecordSink& sink);

  bool done() const { return done_; }
  std::uint64_t offset() const { return pos_; }  // stream offset of the next byte
  // A record delimiter (LF) was read inside a quoted field. Such a file
  // cannot be split into ranges (see RangeReader).
  bool saw_quoted_newline() const { return quoted_newline_; }

  // The UTF-8 byte-order mark, dropped at the start of an object.
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";

 private:
  enum class State : std::uint8_t { field_start, unquoted, quoted, after_quote, after_cr, comment };
  bool end_field_and_maybe_record(bool end_record, const RecordSink& sink);
  bool next_record(bool keep_going);
  bool emit(const RecordSink& sink);
  bool feed_data(std::string_view bytes, const RecordSink& sink);  // feed(), BOM handled
  enum class Fast : std::uint8_t { no, emitted, done };
  Fast fast_record(std::string_view rest, std::uint64_t offset, std::size_t& used,
                   const RecordSink& sink);

  CsvFormat format_;
  std::array<bool, 256> special_{};  // bytes that end an unquoted run
  State state_ = State::field_start;
  State cr_return_ = State::unquoted;  // where a lone CR returns to
  std::uint64_t pos_ = 0;
  std::uint64_t record_start_ = 0;
  std::optional<std::uint64_t> stop_after_;
  bool done_ = false;
  bool quoted_in_record_ = false;
  bool quoted_newline_ = false;
  bool bom_open_;                    // at offset 0, a BOM may still be read
  std::size_t bom_matched_ = 0;      // bytes of it read (held back) so far
  std::string buf_;                  // current record's field bytes, concatenated
  std::vector<std::uint32_t> ends_;  // end offset in buf_ of each finished field
  std::vector<std::string_view> views_;
};

// Reads all records of `text` in one pass (convenience; copies fields).
Result<std::vector<std::vector<std::string>>> read_all(std::string_view text,
                                                       CsvFormat format = {});

// S3 ScanRange: the records of byte range [start, end] (inclusive) of the
// object are those whose first byte lies in the range; each is read to its end
// even past `end`. A range starting mid-record skips to the next record start.
//
// A record starts at offset 0 and after every LF. To see whether `start`
// itself is a record start, RangeReader needs one byte of look-behind: feed it
// the object's bytes from `start - 1` (from 0 when start == 0).
//
// Limitation (AWS documents the same one): the record start is found by
// looking for the first LF from the range start, without knowing whether that
// LF is inside a quoted field. If quoted fields contain record delimiters and
// a range starts inside such a field, records are split wrongly. Without
// newlines inside quotes, concatenating the records of adjacent ranges gives
// exactly the records of a single pass.
//
// saw_quoted_newline() tells whether the range read an LF inside a quoted
// field. The first such field of an object is always read by a reader in
// sync (range 0 starts in sync, and the range whose record holds that field
// reads it whole), so a job that splits the object and finds no range that
// saw one is right; if one did, the split results cannot be trusted.
//
// Header: when `header` is USE or IGNORE, the object's first record is not
// emitted; it is kept in header() (for USE). Blank lines before it are not
// records, so it may start past the first range: `header_offset` (from
// read_first_record) says where, and whichever range holds that offset skips
// it. Without it, the first record of the range starting at 0 is taken. Other
// ranges get column names from read_first_record() on the object's first bytes.
class RangeReader {
 public:
  RangeReader(std::uint64_t start, std::uint64_t end, CsvFormat format = {},
              FileHeaderInfo header = FileHeaderInfo::none,
              std::optional<std::uint64_t> header_offset = std::nullopt);

  // Returns true when all records of the range have been emitted (or the sink
  // returned false): the caller can stop fetching.
  bool feed(std::string_view bytes, const RecordSink& sink);
  // The object ended: emits a last record without trailing newline.
  Result<void> finish(const RecordSink& sink);
  bool done() const { return done_ || reader_.done(); }

  const std::optional<std::vector<std::string>>& header() const { return header_; }
  bool saw_quoted_newline() const { return reader_.saw_quoted_newline(); }

 private:
  bool start_reader(std::uint64_t record_start);
  RecordSink wrap(const RecordSink& sink);
  bool done_ = false;
  std::uint64_t end_;
  CsvFormat reader_format_;
  FileHeaderInfo header_info_;
  bool synced_;            // positioned at the first record start of the range
  std::uint64_t fed_ = 0;  // absolute offset of the next byte fed
  CsvReader reader_;
  std::optional<std::vector<std::string>> header_;
  std::optional<std::uint64_t> header_offset_;
  bool header_pending_;
};

// Pure wrapper: `data` = object bytes from (start == 0 ? 0 : start - 1)
// onward; `at_eof` = data reaches the end of the object. Error (protocol) if
// the data ends before the range's last record is complete and !at_eof (the
// caller fetches more and retries).
struct RangeRecords {
  std::optional<std::vector<std::string>> header;
  std::vector<std::vector<std::string>> records;
};
Result<RangeRecords> read_range(std::string_view data, std::uint64_t start, std::uint64_t end,
                                bool at_eof, CsvFormat format = {},
                                FileHeaderInfo header = FileHeaderInfo::none,
                                std::optional<std::uint64_t> header_offset = std::nullopt);

// The object's first record (blank lines before it are not records) and the
// offset it starts at, if `prefix` (the object's first bytes) holds it whole.
struct FirstRecord {
  std::vector<std::string> fields;
  std::uint64_t offset = 0;
};
std::optional<FirstRecord> read_first_record(std::string_view prefix, CsvFormat format = {});
// Just its fields: the header's column names.
std::optional<std::vector<std::string>> read_header(std::string_view prefix, CsvFormat format = {});

// Output: one CSV record with record delimiter "\n". Fields are quoted only
// when needed (they contain the delimiter, the quote, CR or LF), like S3's
// QuoteFields ASNEEDED; quotes inside are doubled.
void append_csv_record(std::string& out, std::span<const std::string> fields,
                       CsvFormat format = {});
// What a value of a JSON output record is, as S3 Select types it: a CSV
// field is a string; COUNT, SUM, AVG, MIN, MAX and CAST AS INT/FLOAT/DECIMAL
// give numbers, a condition a boolean, a missing field null.
enum class JsonType : std::uint8_t { string, number, boolean, null };

// Output: one JSON line {"name":value,...}\n. values[i] is written as
// types[i] says (a string where types has no entry); a "number" that is not
// JSON's (inf, nan) is written as a string, so the line is always JSON.
void append_json_record(std::string& out, std::span<const std::string> names,
                        std::span<const std::string> values, std::span<const JsonType> types = {});
// `text` with every byte sequence that is not UTF-8 replaced by U+FFFD, as
// append_json_record replaces them: for JSON that comes from elsewhere (S3
// Select's JSON records), where such bytes can only lie inside strings, and
// U+FFFD (bytes >= 0x80 too) changes nothing else.
std::string valid_utf8(std::string_view text);

// The compression format whose magic bytes `first_bytes` (an object's start)
// begin with -- "gzip", "bzip2", "xz", "zstd", "zip" -- or "" for none. Only
// signatures no CSV text starts with: a compressed object read as CSV gives
// counts and rows that mean nothing.
std::string_view compression_of(std::string_view first_bytes);

}  // namespace s3loop::jobs::select
