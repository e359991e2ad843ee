// One range of a local select, I/O-free: object bytes in, the range's result
// out (formatted rows, or aggregate partials). Private to jobs.
#pragma once

#include "s3loop/jobs/select/csv.hpp"
#include "s3loop/jobs/select/sql.hpp"
#include "s3loop/jobs/select_job.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace s3loop::jobs {

// Everything ranges share, fixed before the run: the query bound to the
// header, copied into each range (an Evaluator keeps per-record scratch).
struct SelectQuery {
  select::Evaluator query;
  std::optional<select::Evaluator> key_summary;  // COUNT(*), MIN(key), MAX(key)
  std::string key_column;                        // as the user named it
  select::CsvFormat format;
  select::FileHeaderInfo header = select::FileHeaderInfo::use;
  SelectOutput output = SelectOutput::csv;
  select::CsvFormat output_format;             // SelectOptions::output_format
  std::optional<std::uint64_t> header_offset;  // SelectPlan::header_offset
};

// Builds the shared query: `expression` bound to `header`, and for
// --per-range the key column's summary query.
Result<SelectQuery> make_select_query(const SelectOptions& options,
                                      const std::optional<std::vector<std::string>>& header);

// --per-range's min and max of the key column are SQL's MIN and MAX, which
// compare numbers (as S3 Select's MIN and MAX, which take INT and DECIMAL): a
// column of text fails the run at its first matching record, once ranges
// have been sent for. Checked on the records of the object's first bytes
// (read for the header; `whole_object` when they are all of it) as the run
// would check them (those matching WHERE, up to LIMIT): a usage error naming
// the column, the value and what to do. Other errors are left to the run.
Result<void> check_key_column(SelectQuery& query, const std::string& column,
                              std::string_view first_bytes, bool whole_object);

// --per-range's summary (COUNT(*), MIN(key), MAX(key)) after one row: the
// fields of its partials those aggregates use. A whole AggregateState is
// ~2 KB, most of it the exact float sums SUM and AVG need -- kept for every
// row, a range of 190,000 rows held 400 MB.
struct KeyPartialStep {
  std::uint64_t count = 0;
  std::int64_t int_minmax = 0;
  double float_minmax = 0;
  bool has_minmax = false;
  bool minmax_is_float = false;
};
using KeyStep = std::array<KeyPartialStep, 3>;

struct RangeOutcome {
  std::string output;                  // formatted rows, in order
  select::AggregateState partial;      // aggregate queries
  select::AggregateState key_partial;  // --per-range
  // --per-range over a record query with LIMIT: key_partial after each row
  // (LIMIT may print only the first rows of a range).
  std::vector<KeyStep> key_after_row;
  // Records that passed WHERE; for a record query, the rows in `output`.
  std::uint64_t matched = 0;
};

// How many bytes of a record query's `out.output` its first `rows` rows take
// (LIMIT printing part of a range): found by reading the rows' ends again,
// rather than keeping 8 bytes per row for the rare range LIMIT cuts.
std::size_t bytes_of_rows(const SelectQuery& query, const RangeOutcome& out, std::uint64_t rows);

// The summary after `rows` rows, from key_after_row.
select::AggregateState key_partial_after(const SelectQuery& query, const RangeOutcome& out,
                                         std::uint64_t rows);

// The S3 Select request every range sends (plus its ScanRange): the user's
// SQL for record queries; for aggregates the SQL of their partials.
s3::SelectRequest s3select_request(const SelectQuery& query, const std::string& expression);
// A SelectObjectContent request over CSV read with `header` and `format`,
// CSV out with `output_delimiter`: what the probe, the ranges and
// --server-dialect share.
s3::SelectRequest csv_select_request(std::string expression, select::FileHeaderInfo header,
                                     const select::CsvFormat& format, char output_delimiter);

// A range's S3 Select output (the Records payloads, concatenated) as the
// same outcome a local evaluation gives. `cut_short`: the stream ended in an
// error event, so a last row without its newline (or inside a quoted field)
// was cut off there and is left out, not counted or refused.
Result<RangeOutcome> s3select_outcome(const SelectQuery& query, std::string records,
                                      bool cut_short = false);

class RangeEvaluator {
 public:
  RangeEvaluator(const SelectQuery& query, s3::ByteRange range);

  // Object bytes from (range.first == 0 ? 0 : range.first - 1) onward, in
  // pieces of any size. Returns true once the range's last record is in
  // (or LIMIT rows were made): the caller can stop fetching.
  Result<bool> feed(std::string_view bytes);
  // The object ended: the last record may lack its newline.
  Result<void> finish();

  RangeOutcome take() { return std::move(outcome_); }
  // An LF was read inside a quoted field (select::RangeReader): the object
  // cannot be split into ranges.
  bool saw_quoted_newline() const { return reader_.saw_quoted_newline(); }
  // The query failed on a record (a CAST of text, SUM of a word): what take()
  // holds is the range's result up to that record.
  bool refused_a_record() const { return error_.has_value(); }

 private:
  bool on_record(const select::CsvRecord& record);

  select::RangeReader reader_;
  select::Evaluator query_;
  std::optional<select::Evaluator> key_summary_;
  std::string key_column_;
  select::CsvFormat output_format_;
  SelectOutput output_;
  RangeOutcome outcome_;
  std::vector<std::string> row_;
  std::vector<std::string> names_;  // JSON output names for the current width
  std::size_t names_width_ = 0;
  std::optional<Error> error_;
};

// Every GET of a select asks for the version the plan's HEAD saw (If-Match):
// an object overwritten since answers 412, rather than the run mixing two
// versions' records into one answer. This turns that 412 into the error
// that says so, and a NoSuchKey (deleted since the HEAD) into one saying
// that; other errors pass unchanged.
Error changed_during_select(Error error, const s3::S3Url& where, const std::string& etag);

}  // namespace s3loop::jobs
