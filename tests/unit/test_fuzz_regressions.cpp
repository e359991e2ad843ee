// What the fuzzers (tests/fuzz) found, one test each, so that every fix stays
// fixed in the ordinary suite. The input that found it is in the target's
// corpus under the name given.
#include "s3loop/jobs/select/sql.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace s3loop::jobs::select
