// The S3 Select SQL subset, parsed and evaluated over CSV records. Pure.
//
// Supported:
//   SELECT * | item [, item ...]          item: expr [[AS] alias] | aggregate
//   FROM S3Object[[*]] [[AS] alias]
//   [WHERE expr] [LIMIT n]
// Columns: name, alias.name, "Quoted Name" (case-sensitive), _N, alias._N.
//   Unquoted names match header names case-insensitively. Names need
//   FileHeaderInfo USE; _N always works.
// Expressions: = != <> < <= > >=, AND, OR, NOT, parentheses, IS [NOT] NULL,
//   [NOT] LIKE 'pat' [ESCAPE 'c'] (% any run, _ one character),
//   CAST(x AS INT|INTEGER|FLOAT|DECIMAL|STRING), 'string' literals ('' is a
//   quote), integer and decimal literals (optionally negative), NULL, TRUE,
//   FALSE (booleans: TRUE and FALSE are keywords, so a column of that name
//   is "true" quoted or alias.true).
// Aggregates: COUNT(*), COUNT(x), SUM, MIN, MAX, AVG (no mixing with
//   plain columns: there is no GROUP BY).
// Keywords are case-insensitive.
//
// Semantics (choices where S3's behaviour is not fully documented):
// - CSV values are strings. A missing column (record too short) is NULL.
// - Comparing two numbers is numeric and exact (an INT and a FLOAT by their
//   values, not the INT rounded to a double; a number beyond the 64-bit INT
//   range is a FLOAT); two strings compare bytewise. A string compared with a number (no CAST)
//   is converted implicitly when it parses as a number; when it does not, the
//   comparison is UNKNOWN (the row does not match) rather than an error.
// - Comparisons with NULL are UNKNOWN; WHERE keeps only TRUE rows.
// - CAST of a string that is not a number fails the query (usage error),
//   like S3 does for CAST('abc' AS INT). CAST to INT of '1.9' truncates to 1.
//   DECIMAL is evaluated as FLOAT (double).
// - SUM/MIN/MAX/AVG take numbers; a string argument is converted implicitly
//   and fails the query if it is not a number. NULLs are skipped. SUM stays
//   an integer while all inputs are integers. Over zero rows they are NULL
//   (empty output field); COUNT is 0.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/jobs/select/csv.hpp"
#include "s3loop/jobs/select/exact_sum.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace s3loop::jobs::select {

enum class NodeKind : std::uint8_t {
  column,      // name / index
  string_lit,  // text
  number_lit,  // int_value or float_value
  null_lit,
  bool_lit,  // bool_value
  cast,      // a = operand, cast_to
  compare,   // a op b
  logic_and,
  logic_or,
  logic_not,  // a
  like,       // a LIKE b [ESCAPE c], negated
  is_null,    // a IS [NOT] NULL, negated
};

enum class CompareOp : std::uint8_t { eq, ne, lt, le, gt, ge };
enum class CastType : std::uint8_t { int_, float_, string };
// The SQL name of a CAST target: INT, FLOAT or STRING.
std::string_view cast_type_name(CastType t);
enum class AggKind : std::uint8_t { none, count_star, count, sum, min, max, avg };

struct Node {
  NodeKind kind = NodeKind::null_lit;
  int a = -1, b = -1, c = -1;  // child node indices, -1 = none
  CompareOp op = CompareOp::eq;
  CastType cast_to = CastType::string;
  bool negated = false;
  bool is_float = false;    // number_lit
  bool bool_value = false;  // bool_lit
  std::int64_t int_value = 0;
  double float_value = 0;
  std::string text;       // string_lit; column name as written
  std::string qualifier;  // column: alias before the dot, "" if none
  bool quoted = false;    // column: "quoted" name (case-sensitive)
  int index = -1;         // column: resolved 0-based field index
};

struct SelectItem {
  AggKind agg = AggKind::none;
  int expr = -1;     // -1 for COUNT(*)
  std::string name;  // output name (alias, column name, or _N)
};

struct Query {
  std::vector<Node> nodes;
  bool select_star = false;
  std::vector<SelectItem> items;
  std::string alias;  // FROM S3Object alias, "" if none
  int where = -1;
  std::optional<std::uint64_t> limit;
  bool is_aggregate() const { return !items.empty() && items.front().agg != AggKind::none; }
};

// Syntax errors name the position and token; unsupported constructs say
// "unsupported SQL: <construct> (...)". ErrorKind::usage.
Result<Query> parse_sql(std::string_view sql);

// Parsing and evaluation recurse once per level of parentheses, CAST( and
// NOT: deeper nesting than this is a usage error.
inline constexpr int kMaxSqlNesting = 200;
// Each level takes ~2.5 KiB of stack (a query of 100 levels overflowed a
// 256 KiB stack, `ulimit -s 256`, and crashed): under a small stack limit
// fewer levels are allowed, 4 KiB each after 128 KiB kept for the rest.
inline constexpr long long kSqlStackPerNesting = 4 * 1024;
inline constexpr long long kSqlStackReserve = 128 * 1024;
// The levels allowed here: kMaxSqlNesting, or fewer under a small stack limit.
int sql_nesting_allowed();

// The typed value of an expression.
struct Value {
  enum class Type : std::uint8_t { null, string, int_, float_, boolean };
  Type type = Type::null;
  std::string_view str;  // string: points into the record, the query, or scratch
  std::int64_t i = 0;
  double f = 0;
  bool b = false;
};

// An integer SUM, exact: 64-bit inputs overflow 64 bits after two rows of
// large values, but 128 bits only after 2^64 rows. (__extension__: GCC's and
// Clang's 128-bit integer, not ISO C++.)
__extension__ using SumInt = __int128;

// Partial aggregate state of one select item; mergeable across ranges.
struct AggPartial {
  AggKind kind = AggKind::none;
  std::uint64_t count = 0;  // rows (COUNT(*)) or non-null inputs
  bool any_float = false;
  SumInt int_sum = 0;
  ExactSum float_sum;  // exact: the same whatever the ranges and their order
  bool has_minmax = false;
  bool minmax_is_float = false;
  std::int64_t int_minmax = 0;
  double float_minmax = 0;
};
using AggregateState = std::vector<AggPartial>;

AggregateState merge(const AggregateState& a, const AggregateState& b);
// The single output row of an aggregate query. A SUM or AVG whose true sum
// lies beyond FLOAT's range (about 1.8e308) fails it (ErrorKind::data).
Result<std::vector<std::string>> finish(const AggregateState& state);
// Its values' JSON types: numbers, and null where no row gave one ("").
std::vector<JsonType> finish_json_types(std::span<const std::string> row);

// A query bound to the column names of the input, ready to evaluate records.
class Evaluator {
 public:
  // `header` = column names (FileHeaderInfo USE), or nullopt (IGNORE/NONE:
  // then only _N columns can be used). Errors (usage): unknown column, names
  // used without a header.
  static Result<Evaluator> create(Query query,
                                  const std::optional<std::vector<std::string>>& header);

  bool is_aggregate() const { return query_.is_aggregate(); }
  const Query& query() const { return query_; }
  // LIMIT: the caller stops after this many output rows in total (ranges are
  // combined in order). For aggregates LIMIT 0 means no row.
  std::optional<std::uint64_t> limit() const { return query_.limit; }

  // Output column names: SELECT * gives the header names or _1.._N (N =
  // record width); otherwise alias, column name, or _N by position.
  std::vector<std::string> output_names(std::size_t record_width) const;

  // Projection: true and `row` filled when the record matches WHERE.
  Result<bool> project(std::span<const std::string_view> record, std::vector<std::string>& row);
  // The JSON types of the row project() filled last, one per value (none
  // after SELECT *: CSV fields, all strings).
  const std::vector<JsonType>& row_json_types() const { return row_json_types_; }
  // WHERE only.
  Result<bool> matches(std::span<const std::string_view> record);

  AggregateState new_state() const;
  // Aggregation: folds the record into `state` when it matches WHERE.
  Result<void> accumulate(std::span<const std::string_view> record, AggregateState& state);

  // Evaluates node `n` (exposed for tests).
  Result<Value> eval(int n, std::span<const std::string_view> record);

 private:
  Query query_;
  std::optional<std::vector<std::string>> header_;
  std::deque<std::string> scratch_;  // strings made by CAST(... AS STRING), per record
  std::vector<JsonType> row_json_types_;
  // Per select item: an earlier item with the same argument (MIN(x), MAX(x)),
  // whose value this record is reused, or -1; and those values.
  std::vector<int> same_argument_as_;
  std::vector<Value> item_values_;
};

// ---- Running a query elsewhere (S3 Select, one ScanRange at a time) -------

// Node `index` as SQL that parses back to the same tree (fully parenthesised).
std::string to_sql(const Query& q, int index);
// For an aggregate query: SQL whose single output row holds every partial
// (COUNT as is, SUM and AVG as SUM and COUNT, MIN and MAX as is), with the
// same FROM alias and WHERE and no LIMIT.
std::string partial_aggregate_sql(const Query& q);
// That row read back (empty fields are NULL) into a mergeable state. Error
// (protocol) for a row of the wrong width or a non-number.
Result<AggregateState> parse_partial_row(const Query& q, std::span<const std::string> row);

// `text` LIKE `pattern`: % matches any run, _ one byte, `escape` (if set)
// makes the next pattern byte literal.
bool like_match(std::string_view text, std::string_view pattern, std::optional<char> escape = {});
// The error for a pattern that ends with its escape character, which escapes
// nothing there (SQL refuses it; matched, a trailing '%' or '_' escape acted
// as a wildcard of its own and a trailing '!' as a literal); nullopt for a
// pattern without that fault.
std::optional<Error> like_pattern_error(std::string_view pattern, std::optional<char> escape);

// Bytes of the UTF-8 character at text[t] (1 for a byte that starts none):
// LIKE's '_' and the character an SQL syntax error names.
std::size_t character_length(std::string_view text, std::size_t t);

// Formats a number the way the output shows it (integers plainly, floats in
// the shortest form that reads back exactly).
std::string format_value(const Value& v);

}  // namespace s3loop::jobs::select
