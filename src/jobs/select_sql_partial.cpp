// An aggregate query split for running elsewhere: the SQL whose one output row
// holds every partial (AVG as SUM and COUNT), and that row read back into an
// AggregateState that merges like a local one.
#include "s3loop/jobs/select/sql.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace s3loop::jobs::select {

namespace {

// 'string' literals and "quoted" names alike: the quote inside is doubled, as
// the lexer reads it back.
std::string quote(std::string_view text, char q) {
  std::string out(1, q);
  for (char c : text) {
    out += c;
    if (c == q) out += q;
  }
  return out + q;
}

std::string_view compare_sql(CompareOp op) {
  switch (op) {
    case CompareOp::eq:
      return "=";
    case CompareOp::ne:
      return "<>";
    case CompareOp::lt:
      return "<";
    case CompareOp::le:
      return "<=";
    case CompareOp::gt:
      return ">";
    case CompareOp::ge:
      return ">=";
  }
  return "=";
}

// A FLOAT literal that reads back as a FLOAT: the shortest exact form, with
// ".0" added when that form looks like an integer (3.0 prints as "3", -0e3 as
// "-0"; the lexer would read either back as an INT).
std::string float_literal_sql(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string text(buf, end);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

}  // namespace

std::string to_sql(const Query& q, int index) {
  const Node& n = q.nodes.at(static_cast<std::size_t>(index));
  auto sub = [&](int child) { return to_sql(q, child); };
  switch (n.kind) {
    case NodeKind::column: {
      std::string name = n.quoted ? quote(n.text, '"') : n.text;
      return n.qualifier.empty() ? name : n.qualifier + "." + name;
    }
    case NodeKind::string_lit:
      return quote(n.text, '\'');
    case NodeKind::number_lit:
      return n.is_float ? float_literal_sql(n.float_value) : std::to_string(n.int_value);
    case NodeKind::null_lit:
      return "NULL";
    case NodeKind::bool_lit:
      return n.bool_value ? "TRUE" : "FALSE";
    case NodeKind::cast:
      return fmt::format("CAST({} AS {})", sub(n.a), cast_type_name(n.cast_to));
    case NodeKind::compare:
      return fmt::format("({} {} {})", sub(n.a), compare_sql(n.op), sub(n.b));
    case NodeKind::logic_and:
      return fmt::format("({} AND {})", sub(n.a), sub(n.b));
    case NodeKind::logic_or:
      return fmt::format("({} OR {})", sub(n.a), sub(n.b));
    case NodeKind::logic_not:
      return fmt::format("(NOT {})", sub(n.a));
    case NodeKind::like:
      return fmt::format("({} {}LIKE {}{})", sub(n.a), n.negated ? "NOT " : "", sub(n.b),
                         n.c >= 0 ? " ESCAPE " + sub(n.c) : "");
    case NodeKind::is_null:
      return fmt::format("({} IS {}NULL)", sub(n.a), n.negated ? "NOT " : "");
  }
  return "NULL";
}

std::string partial_aggregate_sql(const Query& q) {
  std::string items;
  auto add = [&](std::string item) {
    if (!items.empty()) items += ", ";
    items += item;
  };
  for (const SelectItem& it : q.items) {
    const std::string arg = it.expr >= 0 ? to_sql(q, it.expr) : "*";
    switch (it.agg) {
      case AggKind::count_star:
        add("COUNT(*)");
        break;
      case AggKind::count:
        add("COUNT(" + arg + ")");
        break;
      case AggKind::sum:
      case AggKind::avg:
        add("SUM(" + arg + ")");
        add("COUNT(" + arg + ")");
        break;
      case AggKind::min:
        add("MIN(" + arg + ")");
        break;
      case AggKind::max:
        add("MAX(" + arg + ")");
        break;
      case AggKind::none:
        break;
    }
  }
  std::string sql = "SELECT " + items + " FROM S3Object";
  if (!q.alias.empty()) sql += " " + q.alias;
  if (q.where >= 0) sql += " WHERE " + to_sql(q, q.where);
  return sql;
}

namespace {

struct Number {
  bool is_float = false;
  std::int64_t i = 0;
  double f = 0;
};

Result<Number> parse_number(std::string_view text) {
  Number n;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n.i);
  if (ec == std::errc() && p == end) return n;
  n.is_float = true;
  auto [q, ec2] = std::from_chars(text.data(), end, n.f);
  if (ec2 == std::errc() && q == end && !text.empty()) return n;
  return make_error(ErrorKind::protocol,
                    "S3 Select returned '" + std::string(text) + "' where a number was expected");
}

Result<std::uint64_t> parse_count(std::string_view text) {
  std::uint64_t count = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
    return make_error(ErrorKind::protocol,
                      "S3 Select returned '" + std::string(text) + "' where a count was expected");
  }
  return count;
}

}  // namespace

Result<AggregateState> parse_partial_row(const Query& q, std::span<const std::string> row) {
  AggregateState state;
  std::size_t at = 0;
  auto next = [&]() -> Result<std::string_view> {
    if (at >= row.size()) {
      return make_error(ErrorKind::protocol,
                        fmt::format("S3 Select returned {} values for {} partial aggregates",
                                    row.size(), at + 1));
    }
    return std::string_view(row[at++]);
  };
  for (const SelectItem& it : q.items) {
    AggPartial p;
    p.kind = it.agg;
    if (it.agg == AggKind::count_star || it.agg == AggKind::count) {
      auto text = next();
      if (!text) return text.error();
      auto count = parse_count(*text);
      if (!count) return count.error();
      p.count = *count;
    } else if (it.agg == AggKind::sum || it.agg == AggKind::avg) {
      auto sum = next();
      if (!sum) return sum.error();
      auto count_text = next();
      if (!count_text) return count_text.error();
      auto count = parse_count(*count_text);
      if (!count) return count.error();
      p.count = *count;
      if (p.count > 0) {
        auto value = parse_number(*sum);
        if (!value) return value.error();
        if (value->is_float) {
          p.any_float = true;
          p.float_sum.add(value->f);
        } else {
          p.int_sum = value->i;
        }
      }
    } else if (it.agg == AggKind::min || it.agg == AggKind::max) {
      auto text = next();
      if (!text) return text.error();
      if (!text->empty()) {  // NULL: no input rows
        auto value = parse_number(*text);
        if (!value) return value.error();
        p.count = 1;
        p.has_minmax = true;
        p.minmax_is_float = value->is_float;
        p.int_minmax = value->i;
        p.float_minmax = value->f;
      }
    }
    state.push_back(p);
  }
  if (at != row.size()) {
    return make_error(
        ErrorKind::protocol,
        fmt::format("S3 Select returned {} values for {} partial aggregates", row.size(), at));
  }
  return state;
}

}  // namespace s3loop::jobs::select
