// What the fuzzers (tests/fuzz) found, one test each, so that every fix stays
// fixed in the ordinary suite. The input that found it is in the target's
// corpus under the name given.
#include "s3loop/jobs/select/sql.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s3loop::jobs::select {
namespace {

// corpus/sql/crash-quoted-name-with-quote: a quoted name holding a quote
// ("a""b" is the name a"b) was printed back with the quote single, so the SQL
// sent to S3 Select for each range did not parse.
TEST(FuzzRegressions, QuotedNameWithAQuotePrintsBackAsSql) {
  const Query q = parse_sql(R"(SELECT "a""b" FROM S3Object s WHERE s."x""y" = 'it''s')").value();
  EXPECT_EQ(to_sql(q, q.items.at(0).expr), R"("a""b")");
  EXPECT_EQ(to_sql(q, q.where), R"((s."x""y" = 'it''s'))");

  const Query agg = parse_sql(R"(SELECT SUM("a""b") FROM S3Object WHERE "c""" IS NULL)").value();
  const std::string partial = partial_aggregate_sql(agg);
  EXPECT_EQ(partial, R"(SELECT SUM("a""b"), COUNT("a""b") FROM S3Object WHERE ("c""" IS NULL))");
  const auto again = parse_sql(partial);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->nodes.at(static_cast<std::size_t>(again->items.at(0).expr)).text, "a\"b");
}

const Node& right_operand_of_where(const Query& q) {
  const Node& compare = q.nodes.at(static_cast<std::size_t>(q.where));
  return q.nodes.at(static_cast<std::size_t>(compare.b));
}

// corpus/sql/crash-negative-zero-float: the FLOAT literal -0e3 was printed back
// as "-0" (and 3e0 as "3"), which reads back as an INT: the SQL sent per range
// compared against a different literal than the user wrote.
TEST(FuzzRegressions, FloatLiteralsPrintBackAsFloats) {
  for (const auto& [written, printed] : std::vector<std::pair<std::string, std::string>>{
           {"-0e3", "-0.0"}, {"3e0", "3.0"}, {"2.50", "2.5"}, {"1e20", "1e+20"}, {"7", "7"}}) {
    const Query q = parse_sql("SELECT * FROM S3Object WHERE amount <> " + written).value();
    const Node& literal = right_operand_of_where(q);
    const std::string sql = to_sql(q, q.where);
    EXPECT_EQ(sql, "(amount <> " + printed + ")") << written;

    const Query again = parse_sql("SELECT * FROM S3Object WHERE " + sql).value();
    const Node& reread = right_operand_of_where(again);
    EXPECT_EQ(reread.is_float, literal.is_float) << written;
    EXPECT_EQ(to_sql(again, again.where), sql) << written;
    if (literal.is_float) {
      EXPECT_EQ(reread.float_value, literal.float_value) << written;
      EXPECT_EQ(std::signbit(reread.float_value), std::signbit(literal.float_value)) << written;
    }
  }
}

// corpus/sql/crash-deep-nesting: every "(" (and CAST(, NOT) recursed in the
// parser, so thousands of them overflowed the stack (SIGSEGV). Deeper than
// kMaxSqlNesting is now a usage error.
TEST(FuzzRegressions, DeepNestingIsAnErrorNotAStackOverflow) {
  for (const std::string_view opening : {"(", "CAST(", "NOT "}) {
    std::string sql = "SELECT * FROM S3Object WHERE ";
    for (int i = 0; i < 100000; ++i) sql += opening;
    sql += "_1 = '1'";
    const auto q = parse_sql(sql);
    ASSERT_FALSE(q.has_value()) << opening;
    EXPECT_EQ(q.error().kind, ErrorKind::usage);
    EXPECT_TRUE(q.error().message.starts_with("SQL nested too deeply")) << q.error().message;
  }
}

}  // namespace
}  // namespace s3loop::jobs::select
