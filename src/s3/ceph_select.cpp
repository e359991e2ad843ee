#include "s3loop/s3/ceph_select.hpp"

#include "s3loop/s3/csv_row_scanner.hpp"

namespace s3loop::s3 {

namespace {
constexpr std::string_view kOpen = "\n<Payload>\n<Records>\n<Payload>\n";
constexpr std::string_view kClose = "</Payload></Records></Payload>";
constexpr std::string_view kFailure = "failure -->";
constexpr std::string_view kFailureEnd = "<---";
// radosgw's SELECT * writes each result row into a buffer of 4 KiB; a longer
// one ends the reply with this line, bare where a row ends with its delimiter.
constexpr std::string_view kRowTooLong = "result line too long\n";
}  // namespace

std::optional<std::string_view> unwrap_ceph_records(std::string_view payload) {
  if (!payload.starts_with(kOpen) || !payload.ends_with(kClose)) return std::nullopt;
  payload.remove_prefix(kOpen.size());
  payload.remove_suffix(kClose.size());
  return payload;
}

Result<std::string> ceph_rows_as_aws(std::string_view rows, char delimiter, char quote) {
  std::string out;
  out.reserve(rows.size());
  std::size_t row_start = 0;
  CsvRowScanner scanner(delimiter, quote);
  for (const char c : rows) {
    const bool row_ends = scanner.ends_row(c);
    if (c == '\n' && scanner.in_quotes()) {
      return make_error(ErrorKind::data,
                        "the server's S3 Select ends a record at every line break, also inside "
                        "a quoted field (radosgw 16.2 does), so its rows of this object would be "
                        "wrong: run the query without --server-dialect (s3loop's own engine reads "
                        "such fields)");
    }
    if (row_ends) {
      if (out.size() == row_start) continue;  // the blank line before the wrapper's end
      if (out.back() == delimiter) {
        out.pop_back();
        // One empty column: a bare newline would read as no record at all.
        if (out.size() == row_start) out.append(2, quote);
      }
      out += c;
      row_start = out.size();
      continue;
    }
    out += c;
  }
  return out;
}

std::optional<std::string> ceph_select_failure(std::string_view rows) {
  // As a row of its own (read as a record, the rows after it missing, exit 0:
  // a review). A record with that text would end with a delimiter.
  if (rows.starts_with(kRowTooLong) ||
      rows.find("\n" + std::string(kRowTooLong)) != std::string_view::npos) {
    return std::string(
        "the server's S3 Select cannot write a result row longer than 4 KiB (radosgw says "
        "'result line too long' and stops): select fewer columns, or run the query without "
        "--server-dialect");
  }
  if (!rows.starts_with(kFailure)) return std::nullopt;
  rows.remove_prefix(kFailure.size());
  const auto end = rows.find(kFailureEnd);
  const std::string_view near = rows.substr(0, end);
  return "the server's S3 Select rejected the statement near '" + std::string(near) + "'";
}

}  // namespace s3loop::s3
