#include "s3loop/jobs/select/sql.hpp"

#include <gtest/gtest.h>

#include <random>

namespace s3loop::jobs::select {
namespace {

using Rows = std::vector<std::vector<std::string>>;
using Header = std::optional<std::vector<std::string>>;

std::string parse_error(std::string_view sql) {
  auto q = parse_sql(sql);
  if (q) return "<parsed>";
  EXPECT_EQ(q.error().kind, ErrorKind::usage);
  return q.error().message;
}

// Runs `sql` over CSV `text` in one pass (header USE when `use_header`).
Result<Rows> run(std::string_view sql, std::string_view text, bool use_header = false) {
  auto q = parse_sql(sql);
  if (!q) return q.error();
  auto recs = read_all(text);
  if (!recs) return recs.error();
  Header header;
  std::size_t first = 0;
  if (use_header) {
    // As the planner does: an empty object has an empty header.
    header.emplace();
    if (!recs->empty()) {
      header = recs->front();
      first = 1;
    }
  }
  auto ev = Evaluator::create(std::move(*q), header);
  if (!ev) return ev.error();
  Rows out;
  AggregateState st = ev->new_state();
  std::vector<std::string> row;
  for (std::size_t i = first; i < recs->size(); ++i) {
    std::vector<std::string_view> views((*recs)[i].begin(), (*recs)[i].end());
    if (ev->is_aggregate()) {
      if (auto r = ev->accumulate(views, st); !r) return r.error();
      continue;
    }
    auto m = ev->project(views, row);
    if (!m) return m.error();
    if (*m) out.push_back(row);
    if (ev->limit() && out.size() >= *ev->limit()) break;
  }
  if (ev->is_aggregate()) {
    auto finished = finish(st);
    if (!finished) return finished.error();
    out.push_back(*finished);
  }
  return out;
}

Rows ok(std::string_view sql, std::string_view text, bool use_header = false) {
  auto r = run(sql, text, use_header);
  EXPECT_TRUE(r.has_value()) << sql << ": " << (r ? "" : r.error().message);
  return r ? *r : Rows{};
}

const char* kPeople = "name,age,city\nAlice,30,Paris\nbob,25,Oslo\nCarol,41,Paris\nDan,,Rome\n";

TEST(SelectSql, LimitTakesAWholeNumberOnly) {
  EXPECT_EQ(parse_error("SELECT * FROM S3Object LIMIT 1.5"),
            "SQL syntax error at position 30: expected an integer LIMIT, found '1.5'");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object LIMIT 1e0"),
            "SQL syntax error at position 30: expected an integer LIMIT, found '1e0'");
}

TEST(SelectSql, NumbersTakeOneSignAndTinyOnesAreZero) {
  EXPECT_EQ(ok("SELECT CAST(_1 AS INT) FROM S3Object", "+5\n-5\n"), (Rows{{"5"}, {"-5"}}));
  // "+-1" is no number (it read as -1), nor is "-+1".
  for (const char* text : {"+-1\n", "-+1\n", "++1\n", "+\n"}) {
    auto r = run("SELECT CAST(_1 AS INT) FROM S3Object", text);
    EXPECT_FALSE(r.has_value()) << text;
    EXPECT_FALSE(run("SELECT CAST(_1 AS FLOAT) FROM S3Object", text).has_value()) << text;
  }
  // Below the smallest double is 0, as strtod and Python read it; beyond the largest is
  // no number.
  EXPECT_EQ(ok("SELECT CAST(_1 AS FLOAT) FROM S3Object", "1e-400\n-1e-400\n4.9e-324\n"),
            (Rows{{"0"}, {"-0"}, {"5e-324"}}));
  EXPECT_FALSE(run("SELECT CAST(_1 AS FLOAT) FROM S3Object", "1e400\n").has_value());
  // A sum past FLOAT's range fails the query rather than saying inf.
  auto over = run("SELECT SUM(CAST(_1 AS FLOAT)) FROM S3Object", "1e308\n1e308\n");
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().kind, ErrorKind::data);
  EXPECT_EQ(ok("SELECT SUM(CAST(_1 AS FLOAT)) FROM S3Object", "1e308\n1e308\n-1e308\n"),
            (Rows{{"1e+308"}}));
}

TEST(SelectSql, SelectStarAndColumns) {
  EXPECT_EQ(ok("SELECT * FROM S3Object", "a,b\n1,2\n"), (Rows{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(ok("select s._2, s._1 from s3object s", "a,b\n1,2\n"), (Rows{{"b", "a"}, {"2", "1"}}));
  EXPECT_EQ(ok("SELECT name, s.city, \"age\" FROM S3Object[*] AS s LIMIT 2", kPeople, true),
            (Rows{{"Alice", "Paris", "30"}, {"bob", "Oslo", "25"}}));
  EXPECT_EQ(ok("SELECT NAME FROM S3Object WHERE S3Object.city = 'Rome'", kPeople, true),
            (Rows{{"Dan"}}));
  // Missing column is NULL: empty output.
  EXPECT_EQ(ok("SELECT _3 FROM S3Object", "1,2\n"), (Rows{{""}}));
  // A header with the name spelled exactly means that column; otherwise the
  // first one alike but for case (a probe's finding: "Id,id" took "Id" for id).
  EXPECT_EQ(ok("SELECT id, ID, iD FROM S3Object", "Id,id\n1,x\n", true), (Rows{{"x", "1", "1"}}));
  EXPECT_EQ(ok("SELECT \"Id\" FROM S3Object", "Id,id\n1,x\n", true), (Rows{{"1"}}));
}

TEST(SelectSql, NamesOverAnEmptyObjectSelectNothing) {
  // No header line to look names up in, and no records to read them from.
  EXPECT_EQ(ok("SELECT name, s.age FROM S3Object s WHERE city = 'Paris'", "", true), Rows{});
  EXPECT_EQ(ok("SELECT COUNT(*), COUNT(name), SUM(CAST(age AS INT)) FROM S3Object", "", true),
            (Rows{{"0", "0", ""}}));
  // A header with no such column is still an error.
  auto unknown = run("SELECT nope FROM S3Object", "name\n", true);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("unknown column 'nope'"), std::string::npos);
}

TEST(SelectSql, WhereComparisons) {
  EXPECT_EQ(
      ok("SELECT name FROM S3Object WHERE age <> '' AND CAST(age AS INT) > 28", kPeople, true),
      (Rows{{"Alice"}, {"Carol"}}));
  EXPECT_EQ(ok("SELECT name FROM S3Object s WHERE s.city <> 'Paris' AND NOT s.name = 'Dan'",
               kPeople, true),
            (Rows{{"bob"}}));
  EXPECT_EQ(ok("SELECT name FROM S3Object WHERE (city = 'Oslo' OR city = 'Rome') AND age != ''",
               kPeople, true),
            (Rows{{"bob"}}));
  EXPECT_EQ(
      ok("SELECT name FROM S3Object WHERE age <> '' AND CAST(age AS FLOAT) <= 30.0", kPeople, true),
      (Rows{{"Alice"}, {"bob"}}));
  EXPECT_EQ(ok("SELECT name FROM S3Object WHERE age >= '30'", kPeople, true),  // string compare
            (Rows{{"Alice"}, {"Carol"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE CAST(_1 AS INT) < -5", "-10\n-5\n3\n"),
            (Rows{{"-10"}}));
}

TEST(SelectSql, StringVersusNumberWithoutCastIsImplicit) {
  // "9" > 10 is false numerically (true as strings); 'x' vs a number is UNKNOWN.
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 > 10", "9\n11\nx\n"), (Rows{{"11"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE NOT (_1 > 10)", "9\n11\nx\n"), (Rows{{"9"}}));
}

// An INT meets a FLOAT by value: as doubles, 2^53 + 1 equals 2^53 and 2^63 - 1 equals 2^63
// (a number past INT's range is a FLOAT), and rows matched or were missed by the rounding.
TEST(SelectSql, IntsAndFloatsCompareExactly) {
  const char* near_53 = "9007199254740992.0\n9007199254740993\n";
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 > 9007199254740992.0", near_53),
            (Rows{{"9007199254740993"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 = 9007199254740992.0", near_53),
            (Rows{{"9007199254740992.0"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE CAST(_1 AS INT) > 9007199254740992.0", near_53),
            (Rows{{"9007199254740993"}}));
  const char* near_63 = "9223372036854775808\n9223372036854775807\n9223372036854775806\n";
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 = 9223372036854775807", near_63),
            (Rows{{"9223372036854775807"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 < 9223372036854775808", near_63),
            (Rows{{"9223372036854775807"}, {"9223372036854775806"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 = 9223372036854775808", near_63),
            (Rows{{"9223372036854775808"}}));
  // Fractions and negatives on either side of an INT; the most negative INT.
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 > -5.5 AND _1 < 5.5", "-6\n-5\n5\n6\n"),
            (Rows{{"-5"}, {"5"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 < -9223372036854775808.0",
               "-9223372036854775808\n-1e19\n"),
            (Rows{{"-1e19"}}));
  // MIN and MAX alike, whichever comes first.
  EXPECT_EQ(ok("SELECT MAX(_1), MIN(_1) FROM S3Object", near_53),
            (Rows{{"9007199254740993", "9007199254740992"}}));
  EXPECT_EQ(ok("SELECT MIN(_1), MAX(_1) FROM S3Object", near_63),
            (Rows{{"9223372036854775806", "9223372036854775808"}}));
}

TEST(SelectSql, NullHandling) {
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _2 IS NULL", "a\nb,1\n"), (Rows{{"a"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _2 IS NOT NULL", "a\nb,1\n"), (Rows{{"b"}}));
  // Comparisons with NULL are UNKNOWN, even negated.
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE NOT _2 = '1'", "a\nb,1\nc,2\n"), (Rows{{"c"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _2 = '1' OR _3 IS NULL", "a\n"), (Rows{{"a"}}));
}

TEST(SelectSql, Like) {
  EXPECT_TRUE(like_match("hello", "h%o"));
  EXPECT_TRUE(like_match("hello", "%"));
  EXPECT_TRUE(like_match("", "%"));
  EXPECT_FALSE(like_match("", "_"));
  EXPECT_TRUE(like_match("hello", "h_llo"));
  EXPECT_FALSE(like_match("hello", "h_lo"));
  EXPECT_TRUE(like_match("abcabc", "%abc"));
  EXPECT_TRUE(like_match("a%b", "a!%b", '!'));
  EXPECT_FALSE(like_match("axb", "a!%b", '!'));
  EXPECT_TRUE(like_match("a_b", "a\\_b", '\\'));
  EXPECT_FALSE(like_match("Hello", "hello"));  // case-sensitive
  EXPECT_TRUE(like_match("mississippi", "%ss%ss%i"));
  EXPECT_EQ(ok("SELECT name FROM S3Object WHERE name LIKE '%o%'", kPeople, true),
            (Rows{{"bob"}, {"Carol"}}));
  EXPECT_EQ(ok("SELECT name FROM S3Object WHERE name NOT LIKE '_a%'", kPeople, true),
            (Rows{{"Alice"}, {"bob"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE '10#%' ESCAPE '#'", "10%\n100\n"),
            (Rows{{"10%"}}));
  // An ESCAPE literal of other than one character is refused as the query is
  // read (it was at the first record: not at all over no records).
  EXPECT_EQ(parse_error("SELECT _1 FROM S3Object WHERE _1 LIKE 'a' ESCAPE 'ab'"),
            "SQL syntax error at position 50: LIKE ... ESCAPE needs a string of one ASCII "
            "character, found 'ab'");
  // (Bytes, not characters: one character of two bytes is said so.)
  EXPECT_EQ(parse_error("SELECT _1 FROM S3Object WHERE _1 LIKE 'a' ESCAPE '\xc3\xa9'"),
            "SQL syntax error at position 50: LIKE ... ESCAPE needs a string of one ASCII "
            "character, found '\xc3\xa9'");
  EXPECT_NE(parse_error("SELECT _1 FROM S3Object WHERE _1 LIKE 'a' ESCAPE ''"), "");
  // A pattern that ends with its escape character escapes nothing: refused as
  // SQL refuses it. (A trailing '%' escape matched one or more characters, a
  // trailing '!' itself.) Doubled, it is the character.
  for (const char* pattern : {"a%", "%", "a!", "a!!!"}) {
    const char escape = std::string_view(pattern).find('!') != std::string_view::npos ? '!' : '%';
    const std::string sql = std::string("SELECT _1 FROM S3Object WHERE _1 LIKE '") + pattern +
                            "' ESCAPE '" + escape + "'";
    EXPECT_EQ(parse_error(sql), std::string("LIKE pattern '") + pattern +
                                    "' ends with its ESCAPE character '" + escape +
                                    "', which escapes nothing there: double it ('" + escape +
                                    escape + "') to match the character itself")
        << sql;
  }
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE 'a%%' ESCAPE '%'", "a%\nab\na\na!\n"),
            (Rows{{"a%"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE 'a!!' ESCAPE '!'", "a!\nab\na\n"),
            (Rows{{"a!"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE '__' ESCAPE '_'", "_\n__\nab\n"),
            (Rows{{"_"}}));
  // A pattern from the data is checked at the record it comes from.
  auto from_data = run("SELECT _1 FROM S3Object WHERE _1 LIKE _2 ESCAPE '!'", "a,a\nb,b!\n");
  ASSERT_FALSE(from_data.has_value());
  EXPECT_EQ(from_data.error().message,
            "LIKE pattern 'b!' ends with its ESCAPE character '!', which escapes nothing there: "
            "double it ('!!') to match the character itself");
  // The data said no, not the command: exit 1, as a failed CAST (it was 2, a usage error,
  // after rows were printed). The same for an escape from the data.
  EXPECT_EQ(from_data.error().kind, ErrorKind::data);
  auto escape_from_data = run("SELECT _1 FROM S3Object WHERE _1 LIKE 'a' ESCAPE _2", "a,!\nb,ab\n");
  ASSERT_FALSE(escape_from_data.has_value());
  EXPECT_EQ(escape_from_data.error().kind, ErrorKind::data);
  EXPECT_EQ(escape_from_data.error().message,
            "LIKE ... ESCAPE needs a string of one ASCII character, got 'ab' from the object");
  EXPECT_FALSE(like_pattern_error("a!%", '!'));
  EXPECT_FALSE(like_pattern_error("a%", std::nullopt));
  // '_' is one character, however many bytes it takes in UTF-8.
  const std::string names = "Jos\xC3\xA9\nJose\n\xE6\x97\xA5\xE6\x9C\xAC\nab\n\xF0\x9F\x98\x80x\n";
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE 'Jos_'", names),
            (Rows{{"Jos\xC3\xA9"}, {"Jose"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE '__'", names),
            (Rows{{"\xE6\x97\xA5\xE6\x9C\xAC"}, {"ab"}, {"\xF0\x9F\x98\x80x"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE '%_x'", names),
            (Rows{{"\xF0\x9F\x98\x80x"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE '%\xE6\x9C\xAC'", names),
            (Rows{{"\xE6\x97\xA5\xE6\x9C\xAC"}}));
  // Bytes that are no valid UTF-8 are a character each, as the output shows
  // them (one U+FFFD each): an encoded surrogate (3 bytes) and a code point
  // past U+10FFFF (4) were one character, an overlong '/' and a cut-off
  // sequence two.
  const std::string invalid = "\xED\xA0\x80\n\xF4\x90\x80\x80\n\xC0\xAF\n\xE6\x97\n";
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE '_'", invalid), (Rows{}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE '__'", invalid),
            (Rows{{"\xC0\xAF"}, {"\xE6\x97"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE '___'", invalid), (Rows{{"\xED\xA0\x80"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 LIKE '____'", invalid),
            (Rows{{"\xF4\x90\x80\x80"}}));
}

TEST(SelectSql, CastFailureIsAClearError) {
  auto r = run("SELECT CAST(_1 AS INT) FROM S3Object", "12\nabc\n");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::data);  // the data said no: exit 1, not 2
  EXPECT_EQ(r.error().message, "CAST failed: 'abc' is not a valid INT");
  auto lit = run("SELECT _1 FROM S3Object WHERE CAST('abc' AS INT) = 1", "1\n");
  ASSERT_FALSE(lit.has_value());
  EXPECT_EQ(lit.error().message, "CAST failed: 'abc' is not a valid INT");
  // The type as the query names it (DECIMAL, read as FLOAT, was called FLOAT).
  for (const char* type : {"DECIMAL", "INTEGER", "FLOAT"}) {
    auto named = run(std::string("SELECT CAST(_1 AS ") + type + ") FROM S3Object", "abc\n");
    ASSERT_FALSE(named.has_value()) << type;
    EXPECT_EQ(named.error().message, std::string("CAST failed: 'abc' is not a valid ") + type);
  }
  auto lower = run("SELECT CAST(_1 AS decimal) FROM S3Object", "true\n");
  ASSERT_FALSE(lower.has_value());
  EXPECT_EQ(lower.error().message, "CAST failed: 'true' is not a valid DECIMAL");
  // Out of range: the text as written (it said 1e+20, the double it was read into).
  auto big = run("SELECT CAST(_1 AS INT) FROM S3Object", "99999999999999999999\n");
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().message, "CAST failed: '99999999999999999999' is out of range for INT");
  // INT's range is [-2^63, 2^63) exactly: doubles up to just below 2^63 fit (a bound of
  // 9.2e18 refused 9.21e18 as out of range), 2^63 itself does not.
  EXPECT_EQ(ok("SELECT CAST(_1 AS INT) FROM S3Object", "9.22e18\n-9.223372036854775808e18\n"),
            (Rows{{"9220000000000000000"}, {"-9223372036854775808"}}));
  auto two_to_63 = run("SELECT CAST(_1 AS INT) FROM S3Object", "9.223372036854775808e18\n");
  ASSERT_FALSE(two_to_63.has_value());
  EXPECT_EQ(two_to_63.error().message,
            "CAST failed: '9.223372036854775808e18' is out of range for INT");
  // Text is cut to INT from its digits, not from the double it rounds to: below INT's
  // least it went to the least (and matched it), past 2^53 the fraction was rounded up
  // before it was cut, and 2^63 - 1 with a fraction rounded over the bound.
  for (const char* below : {"-9223372036854775809", "-9223372036854776000", "-1e19"}) {
    auto refused = run("SELECT CAST(_1 AS INT) FROM S3Object", std::string(below) + "\n");
    ASSERT_FALSE(refused.has_value()) << below;
    EXPECT_EQ(refused.error().message,
              std::string("CAST failed: '") + below + "' is out of range for INT");
  }
  EXPECT_EQ(ok("SELECT CAST(_1 AS INT) FROM S3Object",
               "9007199254740993.5\n9223372036854775807.5\n-9223372036854775808.9\n"
               " +12.99e1 \n-0.5\n0.000e5\n1234.5e-2\n.5\n7.\n1e18\n" +
                   // A mantissa longer than the exponent's bound, and an exponent past it.
                   std::string("1") + std::string(1'000'005, '0') + "e-1000000000\n"),
            (Rows{{"9007199254740993"},
                  {"9223372036854775807"},
                  {"-9223372036854775808"},
                  {"129"},
                  {"0"},
                  {"0"},
                  {"12"},
                  {"0"},
                  {"7"},
                  {"1000000000000000000"},
                  {"0"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE CAST(_1 AS INT) = -9223372036854775808",
               "-9223372036854775808\n-9223372036854775808.5\n-9223372036854775807\n"),
            (Rows{{"-9223372036854775808"}, {"-9223372036854775808.5"}}));
  // Past any double too: out of range for INT and FLOAT alike, not "not a valid" number.
  for (const char* type : {"INT", "FLOAT", "DECIMAL"}) {
    auto huge = run(std::string("SELECT CAST(_1 AS ") + type + ") FROM S3Object", "1e400\n");
    ASSERT_FALSE(huge.has_value()) << type;
    EXPECT_EQ(huge.error().message,
              std::string("CAST failed: '1e400' is out of range for ") + type);
  }
  auto inf = run("SELECT CAST(_1 AS FLOAT) FROM S3Object", "inf\n");
  ASSERT_FALSE(inf.has_value());
  EXPECT_EQ(inf.error().message, "CAST failed: 'inf' is not a valid FLOAT");
  // A long field is cut in the line, at a character boundary, its length said.
  const std::string long_field = std::string(59, 'a') + "\xC3\xA9" + std::string(10000, 'b');
  auto long_cast = run("SELECT CAST(_1 AS INT) FROM S3Object", long_field + "\n");
  ASSERT_FALSE(long_cast.has_value());
  EXPECT_EQ(long_cast.error().message,
            "CAST failed: '" + std::string(59, 'a') + "...' (10061 bytes) is not a valid INT");
  auto long_sum = run("SELECT SUM(_1) FROM S3Object", std::string(61, 'x') + "\n");
  ASSERT_FALSE(long_sum.has_value());
  EXPECT_EQ(long_sum.error().message,
            "SUM: '" + std::string(60, 'x') + "...' (61 bytes) is not a number (use CAST)");
  EXPECT_EQ(ok("SELECT CAST(_1 AS INT), CAST(_1 AS FLOAT), CAST(CAST(_1 AS INT) AS STRING) "
               "FROM S3Object",
               "1.9\n"),
            (Rows{{"1", "1.9", "1"}}));
}

TEST(SelectSql, Aggregates) {
  EXPECT_EQ(ok("SELECT COUNT(*), COUNT(age), SUM(CAST(age AS INT)), MIN(CAST(age AS INT)), "
               "MAX(CAST(age AS INT)), AVG(CAST(age AS INT)) FROM S3Object WHERE age <> ''",
               kPeople, true),
            (Rows{{"3", "3", "96", "25", "41", "32"}}));
  EXPECT_EQ(ok("SELECT count(*), sum(_1), avg(_1) FROM S3Object WHERE _1 = 'none'", "1\n"),
            (Rows{{"0", "", ""}}));
  EXPECT_EQ(ok("SELECT SUM(CAST(_1 AS FLOAT)), AVG(_1), MIN(_1) FROM S3Object", "1.5\n2\n"),
            (Rows{{"3.5", "1.75", "1.5"}}));
  // Items with the same argument share its value per record; others do not.
  EXPECT_EQ(ok("SELECT MIN(CAST(_1 AS INT)), MAX(CAST(_2 AS INT)), MIN(_1), "
               "MAX(CAST(_1 AS INT)), COUNT(CAST(_1 AS INT)) FROM S3Object",
               "3,9\n1,4\n2,5\n"),
            (Rows{{"1", "9", "1", "3", "3"}}));
  auto bad = run("SELECT SUM(_1) FROM S3Object", "1\nx\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "SUM: 'x' is not a number (use CAST)");
  EXPECT_EQ(bad.error().kind, ErrorKind::data);
  // A boolean: CAST does not help there (it refuses a boolean too).
  auto boolean = run("SELECT SUM(_1 LIKE 'a%') FROM S3Object", "alice\nbob\n");
  ASSERT_FALSE(boolean.has_value());
  EXPECT_EQ(boolean.error().message,
            "SUM: 'true' is a boolean, not a number (to count the rows where it holds, put it "
            "in WHERE and select COUNT(*))");
}

TEST(SelectSql, IntegerSumsAreExactPast64Bits) {
  // 2^63 - 1, then 1, then -5: the running sum passes INT64_MAX; a double
  // would print 9223372036854775808.
  EXPECT_EQ(ok("SELECT SUM(CAST(_1 AS INT)) FROM S3Object", "9223372036854775807\n1\n-5\n"),
            (Rows{{"9223372036854775803"}}));
  EXPECT_EQ(ok("SELECT SUM(_1) FROM S3Object",
               "-9223372036854775808\n-9223372036854775808\n-9223372036854775808\n"),
            (Rows{{"-27670116110564327424"}}));
  EXPECT_EQ(ok("SELECT SUM(_1), AVG(_1) FROM S3Object", "-7\n0\n"), (Rows{{"-7", "-3.5"}}));
  // Merged across ranges too.
  auto ev =
      Evaluator::create(parse_sql("SELECT SUM(_1) FROM S3Object").value(), std::nullopt).value();
  AggregateState a = ev.new_state(), b = ev.new_state();
  const std::vector<std::string_view> big = {"9223372036854775807"};
  ASSERT_TRUE(ev.accumulate(big, a).has_value());
  ASSERT_TRUE(ev.accumulate(big, b).has_value());
  EXPECT_EQ(finish(merge(a, b)).value(), std::vector<std::string>{"18446744073709551614"});
}

TEST(SelectSql, JsonTypesOfAProjectedRowAndOfAnAggregateRow) {
  auto ev = Evaluator::create(parse_sql("SELECT CAST(_1 AS INT), _1, _2 IS NULL, _3, "
                                        "CAST(_1 AS FLOAT) FROM S3Object")
                                  .value(),
                              std::nullopt)
                .value();
  std::vector<std::string> row;
  const std::vector<std::string_view> record = {"5", "a"};
  ASSERT_TRUE(ev.project(record, row).value());
  EXPECT_EQ(row, (std::vector<std::string>{"5", "5", "false", "", "5"}));
  EXPECT_EQ(ev.row_json_types(),
            (std::vector<JsonType>{JsonType::number, JsonType::string, JsonType::boolean,
                                   JsonType::null, JsonType::number}));
  auto star = Evaluator::create(parse_sql("SELECT * FROM S3Object").value(), std::nullopt).value();
  ASSERT_TRUE(star.project(record, row).value());
  EXPECT_TRUE(star.row_json_types().empty());  // CSV fields: strings
  const std::vector<std::string> aggregates = {"3", "", "2.5"};
  EXPECT_EQ(finish_json_types(aggregates),
            (std::vector<JsonType>{JsonType::number, JsonType::null, JsonType::number}));
}

TEST(SelectSql, OutputNames) {
  auto names = [](std::string_view sql, Header h, std::size_t width) {
    auto ev = Evaluator::create(parse_sql(sql).value(), h).value();
    return ev.output_names(width);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names("SELECT * FROM S3Object", V{"a", "b"}, 2), (V{"a", "b"}));
  EXPECT_EQ(names("SELECT * FROM S3Object", std::nullopt, 3), (V{"_1", "_2", "_3"}));
  EXPECT_EQ(names("SELECT b, _1, CAST(a AS INT), a AS x FROM S3Object", V{"a", "b"}, 2),
            (V{"b", "_1", "_3", "x"}));
  EXPECT_EQ(names("SELECT COUNT(*), SUM(_1) total FROM S3Object", std::nullopt, 1),
            (V{"_1", "total"}));
}

TEST(SelectSql, BindErrors) {
  auto e1 = Evaluator::create(parse_sql("SELECT nope FROM S3Object").value(),
                              std::vector<std::string>{"a"});
  ASSERT_FALSE(e1.has_value());
  EXPECT_EQ(e1.error().message, "unknown column 'nope' (not in the CSV header)");
  auto e2 = Evaluator::create(parse_sql("SELECT a FROM S3Object").value(), std::nullopt);
  ASSERT_FALSE(e2.has_value());
  EXPECT_NE(e2.error().message.find("FileHeaderInfo USE"), std::string::npos);
  // A position that is none is said so (it said "referenced by name": the user wrote a
  // position).
  for (const char* position : {"_0", "_00", "_99999999999999999999"}) {
    auto e = Evaluator::create(
        parse_sql(std::string("SELECT s.") + position + " FROM S3Object s").value(), std::nullopt);
    ASSERT_FALSE(e.has_value()) << position;
    EXPECT_EQ(e.error().message, std::string("column '") + position +
                                     "' is no column position: they are _1, _2, ... up to "
                                     "_2147483647");
  }
  // Quoted names are case-sensitive.
  EXPECT_FALSE(Evaluator::create(parse_sql("SELECT \"A\" FROM S3Object").value(),
                                 std::vector<std::string>{"a"})
                   .has_value());
  EXPECT_TRUE(
      Evaluator::create(parse_sql("SELECT A FROM S3Object").value(), std::vector<std::string>{"a"})
          .has_value());
}

TEST(SelectSql, WhereMustBeAConditionWhenParsed) {
  // Refused when parsed -- before any request, and over an empty object too.
  const std::string message =
      " must be a condition (a comparison, LIKE, IS [NOT] NULL, TRUE, FALSE, or AND, OR, NOT of "
      "them), not a value";
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE id"), "WHERE at position 30" + message);
  EXPECT_EQ(parse_error("SELECT * FROM S3Object s WHERE s.id = '1' AND CAST(s.n AS INT)"),
            "WHERE at position 32" + message);
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE NOT 'x'"), "WHERE at position 30" + message);
  EXPECT_EQ(parse_error("SELECT COUNT(*) FROM S3Object WHERE 1"), "WHERE at position 37" + message);
  for (const char* sql : {"SELECT * FROM S3Object WHERE NOT (_1 = '1' OR _2 LIKE 'a%')",
                          "SELECT * FROM S3Object WHERE _1 IS NOT NULL AND NULL",
                          "SELECT * FROM S3Object WHERE (((_1 < _2)))",
                          "SELECT * FROM S3Object WHERE TRUE", "SELECT * FROM S3Object WHERE false",
                          "SELECT * FROM S3Object WHERE NOT FALSE AND (TRUE OR _1 = '1')"}) {
    EXPECT_TRUE(parse_sql(sql).has_value()) << sql;
  }
  // CAST of a boolean is still a value.
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE CAST(TRUE AS STRING)"),
            "WHERE at position 30" + message);
}

TEST(SelectSql, TrueAndFalseAreBooleanLiterals) {
  const char* text = "id,ok\n1,a\n2,b\n";
  // In WHERE, any case, alone or with others.
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE TRUE", text, true), (Rows{{"1"}, {"2"}}));
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE tRuE", text, true), (Rows{{"1"}, {"2"}}));
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE FALSE", text, true), Rows{});
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE NOT FALSE", text, true), (Rows{{"1"}, {"2"}}));
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE NOT TRUE", text, true), Rows{});
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE id = '2' AND TRUE", text, true), (Rows{{"2"}}));
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE id = '2' AND false", text, true), Rows{});
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE id = '2' OR TRUE", text, true), (Rows{{"1"}, {"2"}}));
  // A condition compared with a boolean; NULL AND TRUE is unknown, NULL OR TRUE true.
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE (id = '1') = TRUE", text, true), (Rows{{"1"}}));
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE (id = '1') <> TRUE", text, true), (Rows{{"2"}}));
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE FALSE = (id = '1')", text, true), (Rows{{"2"}}));
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE NULL AND TRUE", text, true), Rows{});
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE NULL OR TRUE", text, true), (Rows{{"1"}, {"2"}}));
  // In the SELECT list: printed true and false, typed boolean for JSON; named _N.
  EXPECT_EQ(ok("SELECT TRUE, id, FALSE FROM S3Object LIMIT 1", text, true),
            (Rows{{"true", "1", "false"}}));
  EXPECT_EQ(ok("SELECT TRUE FROM S3Object", text, true), (Rows{{"true"}, {"true"}}));
  EXPECT_EQ(ok("SELECT CAST(FALSE AS STRING) FROM S3Object LIMIT 1", text, true),
            (Rows{{"false"}}));
  EXPECT_EQ(ok("SELECT COUNT(*), COUNT(TRUE) FROM S3Object WHERE TRUE", text, true),
            (Rows{{"2", "2"}}));
  auto ev =
      Evaluator::create(parse_sql("SELECT TRUE, false AS f FROM S3Object").value(), std::nullopt)
          .value();
  EXPECT_EQ(ev.output_names(1), (std::vector<std::string>{"_1", "f"}));
  std::vector<std::string> row;
  const std::vector<std::string_view> record = {"x"};
  ASSERT_TRUE(ev.project(record, row).value());
  EXPECT_EQ(row, (std::vector<std::string>{"true", "false"}));
  EXPECT_EQ(ev.row_json_types(), (std::vector<JsonType>{JsonType::boolean, JsonType::boolean}));
  // A column of flags compared with TRUE/FALSE: the words true and false, any case and
  // blanks around; anything else ('1', 'yes') is no boolean, so the comparison is UNKNOWN.
  const char* flags = "id,flag\n1,true\n2,FALSE\n3, True \n4,1\n5,yes\n6,\n";
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE flag = TRUE", flags, true), (Rows{{"1"}, {"3"}}));
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE FALSE = flag", flags, true), (Rows{{"2"}}));
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE flag <> TRUE", flags, true), (Rows{{"2"}}));
  EXPECT_EQ(ok("SELECT id FROM S3Object WHERE NOT (flag = TRUE)", flags, true), (Rows{{"2"}}));
  // A boolean is no number: CAST and SUM refuse it as they refuse a word.
  EXPECT_FALSE(run("SELECT CAST(TRUE AS INT) FROM S3Object", text, true).has_value());
  EXPECT_FALSE(run("SELECT SUM(TRUE) FROM S3Object", text, true).has_value());
}

TEST(SelectSql, AColumnNamedTrueIsReachedQuotedOrQualified) {
  const char* text = "true,false\nx,y\n";
  EXPECT_EQ(ok("SELECT \"true\", s.false FROM S3Object s", text, true), (Rows{{"x", "y"}}));
  EXPECT_EQ(ok("SELECT \"true\" FROM S3Object WHERE \"false\" = 'y'", text, true), (Rows{{"x"}}));
  // Unquoted, it is the literal (not the column), and no alias either.
  EXPECT_EQ(ok("SELECT true FROM S3Object", text, true), (Rows{{"true"}}));
  EXPECT_EQ(parse_error("SELECT * FROM S3Object true"),
            "SQL syntax error at position 24: unexpected token, found 'true'");
}

TEST(SelectSql, BooleanLiteralsPrintBackForTheServer) {
  auto q =
      parse_sql("SELECT COUNT(*) FROM S3Object s WHERE (s.a = 'x') = true OR NOT FALSE").value();
  EXPECT_EQ(to_sql(q, q.where), "(((s.a = 'x') = TRUE) OR (NOT FALSE))");
  EXPECT_EQ(partial_aggregate_sql(q),
            "SELECT COUNT(*) FROM S3Object s WHERE (((s.a = 'x') = TRUE) OR (NOT FALSE))");
  auto again = parse_sql("SELECT * FROM S3Object s WHERE " + to_sql(q, q.where)).value();
  EXPECT_EQ(to_sql(again, again.where), to_sql(q, q.where));
  auto column = parse_sql("SELECT \"true\", s.true FROM S3Object s").value();
  EXPECT_EQ(to_sql(column, column.items.at(0).expr), "\"true\"");
  EXPECT_EQ(to_sql(column, column.items.at(1).expr), "s.true");
}

TEST(SelectSql, UnsupportedConstructs) {
  EXPECT_EQ(parse_error("SELECT CASE WHEN _1 = '1' THEN 'a' END FROM S3Object"),
            "unsupported SQL: CASE (not implemented here)");
  EXPECT_EQ(parse_error("SELECT \"case\" FROM S3Object"), "<parsed>");
  EXPECT_EQ(parse_error("SELECT _1 FROM S3Object GROUP BY _1"),
            "unsupported SQL: GROUP BY (S3 Select has no GROUP BY)");
  EXPECT_EQ(parse_error("SELECT _1 FROM S3Object WHERE _1 = '1' ORDER BY _1"),
            "unsupported SQL: ORDER BY (S3 Select has no ORDER BY)");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object a JOIN S3Object b"),
            "unsupported SQL: JOIN (S3 Select queries one object)");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object, S3Object"),
            "unsupported SQL: JOIN (S3 Select queries one object)");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE _1 = (SELECT 1 FROM S3Object)"),
            "unsupported SQL: subquery (S3 Select has no subqueries)");
  EXPECT_EQ(parse_error("SELECT UPPER(_1) FROM S3Object"),
            "unsupported SQL: function UPPER (not implemented here)");
  EXPECT_EQ(parse_error("SELECT COUNT(*), _1 FROM S3Object"),
            "unsupported SQL: aggregates mixed with plain columns (S3 Select has no GROUP BY)");
  EXPECT_EQ(parse_error("SELECT DISTINCT _1 FROM S3Object"),
            "unsupported SQL: DISTINCT (S3 Select has no DISTINCT)");
  EXPECT_EQ(parse_error("SELECT * FROM mytable"),
            "unsupported SQL: FROM mytable (the only table is S3Object)");
  EXPECT_EQ(parse_error("SELECT _1 + 1 FROM S3Object"),
            "unsupported SQL: operator + (arithmetic and || are not implemented here)");
  EXPECT_EQ(parse_error("SELECT CAST(_1 AS BOOL) FROM S3Object"),
            "unsupported SQL: CAST to BOOL (types: INT, INTEGER, FLOAT, DECIMAL, NUMERIC, STRING)");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE _1 IN ('a')"),
            "unsupported SQL: IN (not implemented here)");
}

// Arithmetic after an aggregate said "expected FROM, found '+'": it is named
// as "_1 + 1" is.
TEST(SelectSql, ArithmeticAfterAnAggregateIsNamed) {
  const std::string why = " (arithmetic and || are not implemented here)";
  EXPECT_EQ(parse_error("SELECT COUNT(*) + 1 FROM S3Object"), "unsupported SQL: operator +" + why);
  EXPECT_EQ(parse_error("SELECT SUM(CAST(id AS INT)) / COUNT(*) FROM S3Object"),
            "unsupported SQL: operator /" + why);
  EXPECT_EQ(parse_error("SELECT COUNT(*), MAX(_1) -1 FROM S3Object"),
            "unsupported SQL: operator -" + why);
  EXPECT_EQ(parse_error("SELECT MIN(_1) || 'x' FROM S3Object"),
            "unsupported SQL: operator ||" + why);
  EXPECT_EQ(parse_error("SELECT COUNT(*) AS n, AVG(CAST(_1 AS INT)) m FROM S3Object"), "<parsed>");
  // A comparison of one (a HAVING in the SELECT list) said "expected FROM, found '>'".
  EXPECT_EQ(parse_error("SELECT COUNT(*) > 1 FROM S3Object"),
            "unsupported SQL: a comparison of COUNT(...) (an aggregate stands alone in the SELECT "
            "list here)");
  EXPECT_EQ(parse_error("SELECT max(_1) <> 'x' FROM S3Object"),
            "unsupported SQL: a comparison of MAX(...) (an aggregate stands alone in the SELECT "
            "list here)");
}

// A sign before anything but a number said "expected an expression, found
// '-'": it is arithmetic too.
TEST(SelectSql, ASignBeforeAnythingButANumberIsNamedAsArithmetic) {
  const std::string why = " (arithmetic and || are not implemented here)";
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE -CAST(id AS INT) < 0"),
            "unsupported SQL: operator -" + why);
  EXPECT_EQ(parse_error("SELECT -x FROM S3Object"), "unsupported SQL: operator -" + why);
  EXPECT_EQ(parse_error("SELECT -(1) FROM S3Object"), "unsupported SQL: operator -" + why);
  EXPECT_EQ(parse_error("SELECT SUM(-x) FROM S3Object"), "unsupported SQL: operator -" + why);
  EXPECT_EQ(parse_error("SELECT +x FROM S3Object"), "unsupported SQL: operator +" + why);
  // A minus before a number is the number's sign.
  EXPECT_EQ(ok("SELECT -5, _1 FROM S3Object WHERE CAST(_1 AS INT) > - 5", "-7\n-3\n"),
            (Rows{{"-5", "-3"}}));
}

// Each level of parentheses, CAST( and NOT recursed in the parser (and in
// evaluation): thousands of them overflowed the stack (SIGSEGV).
TEST(SelectSql, NestingDepthIsLimited) {
  auto repeat = [](std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const std::string parens = "SELECT * FROM S3Object WHERE " + repeat("(", kMaxSqlNesting) +
                             "_1 = '1'" + repeat(")", kMaxSqlNesting);
  const std::string casts = "SELECT " + repeat("CAST(", kMaxSqlNesting) + "_1" +
                            repeat(" AS STRING)", kMaxSqlNesting) + " FROM S3Object";
  const std::string nots =
      "SELECT * FROM S3Object WHERE " + repeat("NOT ", kMaxSqlNesting) + "_1 = '1'";
  const std::string mixed = "SELECT * FROM S3Object WHERE " + repeat("NOT (CAST(", 66) + "_1" +
                            repeat(" AS STRING) = 'x')", 66);  // 3 levels each
  for (const std::string& sql : {parens, casts, nots, mixed}) {
    EXPECT_EQ(parse_error(sql), "<parsed>");
  }
  EXPECT_EQ(ok(parens, "1\n2\n"), (Rows{{"1"}}));
  EXPECT_EQ(ok(casts, "1\n2\n"), (Rows{{"1"}, {"2"}}));
  EXPECT_EQ(ok(nots, "1\n2\n"), (Rows{{"1"}}));  // an even number of NOTs

  const std::string message = "levels of parentheses, CAST and NOT";
  const std::string limit = "at most " + std::to_string(kMaxSqlNesting) + " " + message;
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE " + repeat("(", kMaxSqlNesting + 1) +
                        "_1 = '1'" + repeat(")", kMaxSqlNesting + 1)),
            "SQL nested too deeply at position " + std::to_string(30 + kMaxSqlNesting + 1) + ": " +
                limit);
  for (int n : {kMaxSqlNesting + 1, 5000, 10000}) {
    const std::string deep_parens =
        "SELECT * FROM S3Object WHERE " + repeat("(", n) + "id = '1'" + repeat(")", n);
    const std::string deep_casts =
        "SELECT " + repeat("CAST(", n) + "_1" + repeat(" AS INT)", n) + " FROM S3Object";
    const std::string deep_nots = "SELECT * FROM S3Object WHERE " + repeat("NOT ", n) + "_1 = '1'";
    const std::string deep_count =
        "SELECT COUNT(" + repeat("(", n) + "_1" + repeat(")", n) + ") FROM S3Object";
    for (const std::string& sql : {deep_parens, deep_casts, deep_nots, deep_count}) {
      const std::string error = parse_error(sql);
      EXPECT_NE(error.find(limit), std::string::npos) << n << ": " << error.substr(0, 200);
    }
  }
}

// Generated chains of thousands of ORs (or ANDs) are built as balanced trees:
// a left-deep tree made evaluation recurse once per term and overflowed the
// stack near 12,000 terms. The shape must not change results, short-circuits
// or which error is met first.
TEST(SelectSql, LongAndOrChainsAreBalanced) {
  constexpr int kTerms = 30000;  // the left-deep tree crashed at ~12,000
  std::string any_of = "SELECT _1 FROM S3Object WHERE _1 = 'v0'";
  std::string none_of = "SELECT _1 FROM S3Object WHERE _1 <> 'v0'";
  for (int i = 1; i < kTerms; ++i) {
    any_of += " OR _1 = 'v" + std::to_string(i) + "'";
    none_of += " AND _1 <> 'v" + std::to_string(i) + "'";
  }
  const std::string data = "v0\nv29999\nx\nv15000\nv30000\n";
  EXPECT_EQ(ok(any_of, data), (Rows{{"v0"}, {"v29999"}, {"v15000"}}));
  EXPECT_EQ(ok(none_of, data), (Rows{{"x"}, {"v30000"}}));

  // The tree printed for a server is as shallow as the tree itself.
  auto q = parse_sql(any_of).value();
  const std::string printed = to_sql(q, q.where);
  int depth = 0;
  int deepest = 0;
  for (char c : printed) {
    if (c == '(') deepest = std::max(deepest, ++depth);
    if (c == ')') --depth;
  }
  EXPECT_LE(deepest, 17);  // log2(30,000) levels of OR, one of '='

  // Left to right, as written: the first TRUE ends an OR chain before a
  // later term can fail, and the first failing term is the one reported.
  std::string guarded = "SELECT _1 FROM S3Object WHERE _1 = 'a'";
  for (int i = 0; i < 7; ++i) guarded += " OR CAST(_" + std::to_string(i % 2 + 1) + " AS INT) = 1";
  EXPECT_EQ(ok(guarded, "a,zz\n1,zz\n"), (Rows{{"a"}, {"1"}}));
  auto failed = run(guarded, "b,zz\n");
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().message, "CAST failed: 'b' is not a valid INT");
  // UNKNOWN (a missing column) OR ... FALSE ... TRUE is TRUE; AND with FALSE is FALSE.
  EXPECT_EQ(
      ok("SELECT _1 FROM S3Object WHERE _3 = '1' OR _1 = 'q' OR _1 = 'r' OR _1 = 'p'", "p\nq\nz\n"),
      (Rows{{"p"}, {"q"}}));
  EXPECT_EQ(
      ok("SELECT _1 FROM S3Object WHERE NOT (_3 = '1' AND _1 = 'q' AND _1 <> 'r')", "p\nq\nz\n"),
      (Rows{{"p"}, {"z"}}));
}

// PartiQL's comments: a pasted query with them was "unsupported SQL: operator -".
TEST(SelectSql, CommentsAreSkipped) {
  EXPECT_EQ(ok("SELECT _1 FROM S3Object -- the first column\nWHERE _1 = 'b' -- only b", "a\nb\n"),
            (Rows{{"b"}}));
  EXPECT_EQ(ok("SELECT /* all */ * FROM /* the object */ S3Object", "x,y\n"), (Rows{{"x", "y"}}));
  // Inside a string a comment is text.
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 = '--x'", "--x\ny\n"), (Rows{{"--x"}}));
  EXPECT_EQ(parse_error("SELECT * FROM S3Object /* open"),
            "SQL syntax error at position 24: unterminated comment (/* without */)");
}

TEST(SelectSql, NumbersBeyondADoubleAreNamedAndTinyOnesAreZero) {
  // It said "bad number, found 'AND'": the token after the number, and no word of range.
  EXPECT_EQ(parse_error("SELECT _1 FROM S3Object WHERE CAST(_1 AS FLOAT) < 1e999 AND _1 = '1'"),
            "SQL syntax error at position 51: the number 1e999 is out of range for FLOAT");
  EXPECT_EQ(parse_error("SELECT _1 FROM S3Object WHERE _1 > -1e999"),
            "SQL syntax error at position 37: the number -1e999 is out of range for FLOAT");
  // Too small for a double is 0, as the same text in a field reads.
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE CAST(_1 AS FLOAT) > 1e-400", "0\n1e-300\n"),
            (Rows{{"1e-300"}}));
}

TEST(SelectSql, CastToFloatKeepsTheSignOfZero) {
  // "-0" went through an INT and lost its sign; "-0.0" kept it.
  EXPECT_EQ(ok("SELECT CAST(_1 AS FLOAT), CAST(_1 AS DECIMAL) FROM S3Object", "-0\n-0.0\n0\n"),
            (Rows{{"-0", "-0"}, {"-0", "-0"}, {"0", "0"}}));
}

TEST(SelectSql, DecimalAndNumericTakePrecisionAndScale) {
  // S3 Select names the type DECIMAL or NUMERIC and ignores precision and scale.
  for (const char* type :
       {"NUMERIC", "numeric", "DECIMAL(10,2)", "NUMERIC(5)", "DECIMAL ( 3 , 1 )"}) {
    EXPECT_EQ(ok(std::string("SELECT CAST(_1 AS ") + type + ") FROM S3Object", "1.25\n"),
              (Rows{{"1.25"}}))
        << type;
  }
  EXPECT_EQ(parse_error("SELECT CAST(_1 AS DECIMAL(a)) FROM S3Object"),
            "SQL syntax error at position 27: expected a precision in DECIMAL(p, s), found 'a'");
  EXPECT_EQ(parse_error("SELECT CAST(_1 AS DECIMAL(1,2,3)) FROM S3Object"),
            "SQL syntax error at position 30: expected ) after DECIMAL's precision and scale, "
            "found ','");
  EXPECT_EQ(parse_error("SELECT CAST(_1 AS INT(3)) FROM S3Object"),
            "SQL syntax error at position 22: expected ) after CAST, found '('");
}

TEST(SelectSql, SyntaxErrorsNamePositionAndToken) {
  EXPECT_EQ(parse_error("SELEC * FROM S3Object"),
            "SQL syntax error at position 1: expected SELECT, found 'SELEC'");
  EXPECT_EQ(parse_error("SELECT * FORM S3Object"),
            "SQL syntax error at position 10: expected FROM, found 'FORM'");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE"),
            "SQL syntax error at position 29: expected an expression, found end of query");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE _1 = 'abc"),
            "SQL syntax error at position 35: unterminated string literal");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object LIMIT x"),
            "SQL syntax error at position 30: expected a number after LIMIT, found 'x'");
  // A whole number, only too large (it said "expected an integer LIMIT").
  EXPECT_EQ(parse_error("SELECT * FROM S3Object LIMIT 99999999999999999999"),
            "SQL syntax error at position 30: LIMIT is too large (at most "
            "18446744073709551615), found '99999999999999999999'");
  EXPECT_EQ(ok("SELECT _1 FROM S3Object LIMIT 18446744073709551615", "a\nb\n"),
            (Rows{{"a"}, {"b"}}));
  EXPECT_EQ(parse_error("SELECT * FROM S3Object s WHERE t._1 = '1'"),
            "unknown table alias 't' in t._1");
  EXPECT_EQ(parse_error("SELECT (_1 FROM S3Object"),
            "SQL syntax error at position 12: expected ), found 'FROM'");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE _1 = 1 extra"),
            "SQL syntax error at position 37: unexpected token, found 'extra'");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE _1 = $"),
            "SQL syntax error at position 35: unexpected character '$'");
  // Positions count characters, and a character outside ASCII is named whole.
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE _1 = '\xC3\xA9' AND _2 = \xE2\x82\xAC"),
            "SQL syntax error at position 48: unexpected character '\xE2\x82\xAC'");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE _1 = '\xE6\x97\xA5' x"),
            "SQL syntax error at position 39: unexpected token, found 'x'");
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE _1 = '\xE6\x97\xA5"),
            "SQL syntax error at position 35: unterminated string literal");
  // A lone lead byte or a broken sequence is one byte, not the bytes after it.
  EXPECT_EQ(parse_error("SELECT * FROM S3Object WHERE _1 = \xE2z"),
            "SQL syntax error at position 35: unexpected character '\xE2'");
}

TEST(SelectSql, LiteralsAndKeywordsCaseInsensitive) {
  auto q = parse_sql("sElEcT * FrOm s3OBJECT wHeRe _1 = 'it''s' LiMiT 5;").value();
  EXPECT_TRUE(q.select_star);
  EXPECT_EQ(q.limit, 5u);
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE _1 = 'it''s'", "it's\nits\n"), (Rows{{"it's"}}));
  EXPECT_EQ(ok("SELECT _1 FROM S3Object WHERE CAST(_1 AS DECIMAL) = 2.5e0", "2.5\n3\n"),
            (Rows{{"2.5"}}));
}

// ---- property: aggregates over ranges, merged, equal a single pass ----

std::string random_numeric_csv(std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::string text = "n,tag,note\n";
  const int records = pick(15);
  for (int r = 0; r < records; ++r) {
    text += std::to_string(pick(2001) - 1000);
    text += pick(2) ? ",a" : ",\"b,\"\"x\"\"\"";
    text += pick(2) ? ",\"p, q\"" : ",";
    const bool last = r == records - 1;
    if (!last || pick(2)) text += pick(2) ? "\r\n" : "\n";
  }
  return text;
}

TEST(SelectSql, PropertyRangedAggregatesMergeToSinglePass) {
  const char* sql =
      "SELECT COUNT(*), COUNT(tag), SUM(CAST(n AS INT)), MIN(CAST(n AS INT)), "
      "MAX(CAST(n AS INT)), AVG(CAST(n AS INT)) FROM S3Object s "
      "WHERE CAST(s.n AS INT) > -300 AND s.tag = 'a'";
  std::mt19937 rng(424242);
  for (int iter = 0; iter < 200; ++iter) {
    const std::string text = random_numeric_csv(rng);
    const Rows single = ok(sql, text, true);
    ASSERT_EQ(single.size(), 1u);
    const auto header = read_header(text);
    ASSERT_TRUE(header.has_value());
    auto ev = Evaluator::create(parse_sql(sql).value(), header).value();
    for (std::size_t size : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{9},
                             std::size_t{33}, text.size() + 5}) {
      AggregateState total = ev.new_state();
      for (std::size_t start = 0; start < text.size(); start += size) {
        const std::size_t end = std::min(start + size, text.size()) - 1;
        AggregateState part = ev.new_state();
        RangeReader rr(start, end, {}, FileHeaderInfo::use);
        bool failed = false;
        const RecordSink sink = [&](const CsvRecord& rec) {
          failed = failed || !ev.accumulate(rec.fields, part).has_value();
          return true;
        };
        if (!rr.feed(std::string_view(text).substr(start == 0 ? 0 : start - 1), sink)) {
          ASSERT_TRUE(rr.finish(sink).has_value());
        }
        ASSERT_FALSE(failed);
        total = merge(total, part);
      }
      ASSERT_EQ(finish(total).value(), single[0]) << "size " << size << " text:\n" << text;
    }
  }
}

TEST(SelectSql, MergeIsOrderIndependentForMinMax) {
  auto ev = Evaluator::create(parse_sql("SELECT MIN(_1), MAX(_1), AVG(_1) FROM S3Object").value(),
                              std::nullopt)
                .value();
  AggregateState a = ev.new_state(), b = ev.new_state(), empty = ev.new_state();
  const std::vector<std::string_view> r1 = {"5"}, r2 = {"-2.5"}, r3 = {"7"};
  ASSERT_TRUE(ev.accumulate(r1, a).has_value());
  ASSERT_TRUE(ev.accumulate(r2, b).has_value());
  ASSERT_TRUE(ev.accumulate(r3, b).has_value());
  const std::vector<std::string> expect = {"-2.5", "7", "3.1666666666666665"};
  EXPECT_EQ(finish(merge(a, b)).value(), expect);
  EXPECT_EQ(finish(merge(merge(empty, b), a)).value(), expect);
}

}  // namespace
}  // namespace s3loop::jobs::select
