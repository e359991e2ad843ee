#include "select_range.hpp"

#include "s3loop/s3/csv_row_scanner.hpp"
#include "s3loop/s3/errors.hpp"

#include <fmt/format.h>
#include <boost/algorithm/string/predicate.hpp>

#include <algorithm>

namespace s3loop::jobs {

namespace {

// The key column as SQL: _N stays positional, a name is quoted so that it
// matches the header exactly.
Result<std::string> key_column_sql(const std::string& column) {
  if (column.size() > 1 && column[0] == '_' &&
      column.find_first_not_of("0123456789", 1) == std::string::npos) {
    return column;
  }
  if (column.empty() || column.find('"') != std::string::npos) {
    return make_error(ErrorKind::usage,
                      "--key-column '" + column + "' is not a usable column name");
  }
  return "\"" + column + "\"";
}

// A key column value MIN and MAX cannot take: found in the first bytes, a
// usage error (exit 2); later in a range, the data's (exit 1). Either way it
// speaks of --key-column, not of a MIN the user never wrote.
Error key_value_refused(select::Evaluator& key, std::string_view column,
                        const select::CsvRecord& record, ErrorKind kind) {
  // items: COUNT(*), MIN(key), MAX(key)
  auto value = key.eval(key.query().items.at(1).expr, record.fields);
  const std::string text = !value ? "?"
                           : value->type == select::Value::Type::string
                               ? std::string(value->str)
                               : select::format_value(*value);
  const std::string what = text.empty() ? "is blank, not a number" : "is not a number";
  return make_error(kind, fmt::format("--key-column {}: '{}' (the record at byte {}) {}, and "
                                      "--per-range's min and max compare numbers, as SQL's MIN "
                                      "and MAX do: name a numeric column (the default is id)",
                                      column, text, record.offset, what));
}

}  // namespace

Result<SelectQuery> make_select_query(const SelectOptions& options,
                                      const std::optional<std::vector<std::string>>& header) {
  auto parsed = select::parse_sql(options.expression);
  if (!parsed) return parsed.error();
  auto query = select::Evaluator::create(std::move(*parsed), header);
  if (!query) return query.error();
  SelectQuery shared{std::move(*query), std::nullopt,   std::string(),         options.format,
                     options.header,    options.output, options.output_format, std::nullopt};
  if (options.key_column) {
    shared.key_column = *options.key_column;
    // A name matches the header as an unquoted SQL name does: exactly, or
    // else the first header name equal to it but for case ("ID" for "id";
    // "Age" for "AGE" in "Age,age", as SELECT AGE reads it).
    std::string name = *options.key_column;
    if (header && std::find(header->begin(), header->end(), name) == header->end()) {
      const auto alike = std::find_if(header->begin(), header->end(), [&](const std::string& f) {
        return boost::algorithm::iequals(f, name);
      });
      if (alike != header->end()) name = *alike;
    }
    auto column = key_column_sql(name);
    if (!column) return column.error();
    auto summary_sql = select::parse_sql("SELECT COUNT(*), MIN(" + *column + "), MAX(" + *column +
                                         ") FROM S3Object");
    if (!summary_sql) return summary_sql.error();
    auto summary = select::Evaluator::create(std::move(*summary_sql), header);
    if (!summary) {
      return make_error(ErrorKind::usage, "--key-column: " + summary.error().message);
    }
    shared.key_summary = std::move(*summary);
  }
  return shared;
}

Result<void> check_key_column(SelectQuery& query, const std::string& column,
                              std::string_view first_bytes, bool whole_object) {
  if (!query.key_summary || first_bytes.empty()) return {};
  select::Evaluator& key = *query.key_summary;
  select::AggregateState state = key.new_state();
  // A range of a record query stops after LIMIT matches; an aggregate's reads on.
  const auto limit = query.query.is_aggregate() ? std::nullopt : query.query.limit();
  std::uint64_t matched = 0;
  std::optional<Error> refused;
  select::RangeReader reader(0, first_bytes.size() - 1, query.format, query.header,
                             query.header_offset);
  const select::RecordSink sink = [&](const select::CsvRecord& record) {
    auto where = query.query.matches(record.fields);
    if (!where) return false;  // the run says so, as it does now
    if (!*where) return true;
    ++matched;
    if (key.accumulate(record.fields, state)) return !(limit && matched >= *limit);
    refused = key_value_refused(key, column, record, ErrorKind::usage);
    return false;
  };
  if (!reader.feed(first_bytes, sink) && !refused && whole_object) {
    (void)reader.finish(sink);  // an error there is the run's to report
  }
  if (refused) return *refused;
  return {};
}

RangeEvaluator::RangeEvaluator(const SelectQuery& query, s3::ByteRange range)
    : reader_(range.first, range.last, query.format, query.header, query.header_offset),
      query_(query.query),
      key_summary_(query.key_summary),
      key_column_(query.key_column),
      output_format_(query.output_format),
      output_(query.output) {
  if (query_.is_aggregate()) outcome_.partial = query_.new_state();
  if (key_summary_) outcome_.key_partial = key_summary_->new_state();
}

bool RangeEvaluator::on_record(const select::CsvRecord& record) {
  // A value the query cannot take (a CAST of text): which record, of a
  // gigabyte's (a review: the message named none).
  auto fail = [&](Error e) {
    e.message += fmt::format(" (the record at byte {})", record.offset);
    error_ = std::move(e);
    return false;
  };
  auto fold_key = [&] {
    auto r = key_summary_->accumulate(record.fields, outcome_.key_partial);
    if (!r) error_ = key_value_refused(*key_summary_, key_column_, record, r.error().kind);
    return r.has_value();
  };
  if (query_.is_aggregate()) {
    if (key_summary_) {
      auto matched = query_.matches(record.fields);
      if (!matched) return fail(matched.error());
      if (*matched) {
        ++outcome_.matched;
        if (!fold_key()) return false;
      }
    }
    if (auto r = query_.accumulate(record.fields, outcome_.partial); !r) return fail(r.error());
    return true;
  }
  auto matched = query_.project(record.fields, row_);
  if (!matched) return fail(matched.error());
  if (!*matched) return true;
  // A record query's key summary covers the rows it prints, and only those:
  // a record whose row fails (a CAST of text) is not one of them.
  if (key_summary_) {
    if (!fold_key()) return false;
    // LIMIT may print only the first rows of this range: the summary of
    // each prefix is kept for it (no more than LIMIT of them).
    if (query_.limit()) {
      KeyStep step;
      for (std::size_t i = 0; i < step.size(); ++i) {
        const select::AggPartial& p = outcome_.key_partial.at(i);
        step[i] = {p.count, p.int_minmax, p.float_minmax, p.has_minmax, p.minmax_is_float};
      }
      outcome_.key_after_row.push_back(step);
    }
  }
  if (output_ == SelectOutput::json) {
    if (names_.empty() || names_width_ != record.fields.size()) {
      names_ = query_.output_names(record.fields.size());
      names_width_ = record.fields.size();
    }
    select::append_json_record(outcome_.output, names_, row_, query_.row_json_types());
  } else {
    select::append_csv_record(outcome_.output, row_, output_format_);
  }
  ++outcome_.matched;
  // No range needs more rows than the whole query may print.
  return !(query_.limit() && outcome_.matched >= *query_.limit());
}

Result<bool> RangeEvaluator::feed(std::string_view bytes) {
  const bool done =
      reader_.feed(bytes, [this](const select::CsvRecord& r) { return on_record(r); });
  if (error_) return *error_;
  return done;
}

Result<void> RangeEvaluator::finish() {
  if (reader_.done()) return {};
  auto finished = reader_.finish([this](const select::CsvRecord& r) { return on_record(r); });
  if (error_) return *error_;
  return finished;
}

namespace {
std::string_view file_header_info_name(select::FileHeaderInfo info) {
  switch (info) {
    case select::FileHeaderInfo::use:
      return "USE";
    case select::FileHeaderInfo::ignore:
      return "IGNORE";
    case select::FileHeaderInfo::none:
      return "NONE";
  }
  return "USE";
}
}  // namespace

s3::SelectRequest csv_select_request(std::string expression, select::FileHeaderInfo header,
                                     const select::CsvFormat& format, char output_delimiter) {
  s3::SelectRequest request;
  request.expression = std::move(expression);
  request.file_header_info = std::string(file_header_info_name(header));
  request.field_delimiter = format.field_delimiter;
  request.quote = format.quote;
  request.comments = format.comment;
  request.output_field_delimiter = output_delimiter;
  return request;
}

s3::SelectRequest s3select_request(const SelectQuery& query, const std::string& expression) {
  s3::SelectRequest request = csv_select_request(
      query.query.is_aggregate() ? select::partial_aggregate_sql(query.query.query()) : expression,
      query.header, query.format, query.output_format.field_delimiter);
  // Partials are always read back as CSV.
  request.output_json = !query.query.is_aggregate() && query.output == SelectOutput::json;
  return request;
}

Result<RangeOutcome> s3select_outcome(const SelectQuery& query, std::string records,
                                      bool cut_short) {
  RangeOutcome out;
  // The server wrote its rows as asked (s3select_request): CSV in the output format.
  const select::CsvFormat format = query.output_format;
  if (query.query.is_aggregate()) {
    auto rows = select::read_all(records, format);
    if (!rows) return rows.error();
    // A partial of one field, NULL over a range with no matching row, is
    // the line "\n": one empty field, which a CSV reader skips as a blank
    // line (a lone MIN or MAX failed on such a range).
    if (rows->empty() && (records == "\n" || records == "\r\n")) rows->push_back({""});
    if (rows->size() != 1) {
      return make_error(ErrorKind::protocol, "S3 Select returned " + std::to_string(rows->size()) +
                                                 " rows for an aggregate query (expected 1)");
    }
    auto partial = select::parse_partial_row(query.query.query(), rows->front());
    if (!partial) return partial.error();
    out.partial = std::move(*partial);
    return out;
  }
  // Row boundaries, for LIMIT: every row ends with a newline, one inside a
  // quoted CSV field aside. (Not a CSV reader's records: it skips empty
  // lines, and "\n" is a row -- one empty field.)
  if (query.output == SelectOutput::json) {
    // The server's JSON is printed as it is, so it must be UTF-8 as the
    // local engine's is (a latin-1 object's bytes may come back raw).
    records = select::valid_utf8(records);
  }
  s3::CsvRowScanner scanner(format.field_delimiter, query.output == SelectOutput::json
                                                        ? std::nullopt
                                                        : std::optional(format.quote));
  std::size_t last_row_end = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (scanner.ends_row(records[i])) {
      ++out.matched;
      last_row_end = i + 1;
    }
  }
  if (cut_short) {
    records.resize(last_row_end);
  } else if (scanner.in_quotes()) {
    return make_error(ErrorKind::protocol, "S3 Select's CSV output ends inside a quoted field");
  } else if (!records.empty() && records.back() != '\n') {
    ++out.matched;  // a last row without its newline
  }
  out.output = std::move(records);
  return out;
}

std::size_t bytes_of_rows(const SelectQuery& query, const RangeOutcome& out, std::uint64_t rows) {
  if (rows >= out.matched) return out.output.size();
  if (rows == 0) return 0;
  // Rows end as they were written: the output format's line breaks outside
  // its quotes (JSON lines have no raw line break inside a record).
  s3::CsvRowScanner scanner(
      query.output_format.field_delimiter,
      query.output == SelectOutput::json ? std::nullopt : std::optional(query.output_format.quote));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < out.output.size(); ++i) {
    if (scanner.ends_row(out.output[i]) && ++seen == rows) return i + 1;
  }
  return out.output.size();
}

select::AggregateState key_partial_after(const SelectQuery& query, const RangeOutcome& out,
                                         std::uint64_t rows) {
  select::AggregateState state = query.key_summary->new_state();
  if (rows == 0) return state;
  const KeyStep& step = out.key_after_row.at(static_cast<std::size_t>(rows - 1));
  for (std::size_t i = 0; i < step.size(); ++i) {
    select::AggPartial& p = state.at(i);
    p.count = step[i].count;
    p.int_minmax = step[i].int_minmax;
    p.float_minmax = step[i].float_minmax;
    p.has_minmax = step[i].has_minmax;
    p.minmax_is_float = step[i].minmax_is_float;
  }
  return state;
}

Error changed_during_select(Error error, const s3::S3Url& where, const std::string& etag) {
  if (error.http_status == 404 && error.s3_code == "NoSuchKey") {
    // The HEAD found it: "does not exist" would read as a mistyped key.
    error.message = fmt::format(
        "object {} was deleted during the select: the version (ETag \"{}\") the select started "
        "reading is gone (NoSuchKey)",
        s3::s3_uri(where.bucket, where.key), etag);
  } else if (error.http_status == 412) {
    error.message = fmt::format(
        "object {} changed during the select: it is no longer the version (ETag \"{}\") the "
        "select started reading (PreconditionFailed); run the select again",
        s3::s3_uri(where.bucket, where.key), etag);
  } else {
    return error;
  }
  s3::append_request_id(error);
  error.retryable = false;
  return error;
}

}  // namespace s3loop::jobs
