#include "s3loop/jobs/select/csv.hpp"

#include "s3loop/utf8.hpp"

#include <cstring>

namespace s3loop::jobs::select {

CsvReader::CsvReader(CsvFormat format, std::uint64_t base_offset)
    : format_(format), pos_(base_offset), record_start_(base_offset), bom_open_(base_offset == 0) {
  special_[static_cast<unsigned char>(format.field_delimiter)] = true;
  special_['\n'] = true;
  special_['\r'] = true;
  buf_.reserve(256);
  ends_.reserve(16);
  views_.reserve(16);
}

bool CsvReader::emit(const RecordSink& sink) {
  views_.clear();
  std::uint32_t begin = 0;
  for (std::uint32_t e : ends_) {
    views_.emplace_back(buf_.data() + begin, e - begin);
    begin = e;
  }
  return sink(CsvRecord{views_, record_start_});
}

// Ends the current field; when `end_record`, also the record (pos_ must be the
// offset after the record delimiter). Returns true when reading is done.
bool CsvReader::end_field_and_maybe_record(bool end_record, const RecordSink& sink) {
  ends_.push_back(static_cast<std::uint32_t>(buf_.size()));
  state_ = State::field_start;
  if (!end_record) return false;
  const bool empty_line = ends_.size() == 1 && buf_.empty() && !quoted_in_record_;
  bool keep_going = true;
  if (!empty_line) keep_going = emit(sink);
  buf_.clear();
  ends_.clear();
  quoted_in_record_ = false;
  return next_record(keep_going);
}

// A record ended at pos_ (emitted or an empty line): the next one starts
// there. Done when the sink said stop or the next record lies past stop_after.
bool CsvReader::next_record(bool keep_going) {
  record_start_ = pos_;
  if (!keep_going || (stop_after_ && record_start_ > *stop_after_)) done_ = true;
  return done_;
}

// The common case, without copying: a whole record ahead in `rest` (which
// starts a record at stream offset `offset`), no quote in it, no CR but one
// before its LF. Its fields are views into `rest`. `used` = bytes up to and
// including the LF. Fast::no leaves everything to the byte-by-byte path.
CsvReader::Fast CsvReader::fast_record(std::string_view rest, std::uint64_t offset,
                                       std::size_t& used, const RecordSink& sink) {
  const void* lf = std::memchr(rest.data(), '\n', rest.size());
  if (lf == nullptr) return Fast::no;
  std::size_t len = static_cast<std::size_t>(static_cast<const char*>(lf) - rest.data());
  std::string_view line = rest.substr(0, len);
  if (format_.comment != '\0' && !line.empty() && line[0] == format_.comment) {
    used = len + 1;
    pos_ = offset + used;
    return next_record(true) ? Fast::done : Fast::emitted;
  }
  if (line.find(format_.quote) != std::string_view::npos) return Fast::no;
  const std::size_t cr = line.find('\r');
  if (cr != std::string_view::npos) {
    if (cr + 1 != len) return Fast::no;  // a lone CR is data: the slow path keeps it
    line.remove_suffix(1);
  }
  used = len + 1;
  pos_ = offset + used;
  bool keep_going = true;
  if (!line.empty()) {  // an empty line is no record
    views_.clear();
    for (;;) {
      const std::size_t d = line.find(format_.field_delimiter);
      views_.push_back(line.substr(0, d));
      if (d == std::string_view::npos) break;
      line.remove_prefix(d + 1);
    }
    // record_start_ is `offset`, except for the first record after a BOM:
    // that one starts at 0, with the BOM.
    keep_going = sink(CsvRecord{views_, record_start_});
  }
  return next_record(keep_going) ? Fast::done : Fast::emitted;
}

bool CsvReader::feed(std::string_view bytes, const RecordSink& sink) {
  if (done_) return true;
  if (bom_open_) {
    while (!bytes.empty() && bom_matched_ < kBom.size() && bytes[0] == kBom[bom_matched_]) {
      ++bom_matched_;
      bytes.remove_prefix(1);
    }
    if (bom_matched_ == kBom.size()) {
      bom_open_ = false;
      pos_ += kBom.size();
    } else if (bytes.empty()) {
      return false;  // may still be a BOM
    } else {
      // Not a BOM: the bytes held back are data.
      bom_open_ = false;
      if (bom_matched_ > 0 && feed_data(kBom.substr(0, bom_matched_), sink)) return true;
    }
  }
  return feed_data(bytes, sink);
}

bool CsvReader::feed_data(std::string_view bytes, const RecordSink& sink) {
  const char* p = bytes.data();
  const std::size_t n = bytes.size();
  const char d = format_.field_delimiter;
  const char q = format_.quote;
  const std::uint64_t base = pos_;
  std::size_t i = 0;
  while (i < n) {
    if (state_ == State::field_start && ends_.empty() && buf_.empty() && !quoted_in_record_) {
      std::size_t used = 0;
      const Fast fast = fast_record(bytes.substr(i), base + i, used, sink);
      if (fast == Fast::done) return true;
      if (fast == Fast::emitted) {
        i += used;
        continue;
      }
    }
    switch (state_) {
      case State::field_start:
        if (p[i] == format_.comment && format_.comment != '\0' && ends_.empty() && buf_.empty() &&
            !quoted_in_record_) {
          state_ = State::comment;
          ++i;
          break;
        }
        if (p[i] == q) {
          state_ = State::quoted;
          quoted_in_record_ = true;
          ++i;
          break;
        }
        state_ = State::unquoted;
        [[fallthrough]];
      case State::unquoted: {
        std::size_t j = i;
        while (j < n && !special_[static_cast<unsigned char>(p[j])]) ++j;
        buf_.append(p + i, j - i);
        if (j == n) {
          i = n;
          break;
        }
        const char c = p[j];
        i = j + 1;
        if (c == d) {
          end_field_and_maybe_record(false, sink);
        } else if (c == '\n') {
          pos_ = base + i;
          if (end_field_and_maybe_record(true, sink)) return true;
        } else {
          cr_return_ = State::unquoted;
          state_ = State::after_cr;
        }
        break;
      }
      case State::quoted: {
        const void* hit = std::memchr(p + i, q, n - i);
        const std::size_t j =
            hit == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(hit) - p);
        if (!quoted_newline_ && std::memchr(p + i, '\n', j - i) != nullptr) {
          quoted_newline_ = true;
        }
        buf_.append(p + i, j - i);
        if (hit == nullptr) {
          i = n;
          break;
        }
        i = j + 1;
        state_ = State::after_quote;
        break;
      }
      case State::after_quote: {
        const char c = p[i++];
        if (c == q) {
          buf_.push_back(q);
          state_ = State::quoted;
        } else if (c == d) {
          end_field_and_maybe_record(false, sink);
        } else if (c == '\n') {
          pos_ = base + i;
          if (end_field_and_maybe_record(true, sink)) return true;
        } else if (c == '\r') {
          cr_return_ = State::unquoted;
          state_ = State::after_cr;
        } else {
          buf_.push_back(c);  // lenient: "ab"c reads as abc
          state_ = State::unquoted;
        }
        break;
      }
      case State::comment: {
        const void* lf = std::memchr(p + i, '\n', n - i);
        if (lf == nullptr) {
          i = n;
          break;
        }
        i = static_cast<std::size_t>(static_cast<const char*>(lf) - p) + 1;
        pos_ = base + i;
        state_ = State::field_start;
        if (next_record(true)) return true;
        break;
      }
      case State::after_cr:
        if (p[i] == '\n') {
          ++i;
          pos_ = base + i;
          if (end_field_and_maybe_record(true, sink)) return true;
        } else {
          buf_.push_back('\r');  // a lone CR is data
          state_ = cr_return_;
        }
        break;
    }
  }
  pos_ = base + n;
  return false;
}

Result<void> CsvReader::finish(const RecordSink& sink) {
  if (done_) return {};
  if (bom_open_) {  // the input ended inside what could have been a BOM: it was data
    bom_open_ = false;
    if (feed_data(kBom.substr(0, bom_matched_), sink)) return {};
  }
  if (state_ == State::quoted) {
    return make_error(
        ErrorKind::protocol,
        "CSV: unterminated quoted field in the record at offset " + std::to_string(record_start_));
  }
  // A trailing lone CR at the end of the input ends the record like CRLF;
  // a last comment line without its newline is no record either.
  if (state_ == State::comment) {
    done_ = true;
    return {};
  }
  if (state_ == State::field_start && ends_.empty() && buf_.empty() && !quoted_in_record_) {
    done_ = true;
    return {};
  }
  end_field_and_maybe_record(true, sink);
  done_ = true;
  return {};
}

Result<std::vector<std::vector<std::string>>> read_all(std::string_view text, CsvFormat format) {
  std::vector<std::vector<std::string>> out;
  CsvReader reader(format);
  const RecordSink sink = [&](const CsvRecord& r) {
    out.emplace_back(r.fields.begin(), r.fields.end());
    return true;
  };
  reader.feed(text, sink);
  if (auto r = reader.finish(sink); !r) return r.error();
  return out;
}

RangeReader::RangeReader(std::uint64_t start, std::uint64_t end, CsvFormat format,
                         FileHeaderInfo header, std::optional<std::uint64_t> header_offset)
    : end_(end),
      reader_format_(format),
      header_info_(header),
      synced_(start == 0),
      fed_(start == 0 ? 0 : start - 1),
      reader_(format, start),
      header_offset_(header_offset),
      header_pending_(
          header != FileHeaderInfo::none &&
          (header_offset ? start <= *header_offset && *header_offset <= end : start == 0)) {
  if (synced_) start_reader(0);
  if (end < start) done_ = true;
}

bool RangeReader::start_reader(std::uint64_t record_start) {
  reader_ = CsvReader(reader_format_, record_start);
  reader_.stop_after(end_);
  synced_ = true;
  if (record_start > end_) done_ = true;
  return done_;
}

RecordSink RangeReader::wrap(const RecordSink& sink) {
  if (!header_pending_) return sink;
  return [this, &sink](const CsvRecord& r) {
    if (header_pending_ && (!header_offset_ || r.offset == *header_offset_)) {
      header_pending_ = false;
      if (header_info_ == FileHeaderInfo::use) header_.emplace(r.fields.begin(), r.fields.end());
      return true;
    }
    return sink(r);
  };
}

bool RangeReader::feed(std::string_view bytes, const RecordSink& sink) {
  if (done()) return true;
  if (!synced_) {
    const void* lf = std::memchr(bytes.data(), '\n', bytes.size());
    if (lf == nullptr) {
      fed_ += bytes.size();
      // A record of the range would start after an LF at or before end - 1:
      // with all of those bytes in and none an LF, the range owns no record
      // (it lies inside a line another range reads), however long the line.
      if (fed_ >= end_) done_ = true;
      return done_;
    }
    const std::size_t k = static_cast<std::size_t>(static_cast<const char*>(lf) - bytes.data()) + 1;
    fed_ += k;
    if (start_reader(fed_)) return true;
    bytes.remove_prefix(k);
  }
  fed_ += bytes.size();
  return reader_.feed(bytes, wrap(sink));
}

Result<void> RangeReader::finish(const RecordSink& sink) {
  if (done() || !synced_) {
    done_ = true;
    return {};
  }
  return reader_.finish(wrap(sink));
}

Result<RangeRecords> read_range(std::string_view data, std::uint64_t start, std::uint64_t end,
                                bool at_eof, CsvFormat format, FileHeaderInfo header,
                                std::optional<std::uint64_t> header_offset) {
  RangeRecords out;
  RangeReader reader(start, end, format, header, header_offset);
  const RecordSink sink = [&](const CsvRecord& r) {
    out.records.emplace_back(r.fields.begin(), r.fields.end());
    return true;
  };
  if (!reader.feed(data, sink)) {
    if (!at_eof) {
      return make_error(ErrorKind::protocol,
                        "CSV scan range: the data ends before the range's last record is complete");
    }
    if (auto r = reader.finish(sink); !r) return r.error();
  }
  out.header = reader.header();
  return out;
}

std::optional<FirstRecord> read_first_record(std::string_view prefix, CsvFormat format) {
  std::optional<FirstRecord> out;
  CsvReader reader(format);
  reader.feed(prefix, [&](const CsvRecord& r) {
    out.emplace(FirstRecord{{r.fields.begin(), r.fields.end()}, r.offset});
    return false;
  });
  return out;
}

std::optional<std::vector<std::string>> read_header(std::string_view prefix, CsvFormat format) {
  auto first = read_first_record(prefix, format);
  if (!first) return std::nullopt;
  return std::move(first->fields);
}

void append_csv_record(std::string& out, std::span<const std::string> fields, CsvFormat format) {
  const char q = format.quote;
  bool first = true;
  for (const std::string& f : fields) {
    // A record's first field that starts with a byte-order mark is quoted:
    // at the start of a file a reader takes those bytes for the BOM and
    // drops them (ours does; found by fuzz_csv's round trip).
    bool needs_quotes = first && f.starts_with(CsvReader::kBom);
    // A record of one empty field would be an empty line, which readers
    // (ours, S3 Select, Python's csv) skip: it is written as "" instead,
    // as Python's csv writer does.
    if (fields.size() == 1 && f.empty()) needs_quotes = true;
    // So is one a reader would take for a comment line (not in the output
    // formats, which have no comment character).
    const bool line_start = first && (!f.empty() || fields.size() > 1);
    if (line_start && format.comment != '\0' &&
        (f.empty() ? format.field_delimiter : f.front()) == format.comment) {
      needs_quotes = true;
    }
    if (!first) out.push_back(format.field_delimiter);
    first = false;
    for (char c : f) {
      if (c == format.field_delimiter || c == q || c == '\n' || c == '\r') {
        needs_quotes = true;
        break;
      }
    }
    if (!needs_quotes) {
      out += f;
      continue;
    }
    out.push_back(q);
    for (char c : f) {
      if (c == q) out.push_back(q);
      out.push_back(c);
    }
    out.push_back(q);
  }
  out.push_back('\n');
}

namespace {
// JSON text is UTF-8, but a CSV may hold any bytes (latin-1 'caf\xe9'): each
// sequence Boost.Locale's decoder refuses (stray or missing continuation
// bytes, overlong forms, surrogates, past U+10FFFF) becomes U+FFFD, one per
// refused byte, so that the output always parses. The decoder consumes the
// byte that proved a sequence wrong, so decoding resumes right after the
// lead byte: an ASCII byte there ('\xe9,' or '\xe9"') is kept.
void append_utf8_or_replacement(std::string& out, std::string_view s, std::size_t& i) {
  const auto c = utf8::decode_at(s, i);
  if (!c) {
    out += "\xEF\xBF\xBD";
    ++i;
    return;
  }
  out.append(s.substr(i, c->length));
  i += c->length;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Escaped, a row read a line at a time stays one line.
      const auto character = utf8::decode_at(s, i);
      if (character && utf8::breaks_json_lines(character->code_point)) {
        out += "\\u";
        for (int shift = 12; shift >= 0; shift -= 4) {
          out.push_back(hex[(character->code_point >> shift) & 0xf]);
        }
        i += character->length;
        continue;
      }
      append_utf8_or_replacement(out, s, i);
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}
}  // namespace

std::string_view compression_of(std::string_view first_bytes) {
  using namespace std::string_view_literals;
  // bzip2's "BZh" is text: with its block size digit and the first block's
  // magic (the digits of pi, 0x314159265359) it is not.
  const bool bzip2 = first_bytes.size() >= 10 && first_bytes.starts_with("BZh"sv) &&
                     first_bytes[3] >= '1' && first_bytes[3] <= '9' &&
                     first_bytes.substr(4, 6) == "1AY&SY"sv;
  if (bzip2) return "bzip2";
  static constexpr std::pair<std::string_view, std::string_view> kMagic[] = {
      {"\x1F\x8B"sv, "gzip"sv},
      {"\xFD"
       "7zXZ\x00"sv,
       "xz"sv},
      {"\x28\xB5\x2F\xFD"sv, "zstd"sv},
      {"PK\x03\x04"sv, "zip"sv},
  };
  for (const auto& [magic, name] : kMagic) {
    if (first_bytes.starts_with(magic)) return name;
  }
  return {};
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      out.push_back(text[i++]);
    } else {
      append_utf8_or_replacement(out, text, i);
    }
  }
  return out;
}

namespace {

// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.' && (++i, !digits())) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

}  // namespace

void append_json_record(std::string& out, std::span<const std::string> names,
                        std::span<const std::string> values, std::span<const JsonType> types) {
  out.push_back('{');
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out.push_back(',');
    append_json_string(out, i < names.size() ? names[i] : "_" + std::to_string(i + 1));
    out.push_back(':');
    const JsonType type = i < types.size() ? types[i] : JsonType::string;
    const std::string& value = values[i];
    if (type == JsonType::null) {
      out += "null";
    } else if ((type == JsonType::number && is_json_number(value)) ||
               (type == JsonType::boolean && (value == "true" || value == "false"))) {
      out += value;
    } else {
      append_json_string(out, value);
    }
  }
  out += "}\n";
}

}  // namespace s3loop::jobs::select
