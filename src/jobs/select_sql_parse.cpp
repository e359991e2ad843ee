#include "s3loop/jobs/select/sql.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <vector>

#include "select_number.hpp"

namespace s3loop::jobs::select {
namespace {

enum class Tok : std::uint8_t { ident, quoted_ident, string, number, symbol, end };

struct Token {
  Tok kind = Tok::end;
  std::string text;     // ident/symbol as written; string/quoted contents unescaped
  std::size_t pos = 0;  // 0-based character (not byte) offset in the query
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

constexpr std::array<std::string_view, 32> kReserved = {
    "SELECT", "FROM",    "WHERE", "LIMIT",    "AND",    "OR",    "NOT",  "AS",
    "JOIN",   "GROUP",   "ORDER", "BY",       "HAVING", "UNION", "LIKE", "IS",
    "NULL",   "ESCAPE",  "CAST",  "INNER",    "LEFT",   "RIGHT", "FULL", "CROSS",
    "ON",     "BETWEEN", "IN",    "DISTINCT", "OFFSET", "OUTER", "TRUE", "FALSE"};

bool is_reserved(std::string_view word) {
  for (std::string_view k : kReserved)
    if (iequals(k, word)) return true;
  return false;
}

Error usage(std::string message) {
  return make_error(ErrorKind::usage, std::move(message));
}

Error unsupported(std::string_view construct, std::string_view why) {
  return usage("unsupported SQL: " + std::string(construct) + " (" + std::string(why) + ")");
}

// An arithmetic operator or ||: binary, or a sign before anything but a number.
Error unsupported_operator(std::string_view op) {
  return unsupported("operator " + std::string(op), "arithmetic and || are not implemented here");
}

// Positions in errors count characters, not bytes: what a user counts in
// a query with 'é' or '日本' before the mistake. Bytes are only ever
// asked about going forwards, so the count advances from the last one.
class CharacterCount {
 public:
  explicit CharacterCount(std::string_view text) : text_(text) {}
  std::size_t before(std::size_t byte) {
    for (; byte_ < byte && byte_ < text_.size(); ++byte_) {
      if ((static_cast<unsigned char>(text_[byte_]) & 0xC0) != 0x80) ++characters_;
    }
    return characters_;
  }

 private:
  std::string_view text_;
  std::size_t byte_ = 0;
  std::size_t characters_ = 0;
};

Result<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  CharacterCount characters(s);
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    // Comments, as PartiQL (S3 Select's SQL) has them: -- to the end of the
    // line, /* to */.
    if (s.substr(i, 2) == "--") {
      const std::size_t newline = s.find('\n', i);
      i = newline == std::string_view::npos ? s.size() : newline + 1;
      continue;
    }
    if (s.substr(i, 2) == "/*") {
      const std::size_t close = s.find("*/", i + 2);
      if (close == std::string_view::npos) {
        return usage("SQL syntax error at position " + std::to_string(characters.before(i) + 1) +
                     ": unterminated comment (/* without */)");
      }
      i = close + 2;
      continue;
    }
    Token t;
    t.pos = characters.before(i);
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      t.kind = Tok::ident;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < s.size() &&
                std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      std::size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      if (j < s.size() && s[j] == '.') {
        ++j;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      }
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        std::size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
          j = k;
          while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        }
      }
      t.kind = Tok::number;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else if (c == '\'' || c == '"') {
      std::size_t j = i + 1;
      std::string text;
      bool closed = false;
      while (j < s.size()) {
        if (s[j] == c) {
          if (j + 1 < s.size() && s[j + 1] == c) {
            text.push_back(c);
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        text.push_back(s[j++]);
      }
      if (!closed) {
        return usage("SQL syntax error at position " + std::to_string(t.pos + 1) +
                     ": unterminated " + (c == '\'' ? "string literal" : "quoted identifier"));
      }
      t.kind = c == '\'' ? Tok::string : Tok::quoted_ident;
      t.text = std::move(text);
      i = j;
    } else {
      static constexpr std::array<std::string_view, 6> two = {"!=", "<>", "<=", ">=", "||", "=="};
      std::string_view sym = s.substr(i, 1);
      for (std::string_view tw : two)
        if (s.substr(i, 2) == tw) sym = tw;
      if (std::string_view("(),.*[]=<>!+-/%;|").find(c) == std::string_view::npos) {
        return usage("SQL syntax error at position " + std::to_string(t.pos + 1) +
                     ": unexpected character '" + std::string(s.substr(i, character_length(s, i))) +
                     "'");
      }
      t.kind = Tok::symbol;
      t.text = std::string(sym);
      i += sym.size();
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.kind = Tok::end;
  end.pos = characters.before(s.size());
  out.push_back(end);
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<Query> parse() {
    if (!keyword("SELECT")) return syntax("expected SELECT");
    if (peek_keyword("DISTINCT")) return unsupported("DISTINCT", "S3 Select has no DISTINCT");
    if (symbol("*")) {
      q_.select_star = true;
    } else {
      do {
        if (auto r = parse_item(); !r) return r.error();
      } while (symbol(","));
      bool any_agg = false, any_plain = false;
      for (const SelectItem& it : q_.items) (it.agg == AggKind::none ? any_plain : any_agg) = true;
      if (any_agg && any_plain) {
        return unsupported("aggregates mixed with plain columns", "S3 Select has no GROUP BY");
      }
    }
    if (!keyword("FROM")) return syntax("expected FROM");
    if (auto r = parse_from(); !r) return r.error();
    if (auto r = check_clause(); !r) return r.error();
    if (keyword("WHERE")) {
      const std::size_t where_position = cur().pos;
      auto w = parse_expr();
      if (!w) return w.error();
      if (!is_condition(*w)) {
        // Known now, not at the first record: before any request, and over an
        // empty object too.
        return usage(
            "WHERE at position " + std::to_string(where_position + 1) +
            " must be a condition (a comparison, LIKE, IS [NOT] NULL, TRUE, FALSE, or AND, "
            "OR, NOT of them), not a value");
      }
      q_.where = *w;
      if (auto r = check_clause(); !r) return r.error();
    }
    if (keyword("LIMIT")) {
      if (cur().kind != Tok::number) return syntax("expected a number after LIMIT");
      std::uint64_t n = 0;
      const std::string& s = cur().text;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc::result_out_of_range) {
        return syntax("LIMIT is too large (at most " +
                      std::to_string(std::numeric_limits<std::uint64_t>::max()) + ")");
      }
      if (ec != std::errc() || p != s.data() + s.size()) return syntax("expected an integer LIMIT");
      q_.limit = n;
      ++i_;
      if (auto r = check_clause(); !r) return r.error();
    }
    symbol(";");
    if (cur().kind != Tok::end) return syntax("unexpected token");
    if (auto r = check_qualifiers(); !r) return r.error();
    return std::move(q_);
  }

 private:
  const Token& cur() const { return t_[i_]; }
  const Token& next() const { return t_[i_ + 1 < t_.size() ? i_ + 1 : i_]; }

  bool peek_keyword(std::string_view k) const {
    return cur().kind == Tok::ident && iequals(cur().text, k);
  }
  bool keyword(std::string_view k) {
    if (!peek_keyword(k)) return false;
    ++i_;
    return true;
  }
  bool peek_symbol(std::string_view s) const {
    return cur().kind == Tok::symbol && cur().text == s;
  }
  bool symbol(std::string_view s) {
    if (!peek_symbol(s)) return false;
    ++i_;
    return true;
  }

  Error syntax(std::string_view what) const {
    const Token& t = cur();
    std::string found = t.kind == Tok::end            ? "end of query"
                        : t.kind == Tok::string       ? "'" + t.text + "'"
                        : t.kind == Tok::quoted_ident ? "\"" + t.text + "\""
                                                      : "'" + t.text + "'";
    return syntax_at(t, std::string(what) + ", found " + found);
  }
  // What is wrong with token `t` itself.
  static Error syntax_at(const Token& t, std::string_view what) {
    return usage("SQL syntax error at position " + std::to_string(t.pos + 1) + ": " +
                 std::string(what));
  }

  int add(Node n) {
    q_.nodes.push_back(std::move(n));
    return static_cast<int>(q_.nodes.size() - 1);
  }

  // Whether node `n` is true, false or unknown rather than a value. (AND
  // and OR chains are balanced trees, NOT is bounded by the nesting limit:
  // the recursion stays shallow.)
  bool is_condition(int n) const {
    const Node& node = q_.nodes[static_cast<std::size_t>(n)];
    switch (node.kind) {
      case NodeKind::compare:
      case NodeKind::like:
      case NodeKind::is_null:
      case NodeKind::null_lit:  // unknown: matches nothing
      case NodeKind::bool_lit:  // WHERE TRUE: every record; WHERE FALSE: none
        return true;
      case NodeKind::logic_and:
      case NodeKind::logic_or:
        return is_condition(node.a) && is_condition(node.b);
      case NodeKind::logic_not:
        return is_condition(node.a);
      case NodeKind::column:
      case NodeKind::string_lit:
      case NodeKind::number_lit:
      case NodeKind::cast:
        break;
    }
    return false;
  }

  // Clauses S3 Select does not have, where a clause could start.
  Result<void> check_clause() const {
    if (peek_keyword("GROUP")) return unsupported("GROUP BY", "S3 Select has no GROUP BY");
    if (peek_keyword("ORDER")) return unsupported("ORDER BY", "S3 Select has no ORDER BY");
    if (peek_keyword("HAVING")) return unsupported("HAVING", "S3 Select has no HAVING");
    if (peek_keyword("UNION")) return unsupported("UNION", "S3 Select queries one object");
    if (peek_keyword("OFFSET")) return unsupported("OFFSET", "S3 Select has no OFFSET");
    if (peek_keyword("JOIN") || peek_keyword("INNER") || peek_keyword("LEFT") ||
        peek_keyword("RIGHT") || peek_keyword("FULL") || peek_keyword("CROSS") ||
        peek_symbol(",")) {
      return unsupported("JOIN", "S3 Select queries one object");
    }
    return {};
  }

  Result<void> parse_from() {
    if (peek_symbol("(")) return unsupported("subquery", "S3 Select has no subqueries");
    if (cur().kind != Tok::ident || !iequals(cur().text, "S3Object")) {
      if (cur().kind == Tok::ident && !is_reserved(cur().text)) {
        return unsupported("FROM " + cur().text, "the only table is S3Object");
      }
      return syntax("expected S3Object");
    }
    ++i_;
    if (symbol("[")) {
      if (!symbol("*")) return syntax("expected * in S3Object[*]");
      if (!symbol("]")) return syntax("expected ]");
    }
    if (keyword("AS")) {
      if (cur().kind != Tok::ident || is_reserved(cur().text)) return syntax("expected an alias");
      q_.alias = cur().text;
      ++i_;
    } else if (cur().kind == Tok::ident && !is_reserved(cur().text)) {
      q_.alias = cur().text;
      ++i_;
    }
    return {};
  }

  Result<void> parse_item() {
    SelectItem item;
    const std::size_t position = q_.items.size() + 1;
    static constexpr std::array<std::pair<std::string_view, AggKind>, 5> aggs = {
        {{"COUNT", AggKind::count},
         {"SUM", AggKind::sum},
         {"MIN", AggKind::min},
         {"MAX", AggKind::max},
         {"AVG", AggKind::avg}}};
    if (cur().kind == Tok::ident && next().kind == Tok::symbol && next().text == "(") {
      for (auto [name, kind] : aggs) {
        if (!iequals(cur().text, name)) continue;
        i_ += 2;
        if (peek_keyword("DISTINCT"))
          return unsupported(upper(name) + "(DISTINCT ...)", "S3 Select has no DISTINCT");
        if (kind == AggKind::count && symbol("*")) {
          item.agg = AggKind::count_star;
        } else {
          auto e = parse_expr();
          if (!e) return e.error();
          item.agg = kind;
          item.expr = *e;
        }
        if (!symbol(")")) return syntax("expected )");
        // "COUNT(*) + 1": named as "_1 + 1" is, not "expected FROM, found '+'".
        if (auto r = check_no_arithmetic(); !r) return r.error();
        // "COUNT(*) > 1" (a HAVING written in the SELECT list): named too.
        if (cur().kind == Tok::symbol &&
            (cur().text == "=" || cur().text == "<>" || cur().text == "!=" || cur().text == "<" ||
             cur().text == ">" || cur().text == "<=" || cur().text == ">=")) {
          return unsupported("a comparison of " + upper(name) + "(...)",
                             "an aggregate stands alone in the SELECT list here");
        }
        break;
      }
    }
    if (item.agg == AggKind::none) {
      auto e = parse_expr();
      if (!e) return e.error();
      item.expr = *e;
      const Node& n = q_.nodes[static_cast<std::size_t>(*e)];
      if (n.kind == NodeKind::column) item.name = n.text;
    }
    if (keyword("AS")) {
      if (cur().kind != Tok::ident && cur().kind != Tok::quoted_ident)
        return syntax("expected an alias");
      item.name = cur().text;
      ++i_;
    } else if ((cur().kind == Tok::ident && !is_reserved(cur().text)) ||
               cur().kind == Tok::quoted_ident) {
      item.name = cur().text;
      ++i_;
    }
    if (item.name.empty()) item.name = "_" + std::to_string(position);
    q_.items.push_back(std::move(item));
    return {};
  }

  // Parentheses, CAST( and NOT nest by recursion here (and in evaluation):
  // bounded, so that a deeply nested query is an error, not a stack overflow.
  struct Nesting {
    Parser& p;
    explicit Nesting(Parser& parser) : p(parser) { ++p.depth_; }
    ~Nesting() { --p.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
  };
  Result<void> check_nesting() const {
    const int allowed = sql_nesting_allowed();
    if (depth_ - 1 <= allowed) return {};  // the outermost expression is level 0
    std::string why;
    if (allowed < kMaxSqlNesting) {
      rlimit stack{};
      ::getrlimit(RLIMIT_STACK, &stack);
      why = " (the stack limit, ulimit -s " + std::to_string(stack.rlim_cur / 1024) +
            ", allows no more)";
    }
    return usage("SQL nested too deeply at position " + std::to_string(cur().pos + 1) +
                 ": at most " + std::to_string(allowed) + " levels of parentheses, CAST and NOT" +
                 why);
  }

  Result<int> parse_expr() {
    const Nesting nesting(*this);
    if (auto r = check_nesting(); !r) return r.error();
    return parse_or();
  }

  // A chain of ORs (or ANDs) becomes a balanced tree, not a left-deep one:
  // a generated "a = 1 OR a = 2 OR ..." of thousands of terms would make
  // every tree walk (evaluation, printing for the server) recurse once per
  // term, overflowing the stack near 12,000 terms. Kleene AND and OR are
  // associative, and the leaves keep their left-to-right order, so the
  // result, the short-circuits and the first error met are unchanged.
  Result<int> parse_or() { return parse_chain("OR", NodeKind::logic_or, &Parser::parse_and); }
  Result<int> parse_and() { return parse_chain("AND", NodeKind::logic_and, &Parser::parse_not); }

  Result<int> parse_chain(std::string_view word, NodeKind kind, Result<int> (Parser::*operand)()) {
    auto first = (this->*operand)();
    if (!first) return first;
    std::vector<int> terms{*first};
    while (keyword(word)) {
      auto next = (this->*operand)();
      if (!next) return next;
      terms.push_back(*next);
    }
    return join_balanced(kind, terms, 0, terms.size());
  }

  // Depth log2(terms): the recursion here is bounded by the chain's length.
  int join_balanced(NodeKind kind, const std::vector<int>& terms, std::size_t from,
                    std::size_t to) {
    if (to - from == 1) return terms[from];
    const std::size_t middle = from + (to - from) / 2;
    Node n;
    n.kind = kind;
    n.a = join_balanced(kind, terms, from, middle);
    n.b = join_balanced(kind, terms, middle, to);
    return add(std::move(n));
  }

  Result<int> parse_not() {
    if (keyword("NOT")) {
      const Nesting nesting(*this);
      if (auto r = check_nesting(); !r) return r.error();
      auto a = parse_not();
      if (!a) return a;
      Node n;
      n.kind = NodeKind::logic_not;
      n.a = *a;
      return add(std::move(n));
    }
    return parse_predicate();
  }

  Result<int> parse_predicate() {
    auto l = parse_operand();
    if (!l) return l;
    static constexpr std::array<std::pair<std::string_view, CompareOp>, 8> ops = {
        {{"=", CompareOp::eq},
         {"==", CompareOp::eq},
         {"!=", CompareOp::ne},
         {"<>", CompareOp::ne},
         {"<", CompareOp::lt},
         {"<=", CompareOp::le},
         {">", CompareOp::gt},
         {">=", CompareOp::ge}}};
    if (cur().kind == Tok::symbol) {
      for (auto [text, op] : ops) {
        if (cur().text != text) continue;
        ++i_;
        auto r = parse_operand();
        if (!r) return r;
        Node n;
        n.kind = NodeKind::compare;
        n.op = op;
        n.a = *l;
        n.b = *r;
        return add(std::move(n));
      }
      return l;
    }
    if (keyword("IS")) {
      Node n;
      n.kind = NodeKind::is_null;
      n.negated = keyword("NOT");
      if (!keyword("NULL")) return syntax("expected NULL after IS");
      n.a = *l;
      return add(std::move(n));
    }
    bool negated = false;
    if (peek_keyword("NOT") && next().kind == Tok::ident) {
      ++i_;
      negated = true;
      if (!peek_keyword("LIKE")) {
        if (peek_keyword("IN") || peek_keyword("BETWEEN"))
          return unsupported("NOT " + upper(cur().text), "not implemented here");
        return syntax("expected LIKE after NOT");
      }
    }
    if (keyword("LIKE")) {
      auto pat = parse_operand();
      if (!pat) return pat;
      Node n;
      n.kind = NodeKind::like;
      n.negated = negated;
      n.a = *l;
      n.b = *pat;
      if (keyword("ESCAPE")) {
        // A literal is checked here, not at the first record, so that a
        // query refused is refused before any request (and on no records).
        if (cur().kind == Tok::string && cur().text.size() != 1) {
          return syntax("LIKE ... ESCAPE needs a string of one ASCII character");
        }
        auto esc = parse_operand();
        if (!esc) return esc;
        n.c = *esc;
        // Both literals: a bad pattern is refused before any request too.
        const Node& pattern = q_.nodes[static_cast<std::size_t>(n.b)];
        const Node& escape = q_.nodes[static_cast<std::size_t>(n.c)];
        if (pattern.kind == NodeKind::string_lit && escape.kind == NodeKind::string_lit &&
            escape.text.size() == 1) {
          if (auto bad = like_pattern_error(pattern.text, escape.text[0])) return *bad;
        }
      }
      return add(std::move(n));
    }
    if (peek_keyword("IN") || peek_keyword("BETWEEN"))
      return unsupported(upper(cur().text), "not implemented here");
    return l;
  }

  Result<int> parse_operand() {
    auto p = parse_primary();
    if (!p) return p;
    if (auto r = check_no_arithmetic(); !r) return r.error();
    return p;
  }

  // An arithmetic operator or || after a value (or an aggregate).
  Result<void> check_no_arithmetic() const {
    if (cur().kind == Tok::symbol &&
        (cur().text == "+" || cur().text == "-" || cur().text == "*" || cur().text == "/" ||
         cur().text == "%" || cur().text == "||")) {
      return unsupported_operator(cur().text);
    }
    return {};
  }

  // The number token `number` (already read), negated or not.
  Result<int> number_node(const Token& number, bool negative) {
    Node n;
    n.kind = NodeKind::number_lit;
    const std::string s = negative ? "-" + number.text : number.text;
    if (s.find_first_of(".eE") == std::string::npos) {
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n.int_value);
      if (ec == std::errc() && p == s.data() + s.size()) return add(std::move(n));
    }
    const auto reading = read_double(s);
    if (reading.kind == DoubleText::not_a_number) {
      return syntax_at(number, "bad number '" + s + "'");
    }
    if (reading.kind == DoubleText::too_large) {
      return syntax_at(number, "the number " + s + " is out of range for FLOAT");
    }
    n.float_value = reading.value;
    n.is_float = true;
    return add(std::move(n));
  }

  Result<int> parse_primary() {
    const Token& t = cur();
    if (symbol("(")) {
      if (peek_keyword("SELECT")) return unsupported("subquery", "S3 Select has no subqueries");
      auto e = parse_expr();
      if (!e) return e;
      if (!symbol(")")) return syntax("expected )");
      return e;
    }
    if (t.kind == Tok::string) {
      Node n;
      n.kind = NodeKind::string_lit;
      n.text = t.text;
      ++i_;
      return add(std::move(n));
    }
    if (t.kind == Tok::number) {
      ++i_;
      return number_node(t_[i_ - 1], false);
    }
    if (peek_symbol("-") && next().kind == Tok::number) {
      i_ += 2;
      return number_node(t_[i_ - 1], true);
    }
    // A sign before anything else ("-CAST(x AS INT)", "-x", "+x") is
    // arithmetic: named as "x - 1" is, not "expected an expression".
    if (peek_symbol("-") || peek_symbol("+")) {
      return unsupported_operator(t.text);
    }
    if (keyword("NULL")) {
      Node n;
      n.kind = NodeKind::null_lit;
      return add(std::move(n));
    }
    if (peek_keyword("TRUE") || peek_keyword("FALSE")) {
      Node n;
      n.kind = NodeKind::bool_lit;
      n.bool_value = peek_keyword("TRUE");
      ++i_;
      return add(std::move(n));
    }
    if (peek_keyword("CAST") && next().kind == Tok::symbol && next().text == "(") {
      i_ += 2;
      auto e = parse_expr();
      if (!e) return e;
      if (!keyword("AS")) return syntax("expected AS in CAST");
      if (cur().kind != Tok::ident) return syntax("expected a type in CAST");
      Node n;
      n.kind = NodeKind::cast;
      n.a = *e;
      const std::string ty = upper(cur().text);
      n.text = ty;  // as written, for its error messages (DECIMAL is read as FLOAT)
      const bool decimal = ty == "DECIMAL" || ty == "NUMERIC";
      if (ty == "INT" || ty == "INTEGER") {
        n.cast_to = CastType::int_;
      } else if (ty == "FLOAT" || decimal) {
        n.cast_to = CastType::float_;
      } else if (ty == "STRING") {
        n.cast_to = CastType::string;
      } else {
        return unsupported("CAST to " + ty, "types: INT, INTEGER, FLOAT, DECIMAL, NUMERIC, STRING");
      }
      ++i_;
      // DECIMAL(p) and DECIMAL(p, s): S3 Select ignores precision and scale.
      if (decimal && symbol("(")) {
        if (cur().kind != Tok::number) return syntax("expected a precision in DECIMAL(p, s)");
        ++i_;
        if (symbol(",")) {
          if (cur().kind != Tok::number) return syntax("expected a scale in DECIMAL(p, s)");
          ++i_;
        }
        if (!symbol(")")) return syntax("expected ) after DECIMAL's precision and scale");
      }
      if (!symbol(")")) return syntax("expected ) after CAST");
      return add(std::move(n));
    }
    if (t.kind == Tok::ident && next().kind == Tok::symbol && next().text == "(") {
      const std::string name = upper(t.text);
      if (name == "COUNT" || name == "SUM" || name == "MIN" || name == "MAX" || name == "AVG")
        return unsupported("aggregate " + name + " inside an expression",
                           "aggregates must be select items");
      return unsupported("function " + name, "not implemented here");
    }
    // Else "CASE WHEN x ..." read as a column named CASE: "expected FROM".
    if (t.kind == Tok::ident && iequals(t.text, "CASE") && next().kind == Tok::ident) {
      return unsupported("CASE", "not implemented here");
    }
    if ((t.kind == Tok::ident && !is_reserved(t.text)) || t.kind == Tok::quoted_ident) {
      Node n;
      n.kind = NodeKind::column;
      ++i_;
      if (symbol(".")) {
        if (cur().kind != Tok::ident && cur().kind != Tok::quoted_ident)
          return syntax("expected a column name after '.'");
        n.qualifier = t.text;
        n.text = cur().text;
        n.quoted = cur().kind == Tok::quoted_ident;
        ++i_;
      } else {
        n.text = t.text;
        n.quoted = t.kind == Tok::quoted_ident;
      }
      if (!n.quoted && n.text.size() > 1 && n.text[0] == '_') {
        int idx = 0;
        auto [p, ec] = std::from_chars(n.text.data() + 1, n.text.data() + n.text.size(), idx);
        if (ec == std::errc() && p == n.text.data() + n.text.size() && idx >= 1) n.index = idx - 1;
      }
      return add(std::move(n));
    }
    return syntax("expected an expression");
  }

  Result<void> check_qualifiers() const {
    for (const Node& n : q_.nodes) {
      if (n.kind != NodeKind::column || n.qualifier.empty()) continue;
      const bool ok =
          q_.alias.empty() ? iequals(n.qualifier, "S3Object") : iequals(n.qualifier, q_.alias);
      if (!ok)
        return usage("unknown table alias '" + n.qualifier + "' in " + n.qualifier + "." + n.text);
    }
    return {};
  }

  std::vector<Token> t_;
  std::size_t i_ = 0;
  int depth_ = 0;
  Query q_;
};

}  // namespace

int sql_nesting_allowed() {
  // Read once: threads take their stack size from the same limit at start.
  static const int allowed = [] {
    rlimit stack{};
    if (::getrlimit(RLIMIT_STACK, &stack) != 0 || stack.rlim_cur == RLIM_INFINITY) {
      return kMaxSqlNesting;
    }
    const auto usable = static_cast<long long>(stack.rlim_cur) - kSqlStackReserve;
    return static_cast<int>(std::clamp<long long>(usable / kSqlStackPerNesting, 1, kMaxSqlNesting));
  }();
  return allowed;
}

Result<Query> parse_sql(std::string_view sql) {
  auto tokens = tokenize(sql);
  if (!tokens) return tokens.error();
  Parser p(std::move(*tokens));
  return p.parse();
}

}  // namespace s3loop::jobs::select
