// Where the rows of S3 Select's CSV output end, a character at a time: a
// newline ends a row unless it lies inside a quoted field. A quote opens a
// field only at the field's start ("" inside one closes and reopens it); in
// the middle of a bare field (5") it is data. I/O-free; header-only, as it
// runs for every byte of a reply.
#pragma once

#include <optional>
#include <utility>

namespace s3loop::s3 {

class CsvRowScanner {
 public:
  // Without a quote character (JSON lines) every newline ends a row.
  CsvRowScanner(char delimiter, std::optional<char> quote) : delimiter_(delimiter), quote_(quote) {}

  // Whether `c`, the next character, ends a row.
  bool ends_row(char c) {
    const bool at_field_start = std::exchange(field_start_, false);
    const bool after_closing_quote = std::exchange(just_closed_, false);
    if (quote_ && c == *quote_ && (quoted_ || at_field_start || after_closing_quote)) {
      quoted_ = !quoted_;
      just_closed_ = !quoted_;
    } else if (!quoted_ && (c == delimiter_ || c == '\n')) {
      field_start_ = true;
      return c == '\n';
    }
    return false;
  }

  // The characters so far end inside a quoted field.
  bool in_quotes() const { return quoted_; }

 private:
  char delimiter_;
  std::optional<char> quote_;
  bool quoted_ = false;
  bool field_start_ = true;   // at a row's start or right after a delimiter
  bool just_closed_ = false;  // the last character closed a quoted field
};

}  // namespace s3loop::s3
