#include "s3loop/jobs/select/sql.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include "s3loop/utf8.hpp"
#include "select_number.hpp"

namespace s3loop::jobs::select {
namespace {

using Type = Value::Type;

Error usage(std::string message) {
  return make_error(ErrorKind::usage, std::move(message));
}

// A value in the object that the query cannot take: the data said no (exit
// 1), not the command (as S3 Select's CastFailed is a failed request).
Error refused_value(std::string message) {
  return make_error(ErrorKind::data, std::move(message));
}

// A value from the object, quoted in an error line: a field can be
// megabytes long, and the line must stay one a terminal shows. Cut at a UTF-8
// character boundary, with the full length said.
std::string quoted_value(std::string_view value) {
  constexpr std::size_t kShown = 60;
  if (value.size() <= kShown) return "'" + std::string(value) + "'";
  std::size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(value.substr(0, cut)) + "...' (" + std::to_string(value.size()) +
         " bytes)";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A leading '+' is allowed, as in "+5" -- but not before another sign
// ("+-1" is no number).
std::string_view without_plus(std::string_view s) {
  if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
  return s;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = without_plus(trim(s));
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_float(std::string_view s) {
  const auto reading = read_double(without_plus(trim(s)));
  if (reading.kind != DoubleText::number) return std::nullopt;
  return reading.value;
}

// The integer part of a number written out in decimal -- digits with an
// optional point, fraction and exponent, a sign; spaces and '+' as
// parse_int takes them -- truncated toward zero and read exactly from its
// digits. nullopt when the text is not written so, and when the integer
// part does not fit INT (out_of_range then set).
std::optional<std::int64_t> integer_part(std::string_view s, bool& out_of_range) {
  out_of_range = false;
  s = without_plus(trim(s));
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  std::string digits;          // the mantissa's digits, leading zeros left out
  long long before_point = 0;  // how many of `digits` stand before the point
  bool point = false, any_digit = false;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    any_digit = true;
    if (c == '0' && digits.empty()) {
      if (point) --before_point;  // 0.05: the 5 stands one place further right
      continue;
    }
    digits += c;
    if (!point) ++before_point;
  }
  if (!any_digit) return std::nullopt;
  long long exponent = 0;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return std::nullopt;
    const bool exponent_negative = i + 1 < s.size() && s[i + 1] == '-';
    i += i + 1 < s.size() && (s[i + 1] == '-' || s[i + 1] == '+') ? 2 : 1;
    if (i == s.size()) return std::nullopt;
    // Bounded so that it cannot overflow, yet beyond any INT's 19 digits
    // whatever the mantissa's length moves the point by (before_point).
    const long long bound = 1'000'000 + static_cast<long long>(s.size());
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      exponent = std::min<long long>(exponent * 10 + (s[i] - '0'), bound);
    }
    if (exponent_negative) exponent = -exponent;
  }
  const long long whole_digits = before_point + exponent;
  if (digits.empty() || whole_digits <= 0) return 0;
  if (whole_digits > 19) {  // at least 10^19, beyond 2^63
    out_of_range = true;
    return std::nullopt;
  }
  std::string whole = digits.substr(0, std::min<std::size_t>(digits.size(), whole_digits));
  whole.append(static_cast<std::size_t>(whole_digits) - whole.size(), '0');
  std::uint64_t magnitude = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), magnitude);  // 19 digits fit
  constexpr std::uint64_t kTwoTo63 = std::uint64_t{1} << 63;
  if (magnitude > kTwoTo63 - (negative ? 0 : 1)) {
    out_of_range = true;
    return std::nullopt;
  }
  if (!negative) return static_cast<std::int64_t>(magnitude);
  return magnitude == kTwoTo63 ? std::numeric_limits<std::int64_t>::min()
                               : -static_cast<std::int64_t>(magnitude);
}

// A name that reads as a column position, "_" and digits: _0 and positions
// beyond an int's range are none, and no name either without a header.
bool looks_like_position(std::string_view name) {
  return name.size() > 1 && name.front() == '_' &&
         std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A number too large for a double ("1e400"): out of range, rather than no
// number at all.
bool beyond_double_range(std::string_view s) {
  return read_double(without_plus(trim(s))).kind == DoubleText::too_large;
}

Value boolean(bool b) {
  Value v;
  v.type = Type::boolean;
  v.b = b;
  return v;
}

// A string as a number (INT when it is one, else FLOAT), or null.
Value to_number(std::string_view s) {
  Value v;
  if (auto i = parse_int(s)) {
    v.type = Type::int_;
    v.i = *i;
  } else if (auto f = parse_float(s)) {
    v.type = Type::float_;
    v.f = *f;
  }
  return v;
}

double as_double(const Value& v) {
  return v.type == Type::int_ ? static_cast<double>(v.i) : v.f;
}

bool is_number(const Value& v) {
  return v.type == Type::int_ || v.type == Type::float_;
}

// -1/0/1 for any ordered type.
template <typename T>
int three_way(const T& x, const T& y) {
  return x < y ? -1 : (y < x ? 1 : 0);
}

// An INT and a FLOAT by their exact values: converting the INT to double
// rounds it beyond 2^53 (9007199254740993 would equal 9007199254740992.0, and
// 2^63 - 1 would equal 2^63), so rows matched or missed by rounding.
int compare_int_float(std::int64_t i, double d) {
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (std::isnan(d)) return 0;  // (no number here is NaN; as a double comparison would say)
  if (d >= kTwoTo63) return -1;
  if (d < -kTwoTo63) return 1;
  // d in [-2^63, 2^63): its integer part fits, and d minus it is exact.
  const double whole = std::trunc(d);
  const auto whole_int = static_cast<std::int64_t>(whole);
  if (i != whole_int) return i < whole_int ? -1 : 1;
  const double fraction = d - whole;
  return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0);
}

// Two numbers, each an INT (i) or a FLOAT (f), by their exact values.
int compare_numbers(bool l_float, std::int64_t li, double lf, bool r_float, std::int64_t ri,
                    double rf) {
  if (!l_float && !r_float) return three_way(li, ri);
  if (l_float && r_float) return three_way(lf, rf);
  return l_float ? -compare_int_float(ri, lf) : compare_int_float(li, rf);
}

// A string met by a boolean reads as one when it is the word true or false
// (any case): a CSV column of flags compared with TRUE (`WHERE active =
// TRUE`). Anything else, '1' included, is no boolean: nullopt.
std::optional<bool> string_as_boolean(std::string_view s) {
  s = trim(s);
  if (boost::algorithm::iequals(s, "true")) return true;
  if (boost::algorithm::iequals(s, "false")) return false;
  return std::nullopt;
}

// -1/0/1, or nullopt (UNKNOWN).
std::optional<int> compare_values(Value l, Value r) {
  if (l.type == Type::null || r.type == Type::null) return std::nullopt;
  // A string and a boolean compare as booleans (UNKNOWN when the string is
  // none), not as numbers: 'true' = TRUE, and '1' = TRUE is not true.
  for (Value* side : {&l, &r}) {
    const Value& other = side == &l ? r : l;
    if (side->type != Type::string || other.type != Type::boolean) continue;
    const auto b = string_as_boolean(side->str);
    if (!b) return std::nullopt;
    *side = boolean(*b);
  }
  if (l.type == Type::boolean) l = Value{Type::int_, {}, l.b ? 1 : 0, 0, false};
  if (r.type == Type::boolean) r = Value{Type::int_, {}, r.b ? 1 : 0, 0, false};
  if (l.type == Type::string && r.type == Type::string) return three_way(l.str, r.str);
  if (l.type == Type::string) l = to_number(l.str);
  if (r.type == Type::string) r = to_number(r.str);
  if (l.type == Type::null || r.type == Type::null) return std::nullopt;
  return compare_numbers(l.type == Type::float_, l.i, l.f, r.type == Type::float_, r.i, r.f);
}

std::string agg_name(AggKind k) {
  switch (k) {
    case AggKind::count_star:
    case AggKind::count:
      return "COUNT";
    case AggKind::sum:
      return "SUM";
    case AggKind::min:
      return "MIN";
    case AggKind::max:
      return "MAX";
    case AggKind::avg:
      return "AVG";
    case AggKind::none:
      break;
  }
  return "?";
}

std::string format_double(double d) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, p);
}

// Decimal digits of a SumInt (std::to_string and std::to_chars take no
// 128-bit integers).
std::string sum_to_string(SumInt v) {
  char buf[48];
  char* p = buf + sizeof buf;
  const bool negative = v < 0;
  do {
    const int digit = static_cast<int>(v % 10);  // negative for a negative v
    *--p = static_cast<char>('0' + (negative ? -digit : digit));
    v /= 10;
  } while (v != 0);
  if (negative) *--p = '-';
  return std::string(p, buf + sizeof buf);
}

void fold_minmax(AggPartial& a, bool is_float, std::int64_t i, double f) {
  if (!a.has_minmax) {
    a.has_minmax = true;
    a.minmax_is_float = is_float;
    a.int_minmax = i;
    a.float_minmax = f;
    return;
  }
  // Per matching record, so no Value round trip; exact, as compare_values.
  const int c = compare_numbers(is_float, i, f, a.minmax_is_float, a.int_minmax, a.float_minmax);
  if ((a.kind == AggKind::min && c < 0) || (a.kind == AggKind::max && c > 0)) {
    a.minmax_is_float = is_float;
    a.int_minmax = i;
    a.float_minmax = f;
  }
}

// The type a CAST names, as the query wrote it.
std::string cast_name(const Node& cast) {
  return cast.text.empty() ? std::string(cast_type_name(cast.cast_to)) : cast.text;
}

}  // namespace

std::string_view cast_type_name(CastType t) {
  switch (t) {
    case CastType::int_:
      return "INT";
    case CastType::float_:
      return "FLOAT";
    case CastType::string:
      return "STRING";
  }
  return "STRING";
}

std::string format_value(const Value& v) {
  switch (v.type) {
    case Type::null:
      return {};
    case Type::string:
      return std::string(v.str);
    case Type::int_:
      return std::to_string(v.i);
    case Type::float_:
      return format_double(v.f);
    case Type::boolean:
      return v.b ? "true" : "false";
  }
  return {};
}

JsonType json_type(Type type) {
  switch (type) {
    case Type::null:
      return JsonType::null;
    case Type::int_:
    case Type::float_:
      return JsonType::number;
    case Type::boolean:
      return JsonType::boolean;
    case Type::string:
      break;
  }
  return JsonType::string;
}

// Bytes of the UTF-8 character at text[t]: LIKE's '_' is one character, as
// S3 Select's is, not one byte. A byte that starts no valid sequence (stray
// or missing continuation bytes, overlong forms, surrogates, past U+10FFFF)
// is one character on its own -- as the output shows it, one U+FFFD each,
// with the same decoder (select_csv.cpp).
std::size_t character_length(std::string_view text, std::size_t t) {
  if (static_cast<unsigned char>(text[t]) < 0x80) return 1;
  const auto c = utf8::decode_at(text, t);
  return c ? c->length : 1;
}

std::optional<Error> like_pattern_error(std::string_view pattern, std::optional<char> escape) {
  if (!escape) return std::nullopt;
  for (std::size_t p = 0; p < pattern.size(); ++p) {
    if (pattern[p] != *escape) continue;
    if (p + 1 == pattern.size()) {
      return usage(
          fmt::format("LIKE pattern {} ends with its ESCAPE character '{}', which "
                      "escapes nothing there: double it ('{}{}') to match the "
                      "character itself",
                      quoted_value(pattern), *escape, *escape, *escape));
    }
    ++p;  // the escaped character, whatever it is
  }
  return std::nullopt;
}

bool like_match(std::string_view text, std::string_view pat, std::optional<char> escape) {
  // Iterative matcher with backtracking to the last %, a character at a time.
  std::size_t t = 0, p = 0;
  std::size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pat.size()) {
      const char pc = pat[p];
      if (escape && pc == *escape && p + 1 < pat.size()) {
        if (pat[p + 1] == text[t]) {
          p += 2;
          ++t;
          continue;
        }
      } else if (pc == '%') {
        star_p = p++;
        star_t = t;
        continue;
      } else if (pc == '_') {
        ++p;
        t += character_length(text, t);
        continue;
      } else if (pc == text[t]) {
        ++p;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    star_t += character_length(text, star_t);
    t = star_t;
  }
  while (p < pat.size() && pat[p] == '%' && !(escape && *escape == '%')) ++p;
  return p == pat.size();
}

AggregateState merge(const AggregateState& a, const AggregateState& b) {
  AggregateState out = a;
  for (std::size_t i = 0; i < out.size() && i < b.size(); ++i) {
    AggPartial& o = out[i];
    const AggPartial& x = b[i];
    o.count += x.count;
    o.any_float = o.any_float || x.any_float;
    o.float_sum.add(x.float_sum);
    o.int_sum += x.int_sum;
    if (x.has_minmax) fold_minmax(o, x.minmax_is_float, x.int_minmax, x.float_minmax);
  }
  return out;
}

std::vector<JsonType> finish_json_types(std::span<const std::string> row) {
  std::vector<JsonType> types;
  for (const std::string& value : row) {
    types.push_back(value.empty() ? JsonType::null : JsonType::number);
  }
  return types;
}

Result<std::vector<std::string>> finish(const AggregateState& state) {
  std::vector<std::string> row;
  // The float and the integer parts, rounded once.
  const auto total = [](const AggPartial& a) -> Result<double> {
    ExactSum sum = a.float_sum;
    sum.add(a.int_sum);
    if (auto value = sum.to_double()) return *value;
    return make_error(ErrorKind::data,
                      std::string(a.kind == AggKind::avg ? "AVG" : "SUM") +
                          ": the sum lies beyond the range of FLOAT (about 1.8e308)");
  };
  for (const AggPartial& a : state) {
    switch (a.kind) {
      case AggKind::count_star:
      case AggKind::count:
        row.push_back(std::to_string(a.count));
        break;
      case AggKind::sum:
        if (a.count == 0) {
          row.emplace_back();
        } else if (a.any_float) {
          auto sum = total(a);
          if (!sum) return sum.error();
          row.push_back(format_double(*sum));
        } else {
          row.push_back(sum_to_string(a.int_sum));
        }
        break;
      case AggKind::min:
      case AggKind::max:
        if (!a.has_minmax) {
          row.emplace_back();
        } else {
          row.push_back(a.minmax_is_float ? format_double(a.float_minmax)
                                          : std::to_string(a.int_minmax));
        }
        break;
      case AggKind::avg:
        if (a.count == 0) {
          row.emplace_back();
        } else {
          auto sum = total(a);
          if (!sum) return sum.error();
          row.push_back(format_double(*sum / static_cast<double>(a.count)));
        }
        break;
      case AggKind::none:
        row.emplace_back();
        break;
    }
  }
  return row;
}

Result<Evaluator> Evaluator::create(Query query,
                                    const std::optional<std::vector<std::string>>& header) {
  for (Node& n : query.nodes) {
    if (n.kind != NodeKind::column || n.index >= 0) continue;
    if (!header) {
      if (!n.quoted && looks_like_position(n.text)) {
        return usage("column '" + n.text + "' is no column position: they are _1, _2, ... up to _" +
                     std::to_string(std::numeric_limits<int>::max()));
      }
      return usage("column '" + n.text +
                   "' is referenced by name, which needs FileHeaderInfo USE (use _N positions)");
    }
    if (header->empty()) {
      // No header line: the object is empty, so no record will ever be read.
      // Every name is NULL, as a column a short record lacks, and the answer
      // is what it is over no records (nothing, or COUNT 0).
      n.index = std::numeric_limits<int>::max();
      continue;
    }
    // An unquoted name matches whatever its case, but a header that has it
    // spelled exactly ("Id,id") means that one: the exact spelling first.
    for (const bool exact : {true, false}) {
      if (!exact && n.quoted) break;
      for (std::size_t i = 0; n.index < 0 && i < header->size(); ++i) {
        const std::string& h = (*header)[i];
        bool eq = h.size() == n.text.size();
        for (std::size_t k = 0; eq && k < h.size(); ++k) {
          eq = exact ? h[k] == n.text[k]
                     : std::tolower(static_cast<unsigned char>(h[k])) ==
                           std::tolower(static_cast<unsigned char>(n.text[k]));
        }
        if (eq) n.index = static_cast<int>(i);
      }
    }
    if (n.index < 0) return usage("unknown column '" + n.text + "' (not in the CSV header)");
  }
  Evaluator e;
  e.query_ = std::move(query);
  e.header_ = header;
  // Expressions have no side effects: one that prints the same is the same.
  const auto& items = e.query_.items;
  e.same_argument_as_.assign(items.size(), -1);
  e.item_values_.resize(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].agg == AggKind::none || items[i].expr < 0) continue;
    for (std::size_t j = 0; j < i; ++j) {
      if (items[j].agg != AggKind::none && items[j].expr >= 0 &&
          to_sql(e.query_, items[j].expr) == to_sql(e.query_, items[i].expr)) {
        e.same_argument_as_[i] = static_cast<int>(j);
        break;
      }
    }
  }
  return e;
}

std::vector<std::string> Evaluator::output_names(std::size_t record_width) const {
  std::vector<std::string> names;
  if (query_.select_star) {
    for (std::size_t i = 0; i < record_width; ++i) {
      names.push_back(header_ && i < header_->size() ? (*header_)[i] : "_" + std::to_string(i + 1));
    }
    return names;
  }
  for (const SelectItem& it : query_.items) names.push_back(it.name);
  return names;
}

Result<Value> Evaluator::eval(int idx, std::span<const std::string_view> record) {
  const Node& n = query_.nodes[static_cast<std::size_t>(idx)];
  Value v;
  switch (n.kind) {
    case NodeKind::column:
      if (static_cast<std::size_t>(n.index) < record.size()) {
        v.type = Type::string;
        v.str = record[static_cast<std::size_t>(n.index)];
      }
      return v;
    case NodeKind::string_lit:
      v.type = Type::string;
      v.str = n.text;
      return v;
    case NodeKind::number_lit:
      v.type = n.is_float ? Type::float_ : Type::int_;
      v.i = n.int_value;
      v.f = n.float_value;
      return v;
    case NodeKind::null_lit:
      return v;
    case NodeKind::bool_lit:
      return boolean(n.bool_value);
    case NodeKind::cast: {
      auto a = eval(n.a, record);
      if (!a) return a;
      if (a->type == Type::null) return v;
      if (n.cast_to == CastType::string) {
        if (a->type == Type::string) return a;
        v.type = Type::string;
        v.str = scratch_.emplace_back(format_value(*a));
        return v;
      }
      Value num = *a;
      if (a->type == Type::string) {
        // To FLOAT, text is read as a float straight away: through an INT,
        // "-0" lost its sign (-0.0 kept it).
        if (n.cast_to != CastType::float_) {
          num = to_number(a->str);
        } else if (const auto f = parse_float(a->str)) {
          num.type = Type::float_;
          num.f = *f;
        } else {
          num = Value{};
        }
        if (num.type == Type::null) {
          const char* what =
              beyond_double_range(a->str) ? " is out of range for " : " is not a valid ";
          return refused_value("CAST failed: " + quoted_value(a->str) + what + cast_name(n));
        }
      } else if (a->type == Type::boolean) {
        return refused_value("CAST failed: a boolean is not a valid " + cast_name(n));
      }
      if (n.cast_to == CastType::int_) {
        v.type = Type::int_;
        bool out_of_range = false;
        if (num.type == Type::int_) {
          v.i = num.i;
        } else if (const auto whole = a->type == Type::string ? integer_part(a->str, out_of_range)
                                                              : std::nullopt) {
          // Text: its integer part read from its digits, exactly -- not the
          // double it rounds to (beyond 2^53, or next to INT's bounds, that
          // rounding moved the value, or pushed it over a bound or back in).
          v.i = *whole;
        } else if (out_of_range) {
          return refused_value("CAST failed: " + quoted_value(a->str) + " is out of range for INT");
        } else {
          // INT's range exactly: [-2^63, 2^63), both bounds doubles exactly.
          if (!(num.f >= -0x1p63 && num.f < 0x1p63)) {
            // The text as written, not as the double it was read into.
            const std::string shown =
                a->type == Type::string ? quoted_value(a->str) : format_double(num.f);
            return refused_value("CAST failed: " + shown + " is out of range for INT");
          }
          v.i = static_cast<std::int64_t>(num.f);
        }
      } else {
        v.type = Type::float_;
        v.f = as_double(num);
      }
      return v;
    }
    case NodeKind::compare: {
      auto l = eval(n.a, record);
      if (!l) return l;
      auto r = eval(n.b, record);
      if (!r) return r;
      const auto c = compare_values(*l, *r);
      if (!c) return v;
      switch (n.op) {
        case CompareOp::eq:
          return boolean(*c == 0);
        case CompareOp::ne:
          return boolean(*c != 0);
        case CompareOp::lt:
          return boolean(*c < 0);
        case CompareOp::le:
          return boolean(*c <= 0);
        case CompareOp::gt:
          return boolean(*c > 0);
        case CompareOp::ge:
          return boolean(*c >= 0);
      }
      return v;
    }
    case NodeKind::logic_and:
    case NodeKind::logic_or: {
      const bool is_and = n.kind == NodeKind::logic_and;
      auto l = eval(n.a, record);
      if (!l) return l;
      if (l->type == Type::boolean && l->b != is_and) return boolean(!is_and);  // short-circuit
      auto r = eval(n.b, record);
      if (!r) return r;
      if (r->type == Type::boolean && r->b != is_and) return boolean(!is_and);
      if (l->type == Type::boolean && r->type == Type::boolean) return boolean(is_and);
      return v;  // UNKNOWN
    }
    case NodeKind::logic_not: {
      auto a = eval(n.a, record);
      if (!a) return a;
      if (a->type != Type::boolean) return v;
      return boolean(!a->b);
    }
    case NodeKind::is_null: {
      auto a = eval(n.a, record);
      if (!a) return a;
      return boolean((a->type == Type::null) != n.negated);
    }
    case NodeKind::like: {
      auto a = eval(n.a, record);
      if (!a) return a;
      auto p = eval(n.b, record);
      if (!p) return p;
      if (a->type == Type::null || p->type == Type::null) return v;
      std::optional<char> esc;
      if (n.c >= 0) {
        auto e = eval(n.c, record);
        if (!e) return e;
        // Literals were checked as the query was read: what fails here came
        // from the object, so the data said no (exit 1, as a failed CAST),
        // not the command.
        if (e->type != Type::string || e->str.size() != 1) {
          return refused_value(
              "LIKE ... ESCAPE needs a string of one ASCII character, got " +
              (e->type == Type::string ? quoted_value(e->str) : quoted_value(format_value(*e))) +
              " from the object");
        }
        esc = e->str[0];
      }
      std::string_view text = a->str, pat = p->str;
      if (a->type != Type::string) text = scratch_.emplace_back(format_value(*a));
      if (p->type != Type::string) pat = scratch_.emplace_back(format_value(*p));
      if (auto bad = like_pattern_error(pat, esc)) {
        bad->kind = ErrorKind::data;
        return *bad;
      }
      return boolean(like_match(text, pat, esc) != n.negated);
    }
  }
  return v;
}

Result<bool> Evaluator::matches(std::span<const std::string_view> record) {
  if (query_.where < 0) return true;
  if (!scratch_.empty()) scratch_.clear();
  auto w = eval(query_.where, record);
  if (!w) return w.error();
  if (w->type == Type::boolean) return w->b;
  if (w->type == Type::null) return false;
  return usage("WHERE must be a condition, not a value");
}

Result<bool> Evaluator::project(std::span<const std::string_view> record,
                                std::vector<std::string>& row) {
  auto m = matches(record);
  if (!m || !*m) return m;
  row.clear();
  row_json_types_.clear();
  if (query_.select_star) {
    row.assign(record.begin(), record.end());
    return true;
  }
  for (const SelectItem& it : query_.items) {
    auto v = eval(it.expr, record);
    if (!v) return v.error();
    row.push_back(format_value(*v));
    row_json_types_.push_back(json_type(v->type));
  }
  if (!scratch_.empty()) scratch_.clear();
  return true;
}

AggregateState Evaluator::new_state() const {
  AggregateState s;
  for (const SelectItem& it : query_.items) {
    AggPartial p;
    p.kind = it.agg;
    s.push_back(p);
  }
  return s;
}

Result<void> Evaluator::accumulate(std::span<const std::string_view> record,
                                   AggregateState& state) {
  auto m = matches(record);
  if (!m) return m.error();
  if (!*m) return {};
  for (std::size_t i = 0; i < query_.items.size() && i < state.size(); ++i) {
    const SelectItem& it = query_.items[i];
    AggPartial& a = state[i];
    if (it.agg == AggKind::count_star) {
      ++a.count;
      continue;
    }
    const int same = i < same_argument_as_.size() ? same_argument_as_[i] : -1;
    Result<Value> v = same >= 0 ? Result<Value>(item_values_[static_cast<std::size_t>(same)])
                                : eval(it.expr, record);
    if (!v) return v.error();
    if (i < item_values_.size()) item_values_[i] = *v;
    if (v->type == Type::null) continue;
    if (it.agg == AggKind::count) {
      ++a.count;
      continue;
    }
    Value num = *v;
    if (num.type == Type::string) num = to_number(v->str);
    if (!is_number(num)) {
      // CAST does not make a number of a boolean either (a review's finding:
      // the hint led to a second error).
      if (v->type == Type::boolean) {
        return refused_value(agg_name(it.agg) + ": " + quoted_value(format_value(*v)) +
                             " is a boolean, not a number (to count the rows where it holds, "
                             "put it in WHERE and select COUNT(*))");
      }
      return refused_value(agg_name(it.agg) + ": " + quoted_value(format_value(*v)) +
                           " is not a number (use CAST)");
    }
    ++a.count;
    if (it.agg == AggKind::sum || it.agg == AggKind::avg) {
      if (num.type == Type::int_) {
        a.int_sum += num.i;
      } else {
        a.any_float = true;
        a.float_sum.add(num.f);
      }
    } else {
      fold_minmax(a, num.type == Type::float_, num.i, num.f);
    }
  }
  if (!scratch_.empty()) scratch_.clear();
  return {};
}

}  // namespace s3loop::jobs::select
