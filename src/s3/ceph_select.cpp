#include "s3loop/s3/ceph_select.hpp"

namespace s3loop::s3 {

namespace {
constexpr std::string_view kOpen = "\n<Payload>\n<Records>\n<Payload>\n";
constexpr std::string_view kClose = "</Payload></Records></Payload>";
constexpr std::string_view kFailure = "failure -->";
constexpr std::string_view kFailureEnd = "<---";
}  // namespace

std::optional<std::string_view> unwrap_ceph_records(std::string_view payload) {
  if (!payload.starts_with(kOpen) || !payload.ends_with(kClose)) return std::nullopt;
  payload.remove_prefix(kOpen.size());
  payload.remove_suffix(kClose.size());
  return payload;
}

std::string ceph_rows_as_aws(std::string_view rows, char delimiter, char quote) {
  std::string out;
  out.reserve(rows.size());
  std::size_t row_start = 0;
  bool quoted = false;
  bool field_start = true;   // at a row's start or right after a delimiter
  bool just_closed = false;  // the last character closed a quoted field
  for (const char c : rows) {
    const bool closed_before = just_closed;
    just_closed = false;
    const bool was_field_start = field_start;
    field_start = false;
    if (c == quote && (quoted || was_field_start || closed_before)) {
      // A quote opens a field only at its start ("" inside one closes and
      // reopens it); in the middle of a bare field (5") it is data.
      quoted = !quoted;
      just_closed = !quoted;
    } else if (c == delimiter && !quoted) {
      field_start = true;
    } else if (c == '\n' && !quoted) {
      field_start = true;
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
  if (!rows.starts_with(kFailure)) return std::nullopt;
  rows.remove_prefix(kFailure.size());
  const auto end = rows.find(kFailureEnd);
  const std::string_view near = rows.substr(0, end);
  return "the server's S3 Select rejected the statement near '" + std::string(near) + "'";
}

}  // namespace s3loop::s3
