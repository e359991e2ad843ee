// The pure parts of `select`: range planning, one range's evaluation (ranges
// combined must equal one pass), the order in which results are delivered,
// and the SelectObjectContent request.
#include "jobs/select_order.hpp"
#include "jobs/select_range.hpp"

#include "s3loop/jobs/select_job.hpp"
#include "s3loop/s3/xml.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <initializer_list>
#include <random>
#include <thread>

namespace s3loop::jobs {
namespace {

// --header USE (FileHeaderInfo as the API and aws cli's --input-serialization
// spell it) and --output JSON were refused: named as written in lower case only.
TEST(SelectFlags, HeaderAndOutputTakeTheirValuesInAnyCase) {
  EXPECT_EQ(parse_header_info("use").value(), select::FileHeaderInfo::use);
  EXPECT_EQ(parse_header_info("USE").value(), select::FileHeaderInfo::use);
  EXPECT_EQ(parse_header_info("Ignore").value(), select::FileHeaderInfo::ignore);
  EXPECT_EQ(parse_header_info("NONE").value(), select::FileHeaderInfo::none);
  EXPECT_EQ(parse_header_info("used").error().message,
            "--header 'used' is not one of use, ignore, none");
  EXPECT_EQ(parse_output("CSV").value(), SelectOutput::csv);
  EXPECT_EQ(parse_output("JSON").value(), SelectOutput::json);
  EXPECT_EQ(parse_output("Json").value(), SelectOutput::json);
  EXPECT_EQ(parse_output("xml").error().message, "--output 'xml' is not one of csv, json");
}

TEST(SelectPlan, RangesCoverTheObjectExactly) {
  EXPECT_EQ(range_count(0, 10), 0u);
  EXPECT_EQ(range_count(10, 10), 1u);
  EXPECT_EQ(range_count(11, 10), 2u);
  EXPECT_EQ(range_bytes(0, 11, 10).first, 0u);
  EXPECT_EQ(range_bytes(0, 11, 10).last, 9u);
  EXPECT_EQ(range_bytes(1, 11, 10).first, 10u);
  EXPECT_EQ(range_bytes(1, 11, 10).last, 10u);
}

// --chunk-size takes any 64-bit value: counting ranges must not wrap around
// to 0 ranges (an empty answer with exit 0).
TEST(SelectPlan, HugeChunksMakeOneRange) {
  constexpr std::uint64_t max = UINT64_MAX;
  for (const std::uint64_t chunk : {max, max - 1, max / 2 + 1, max / 2}) {
    EXPECT_EQ(range_count(1, chunk), 1u) << chunk;
    EXPECT_EQ(range_count(5000, chunk), 1u) << chunk;
    EXPECT_EQ(range_bytes(0, 5000, chunk).first, 0u) << chunk;
    EXPECT_EQ(range_bytes(0, 5000, chunk).last, 4999u) << chunk;
  }
  EXPECT_EQ(range_count(0, max), 0u);
  EXPECT_EQ(range_count(max, max), 1u);
  EXPECT_EQ(range_bytes(0, max, max).last, max - 1);
  EXPECT_EQ(range_count(max, max - 1), 2u);
  EXPECT_EQ(range_bytes(1, max, max - 1).first, max - 1);
  EXPECT_EQ(range_bytes(1, max, max - 1).last, max - 1);
  EXPECT_EQ(range_count(max, 1), max);
}

// "--require-columns 'id, name'" means id and name, not " name".
TEST(SelectPlan, RequiredColumnsAreTrimmed) {
  using Names = std::vector<std::string>;
  EXPECT_EQ(split_column_list("id, name"), (Names{"id", "name"}));
  EXPECT_EQ(split_column_list(" id ,\tname\t , city"), (Names{"id", "name", "city"}));
  EXPECT_EQ(split_column_list("first name,id"), (Names{"first name", "id"}));
  EXPECT_EQ(split_column_list("id,, ,"), (Names{"id"}));
  EXPECT_EQ(split_column_list(""), Names{});
}

// One range over the whole object, fed at once; the range must end there
// (its last record in, or LIMIT rows made).
RangeOutcome evaluate_whole(const SelectQuery& query, std::string_view object) {
  RangeEvaluator whole(query, s3::ByteRange{0, object.size() - 1});
  EXPECT_TRUE(whole.feed(object).value());
  return whole.take();
}

// Each row's end in a record query's output, as LIMIT finds them.
std::vector<std::size_t> row_ends(const SelectQuery& query, const RangeOutcome& out) {
  std::vector<std::size_t> ends;
  for (std::uint64_t rows = 1; rows <= out.matched; ++rows) {
    ends.push_back(bytes_of_rows(query, out, rows));
  }
  return ends;
}

SelectOptions options_for(std::string sql, SelectOutput output = SelectOutput::csv) {
  SelectOptions o;
  o.expression = std::move(sql);
  o.output = output;
  return o;
}

std::string csv_object(int rows, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out = "id,name,amount\n";
  for (int i = 1; i <= rows; ++i) {
    std::string name = "n" + std::to_string(rng() % 1000);
    if (rng() % 5 == 0) name = "\"quoted, \"\"name\"\"\"";  // delimiter and quotes inside
    out += std::to_string(i) + "," + name + "," +
           std::to_string(static_cast<int>(rng() % 2000) - 1000);
    out += rng() % 7 == 0 ? "\r\n" : "\n";
  }
  return out;
}

// Runs every range of `object` in pieces of `piece` bytes; returns the
// combined output (records in order, or the merged aggregate row).
struct Combined {
  std::string output;
  select::AggregateState partial;
  std::uint64_t matched = 0;
};

Combined run_ranges(const SelectQuery& query, std::string_view object, std::uint64_t chunk,
                    std::size_t piece) {
  Combined all;
  if (query.query.is_aggregate()) all.partial = query.query.new_state();
  for (std::uint64_t i = 0; i < range_count(object.size(), chunk); ++i) {
    const auto bytes = range_bytes(i, object.size(), chunk);
    RangeEvaluator range(query, bytes);
    std::size_t at = bytes.first == 0 ? 0 : bytes.first - 1;
    bool done = false;
    while (!done && at < object.size()) {
      done = range.feed(object.substr(at, piece)).value();
      at += piece;
    }
    if (!done) {
      EXPECT_TRUE(range.finish().has_value());
    }
    auto out = range.take();
    all.output += out.output;
    all.matched += out.matched;
    if (query.query.is_aggregate()) all.partial = select::merge(all.partial, out.partial);
  }
  return all;
}

std::optional<std::vector<std::string>> header() {
  return std::vector<std::string>{"id", "name", "amount"};
}

TEST(SelectRange, RangesTogetherGiveWhatOnePassGives) {
  const std::string object = csv_object(500, 7);
  for (const char* sql : {"SELECT * FROM S3Object",
                          "SELECT s.name, s.id FROM S3Object s WHERE CAST(s.amount AS INT) > 0",
                          "SELECT id FROM S3Object WHERE name LIKE '%quoted%'"}) {
    for (auto output : {SelectOutput::csv, SelectOutput::json}) {
      const auto query = make_select_query(options_for(sql, output), header()).value();
      const Combined one = run_ranges(query, object, object.size(), object.size());
      ASSERT_FALSE(one.output.empty()) << sql;
      for (std::uint64_t chunk : {1ull, 7ull, 64ull, 1000ull, 4096ull}) {
        for (std::size_t piece : {std::size_t{1}, std::size_t{13}, std::size_t{100000}}) {
          const Combined ranged = run_ranges(query, object, chunk, piece);
          EXPECT_EQ(ranged.output, one.output) << sql << " chunk " << chunk << " piece " << piece;
          EXPECT_EQ(ranged.matched, one.matched);
        }
      }
    }
  }
}

TEST(SelectRange, AggregatesMergeAcrossRanges) {
  const std::string object = csv_object(300, 11);
  const auto query =
      make_select_query(
          options_for("SELECT COUNT(*), SUM(CAST(amount AS INT)), MIN(CAST(amount AS INT)), "
                      "MAX(CAST(amount AS INT)), AVG(CAST(amount AS FLOAT)) FROM S3Object"),
          header())
          .value();
  const auto one = select::finish(run_ranges(query, object, object.size(), 4096).partial).value();
  EXPECT_EQ(one.at(0), "300");
  for (std::uint64_t chunk : {5ull, 333ull, 2048ull}) {
    EXPECT_EQ(select::finish(run_ranges(query, object, chunk, 17).partial).value(), one) << chunk;
  }
}

TEST(SelectRange, StopsFetchingAtTheRangeEndAndAtLimit) {
  const std::string object = "id\n1\n2\n3\n4\n5\n6\n";
  const auto query = make_select_query(options_for("SELECT id FROM S3Object"), {{"id"}}).value();
  RangeEvaluator first(query, s3::ByteRange{0, 4});  // "id\n1\n": header and record 1
  EXPECT_TRUE(first.feed(std::string_view(object).substr(0, 9)).value());
  EXPECT_EQ(first.take().output, "1\n");
  const auto limited =
      make_select_query(options_for("SELECT id FROM S3Object LIMIT 2"), {{"id"}}).value();
  const auto out = evaluate_whole(limited, object);
  EXPECT_EQ(out.output, "1\n2\n");
  EXPECT_EQ(row_ends(limited, out), (std::vector<std::size_t>{2, 4}));
  // A row's end is found again in the output (no 8 bytes kept per row): a
  // line break inside a quoted field ends none.
  const std::string quoted = "name\n\"x\ny\"\nz\n";
  const auto names =
      make_select_query(options_for("SELECT name FROM S3Object LIMIT 5"), {{"name"}}).value();
  const auto rows = evaluate_whole(names, quoted);
  EXPECT_EQ(rows.output, "\"x\ny\"\nz\n");
  EXPECT_EQ(row_ends(names, rows), (std::vector<std::size_t>{6, 8}));
  EXPECT_EQ(bytes_of_rows(names, rows, 0), 0u);
}

TEST(SelectRange, ServerRowsAreCountedByTheirNewlinesEmptyOnesToo) {
  // S3 Select writes a row of one empty field as "\n"; a quoted field may
  // hold a newline (and doubled quotes).
  const auto query =
      make_select_query(options_for("SELECT name FROM S3Object LIMIT 3"), header()).value();
  const auto out = s3select_outcome(query, "\nval\n\"a\nb \"\"c\"\"\"\n\nlast").value();
  EXPECT_EQ(row_ends(query, out), (std::vector<std::size_t>{1, 5, 17, 18, 22}));
  EXPECT_EQ(out.matched, 5u);
  EXPECT_FALSE(s3select_outcome(query, "ok\n\"cut off\n"));
  // A quote in the middle of a bare field is data: it opens nothing.
  EXPECT_EQ(row_ends(query, s3select_outcome(query, "5\",x\n7,y\n").value()),
            (std::vector<std::size_t>{5, 9}));
  const auto json =
      make_select_query(options_for("SELECT name FROM S3Object", SelectOutput::json), header())
          .value();
  EXPECT_EQ(row_ends(json, s3select_outcome(json, "{\"name\":\"\"}\n{\"name\":\"x\"}\n").value()),
            (std::vector<std::size_t>{12, 25}));
}

TEST(SelectRange, ServerRowsBeforeAnErrorEventLeaveOutARowItCutOff) {
  const auto query = make_select_query(options_for("SELECT name FROM S3Object"), header()).value();
  auto out = s3select_outcome(query, "a\nb\npart", /*cut_short=*/true).value();
  EXPECT_EQ(out.output, "a\nb\n");
  EXPECT_EQ(row_ends(query, out), (std::vector<std::size_t>{2, 4}));
  EXPECT_EQ(out.matched, 2u);
  out = s3select_outcome(query, "a\n\"open\nstill", /*cut_short=*/true).value();
  EXPECT_EQ(out.output, "a\n");
  EXPECT_EQ(out.matched, 1u);
  EXPECT_EQ(s3select_outcome(query, "half", /*cut_short=*/true).value().matched, 0u);
  // A stream that ended normally keeps its last row, newline or not.
  EXPECT_EQ(s3select_outcome(query, "a\nlast").value().matched, 2u);
}

// S3 Select's OutputSerialization writes ',' whatever the input's delimiter:
// the local engine too, unless --output-delimiter says otherwise; a field
// holding the output delimiter is quoted, one holding only the input's is not.
TEST(SelectRange, OutputHasItsOwnDelimiter) {
  const std::string object = "id;name\n1;a,b\n2;\"c;d\"\n3;e\tf\n";
  auto options = options_for("SELECT * FROM S3Object");
  options.format.field_delimiter = ';';
  auto run = [&](const SelectOptions& o) {
    const auto query = make_select_query(o, std::vector<std::string>{"id", "name"}).value();
    return run_ranges(query, object, object.size(), object.size()).output;
  };
  EXPECT_EQ(run(options), "1,\"a,b\"\n2,c;d\n3,e\tf\n");
  options.output_format.field_delimiter = ';';
  EXPECT_EQ(run(options), "1;a,b\n2;\"c;d\"\n3;e\tf\n");
  options.output_format.field_delimiter = '\t';
  EXPECT_EQ(run(options), "1\ta,b\n2\tc;d\n3\t\"e\tf\"\n");
  // Split into ranges, the same.
  const auto query = make_select_query(options, std::vector<std::string>{"id", "name"}).value();
  EXPECT_EQ(run_ranges(query, object, 5, 3).output, "1\ta,b\n2\tc;d\n3\t\"e\tf\"\n");
}

// The ranges' S3 Select requests ask for the output delimiter, and what the
// server writes (aggregate partials, rows found for LIMIT) is read with it.
TEST(SelectRange, ServerOutputIsReadInTheOutputDelimiter) {
  auto options = options_for("SELECT COUNT(*), SUM(CAST(amount AS INT)) FROM S3Object");
  options.format.field_delimiter = '\t';
  options.output_format.field_delimiter = ';';
  const auto aggregate = make_select_query(options, header()).value();
  const s3::SelectRequest request = s3select_request(aggregate, options.expression);
  EXPECT_EQ(request.field_delimiter, '\t');
  EXPECT_EQ(request.output_field_delimiter, ';');
  const auto partial = s3select_outcome(aggregate, "3;12;3\n").value().partial;
  EXPECT_EQ(select::finish(partial).value(), (std::vector<std::string>{"3", "12"}));
  EXPECT_FALSE(s3select_outcome(aggregate, "3,12,3\n").has_value());
  options.expression = "SELECT name FROM S3Object";
  const auto records = make_select_query(options, header()).value();
  EXPECT_EQ(s3select_request(records, options.expression).output_field_delimiter, ';');
  // A quote opens a field after the output delimiter (not after ','): the
  // line break inside is data.
  EXPECT_EQ(row_ends(records, s3select_outcome(records, "x;\"a\nb\"\ny\n").value()),
            (std::vector<std::size_t>{8, 10}));
}

// A value the query cannot take names its record: of a gigabyte's, which one was unknown.
TEST(SelectRange, AValueTheQueryCannotTakeNamesItsRecord) {
  const auto options = options_for("SELECT id FROM S3Object WHERE CAST(v AS INT) > 0");
  const std::string object = "id,v\n1,2\n2,x\n";
  const auto query = make_select_query(options, {{"id", "v"}}).value();
  RangeEvaluator range(query, s3::ByteRange{0, object.size() - 1});
  const auto fed = range.feed(object);
  ASSERT_FALSE(fed);
  EXPECT_EQ(fed.error().message, "CAST failed: 'x' is not a valid INT (the record at byte 9)");
}

TEST(SelectRange, PerRangeKeySummary) {
  auto options = options_for("SELECT * FROM S3Object WHERE CAST(amount AS INT) >= 0");
  options.key_column = "id";
  const std::string object = "id,amount\n5,1\n9,-1\n7,0\n";
  const auto query = make_select_query(options, {{"id", "amount"}}).value();
  RangeEvaluator range(query, s3::ByteRange{0, object.size() - 1});
  EXPECT_TRUE(range.feed(object).value());
  const auto out = range.take();
  EXPECT_EQ(out.matched, 2u);
  EXPECT_EQ(select::finish(out.key_partial).value(), (std::vector<std::string>{"2", "5", "7"}));
}

// Each --key-column given, with the count, min and max --per-range says for it over `object`
// (its header `header`), as one range.
void expect_key_summaries(
    const std::string& object, const std::vector<std::string>& header,
    std::initializer_list<std::pair<const char*, std::vector<std::string>>> expected) {
  for (const auto& [given, count_min_max] : expected) {
    auto options = options_for("SELECT * FROM S3Object");
    options.key_column = given;
    const auto query = make_select_query(options, header);
    ASSERT_TRUE(query) << given << ": " << query.error().message;
    RangeEvaluator range(*query, s3::ByteRange{0, object.size() - 1});
    EXPECT_TRUE(range.feed(object).value());
    EXPECT_EQ(select::finish(range.take().key_partial).value(), count_min_max) << given;
  }
}

// --key-column reads a name as an unquoted SQL name does: in "Id,Age,age", AGE is Age (the first
// alike but for case), as SELECT AGE reads it -- it was "unknown column 'AGE'".
TEST(SelectRange, AKeyColumnMatchesTheHeaderAsSqlDoes) {
  expect_key_summaries(
      "Id,Age,age\n1,30,31\n2,40,41\n", {"Id", "Age", "age"},
      {{"AGE", {"2", "30", "40"}}, {"age", {"2", "31", "41"}}, {"id", {"2", "1", "2"}}});
}

// "_" alone is a column's name (quoted into the summary's SQL), "_2" a position.
TEST(SelectRange, AKeyColumnNamedUnderscoreIsANameAndUnderscoreNumberAPosition) {
  expect_key_summaries("_,n\n4,1\n8,2\n", {"_", "n"},
                       {{"_", {"2", "4", "8"}}, {"_2", {"2", "1", "2"}}, {"_1", {"2", "4", "8"}}});
}

TEST(SelectRange, BadKeyColumnAndBadSqlAreUsageErrors) {
  auto options = options_for("SELECT * FROM S3Object");
  options.key_column = "nope";
  auto bad_key = make_select_query(options, {{"id"}});
  ASSERT_FALSE(bad_key);
  EXPECT_EQ(bad_key.error().kind, ErrorKind::usage);
  EXPECT_NE(bad_key.error().message.find("nope"), std::string::npos);
  auto bad_sql = make_select_query(options_for("SELECT FROM"), {{"id"}});
  ASSERT_FALSE(bad_sql);
  EXPECT_EQ(bad_sql.error().kind, ErrorKind::usage);
}

// MIN and MAX of a text column fail at its first matching record; the
// bytes read for the header show that before any range is fetched, exactly
// for the records the run would fold in.
TEST(SelectRange, AKeyColumnOfTextIsRefusedFromTheFirstBytes) {
  const std::string object = "id,name,amount\n1,Ann,3\n2,,4\n3,Bo,x\n";
  auto check = [&](std::string sql, std::string key, std::string_view bytes, bool whole) {
    auto options = options_for(std::move(sql));
    options.key_column = std::move(key);
    auto query = make_select_query(options, header()).value();
    return check_key_column(query, *options.key_column, bytes, whole);
  };
  auto refused = check("SELECT COUNT(*) FROM S3Object", "name", object, true);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::usage);
  EXPECT_EQ(refused.error().message,
            "--key-column name: 'Ann' (the record at byte 15) is not a number, and --per-range's "
            "min and max compare numbers, as SQL's MIN and MAX do: name a numeric column (the "
            "default is id)");
  // That is the run's own verdict on the record.
  auto options = options_for("SELECT COUNT(*) FROM S3Object");
  options.key_column = "name";
  const auto query = make_select_query(options, header()).value();
  RangeEvaluator range(query, s3::ByteRange{0, object.size() - 1});
  auto fed = range.feed(object);
  ASSERT_FALSE(fed);
  // Met in a range (past the bytes read first), the data said no: not a
  // usage error, but the same words, of --key-column and not of a MIN the
  // user never wrote.
  EXPECT_NE(fed.error().kind, ErrorKind::usage);
  EXPECT_EQ(fed.error().message, refused.error().message);

  EXPECT_TRUE(check("SELECT COUNT(*) FROM S3Object", "id", object, true));
  // Only records that match WHERE are folded in: '' is not a number either.
  refused = check("SELECT * FROM S3Object WHERE id <> '1'", "name", object, true);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("'' (the record at byte 23) is blank, not a number"),
            std::string::npos);
  EXPECT_TRUE(check("SELECT * FROM S3Object WHERE id = '9'", "name", object, true));
  // A record query stops at LIMIT; an aggregate reads on.
  EXPECT_TRUE(check("SELECT id FROM S3Object LIMIT 2", "amount", object, true));
  EXPECT_FALSE(check("SELECT COUNT(*) FROM S3Object LIMIT 2", "amount", object, true));
  // A last record cut short is not judged unless the object ends there.
  const std::string cut = "id,name,amount\n1,5,3\n2,Bo";
  EXPECT_TRUE(check("SELECT COUNT(*) FROM S3Object", "name", cut, false));
  EXPECT_FALSE(check("SELECT COUNT(*) FROM S3Object", "name", cut, true));
}

TEST(RangeOrder, DeliversInOrderWhateverTheCompletionOrder) {
  std::vector<std::uint64_t> delivered;
  RangeOrder<int> order(100, [&](std::uint64_t i, int& v) {
    EXPECT_EQ(static_cast<int>(i) * 10, v);
    delivered.push_back(i);
    return true;
  });
  for (std::uint64_t i : {3, 1, 0, 2, 5, 4}) order.complete(i, static_cast<int>(i) * 10);
  EXPECT_EQ(delivered, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5}));
}

TEST(RangeOrder, StopsDeliveringWhenTheConsumerSaysSo) {
  std::vector<std::uint64_t> delivered;
  RangeOrder<int> order(100, [&](std::uint64_t i, int&) {
    delivered.push_back(i);
    return i < 1;
  });
  for (std::uint64_t i : {0, 1, 2, 3}) order.complete(i, 0);
  EXPECT_EQ(delivered, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_FALSE(order.unwanted(1));
  EXPECT_TRUE(order.unwanted(2));
}

TEST(RangeOrder, RangesBeforeAFailedOneAreStillDelivered) {
  // Range 2 fails while 0 and 1 still run: they are the answer's, and 2's
  // outcome ends it; 3 and later are not wanted, finished or not.
  std::vector<std::uint64_t> delivered;
  RangeOrder<int> order(100, [&](std::uint64_t i, int& v) {
    delivered.push_back(i);
    return v == 0;
  });
  order.complete(3, 0);
  order.stop_after(2);
  order.complete(2, 1);  // failed
  EXPECT_TRUE(delivered.empty());
  EXPECT_FALSE(order.unwanted(1));
  EXPECT_TRUE(order.unwanted(3));
  order.complete(1, 0);
  order.complete(0, 0);
  order.complete(4, 0);
  EXPECT_EQ(delivered, (std::vector<std::uint64_t>{0, 1, 2}));
}

TEST(RangeOrder, AdmitWaitsForTheWindowAcrossThreads) {
  RangeOrder<int> order(2, [](std::uint64_t, int&) { return true; });
  boost::asio::io_context loop;
  std::atomic<int> admitted{-1};
  boost::asio::co_spawn(
      loop,
      [&]() -> boost::asio::awaitable<void> {
        const bool ok = co_await order.admit(3);
        admitted = ok ? 3 : -2;
      },
      boost::asio::detached);
  auto guard = boost::asio::make_work_guard(loop);
  std::thread runner([&] { loop.run(); });
  EXPECT_TRUE([&] {
    // 0 and 1 are within the window: admit returns at once for them.
    boost::asio::io_context other;
    bool ok = false;
    boost::asio::co_spawn(
        other, [&]() -> boost::asio::awaitable<void> { ok = co_await order.admit(1); },
        boost::asio::detached);
    other.run();
    return ok;
  }());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(admitted.load(), -1);  // 3 >= 0 + 2
  order.complete(0, 0);            // window now 1..2: 3 still waits
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(admitted.load(), -1);
  order.complete(1, 0);  // window 2..3
  for (int i = 0; i < 200 && admitted.load() == -1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(admitted.load(), 3);
  guard.reset();
  runner.join();
}

TEST(RangeOrder, StopAfterWakesOnlyTheWaitersAfterItWithFalse) {
  RangeOrder<int> order(1, [](std::uint64_t, int&) { return true; });
  boost::asio::io_context loop;
  int before = 0;
  int after = 0;
  boost::asio::co_spawn(
      loop, [&]() -> boost::asio::awaitable<void> { after = (co_await order.admit(5)) ? 1 : 2; },
      boost::asio::detached);
  boost::asio::co_spawn(
      loop, [&]() -> boost::asio::awaitable<void> { before = (co_await order.admit(1)) ? 1 : 2; },
      boost::asio::detached);
  loop.poll();
  EXPECT_EQ(after, 0);
  EXPECT_EQ(before, 0);
  order.stop_after(3);
  loop.poll();
  EXPECT_EQ(after, 2);
  EXPECT_EQ(before, 0);  // still wanted: waits for the window
  order.complete(0, 0);
  loop.run();
  EXPECT_EQ(before, 1);
}

TEST(SelectRequestXml, CarriesQueryFormatAndScanRange) {
  s3::SelectRequest r;
  r.expression = "SELECT * FROM S3Object s WHERE s.a < 'x&y'";
  r.file_header_info = "IGNORE";
  r.field_delimiter = '\t';
  r.output_field_delimiter = ';';
  r.scan_start = 100;
  r.scan_end = 199;
  const std::string xml = s3::build_select_request(r);
  EXPECT_NE(xml.find("<Expression>SELECT * FROM S3Object s WHERE s.a &lt; 'x&amp;y'</Expression>"),
            std::string::npos);
  EXPECT_NE(xml.find("<FileHeaderInfo>IGNORE</FileHeaderInfo>"), std::string::npos);
  EXPECT_NE(xml.find("<CSV><FileHeaderInfo>IGNORE</FileHeaderInfo><FieldDelimiter>\t</"
                     "FieldDelimiter>"),
            std::string::npos);
  // The output's delimiter is its own (S3 writes ',' unless told otherwise).
  EXPECT_NE(xml.find("<OutputSerialization><CSV><FieldDelimiter>;</FieldDelimiter></CSV>"),
            std::string::npos);
  EXPECT_NE(s3::build_select_request(s3::SelectRequest{})
                .find("<OutputSerialization><CSV><FieldDelimiter>,</FieldDelimiter></CSV>"),
            std::string::npos);
  EXPECT_NE(xml.find("<QuoteCharacter>\"</QuoteCharacter>"), std::string::npos);
  EXPECT_NE(xml.find("<ScanRange><Start>100</Start><End>199</End></ScanRange>"), std::string::npos);
  // "\n" is the default; radosgw 16.2 aborts on <RecordDelimiter>&#10;</RecordDelimiter>.
  EXPECT_EQ(xml.find("RecordDelimiter"), std::string::npos);
  // Comments: '#' is S3's default, not spelled out; another is.
  EXPECT_EQ(xml.find("Comments"), std::string::npos);
  r.comments = ';';
  EXPECT_NE(s3::build_select_request(r).find("<QuoteCharacter>\"</QuoteCharacter><Comments>;</"
                                             "Comments></CSV>"),
            std::string::npos);
  r.output_json = true;
  r.scan_start.reset();
  r.scan_end.reset();
  const std::string json = s3::build_select_request(r);
  EXPECT_NE(json.find("<OutputSerialization><JSON>"), std::string::npos);
  EXPECT_EQ(json.find("<ScanRange>"), std::string::npos);
}

}  // namespace
}  // namespace s3loop::jobs

namespace s3loop::jobs {
namespace {

TEST(SelectPartialSql, WhereClausePrintsBackToTheSameQuery) {
  for (const char* where :
       {"a = 'it''s'", "NOT (a < 3 OR b >= -2.5) AND c IS NOT NULL",
        "s.\"Odd Name\" LIKE 'x!%%' ESCAPE '!'", "CAST(a AS INT) <> 4 AND b NOT LIKE '_z'",
        "a IS NULL OR s._2 <= NULL", "TRUE AND NOT false OR (a = 'x') = TRUE"}) {
    const std::string sql = std::string("SELECT * FROM S3Object s WHERE ") + where;
    const auto q = select::parse_sql(sql).value();
    const std::string printed = select::to_sql(q, q.where);
    const auto again = select::parse_sql("SELECT * FROM S3Object s WHERE " + printed).value();
    EXPECT_EQ(select::to_sql(again, again.where), printed) << where;
  }
}

TEST(SelectPartialSql, PartialsEvaluatedPerRangeMergeToTheLocalAnswer) {
  const std::string object = csv_object(400, 3);
  auto options = options_for(
      "SELECT AVG(CAST(amount AS INT)), COUNT(*), SUM(CAST(amount AS FLOAT)), MIN(CAST(id AS "
      "INT)), MAX(CAST(amount AS INT)), COUNT(name) FROM S3Object t WHERE t.name <> 'n1' AND "
      "CAST(t.amount AS INT) > -500");
  const auto query = make_select_query(options, header()).value();
  const std::string partial_sql = select::partial_aggregate_sql(query.query.query());
  EXPECT_EQ(partial_sql.rfind("SELECT SUM(CAST(amount AS INT)), COUNT(CAST(amount AS INT)), "
                              "COUNT(*), SUM(",
                              0),
            0u)
      << partial_sql;
  // Our own evaluator plays a faithful S3 Select: it runs the partial SQL on
  // each range; the rows read back must merge to the one-pass answer.
  const auto server = make_select_query(options_for(partial_sql), header()).value();
  select::AggregateState merged = query.query.new_state();
  for (std::uint64_t i = 0; i < range_count(object.size(), 1000); ++i) {
    const auto bytes = range_bytes(i, object.size(), 1000);
    RangeEvaluator range(server, bytes);
    const std::string_view from =
        std::string_view(object).substr(bytes.first == 0 ? 0 : bytes.first - 1);
    if (!range.feed(from).value()) {
      ASSERT_TRUE(range.finish().has_value());
    }
    std::string row_csv;
    select::append_csv_record(row_csv, select::finish(range.take().partial).value());
    auto outcome = s3select_outcome(query, row_csv);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    merged = select::merge(merged, outcome->partial);
  }
  const auto direct = run_ranges(query, object, object.size(), object.size());
  EXPECT_EQ(select::finish(merged).value(), select::finish(direct.partial).value());
}

TEST(SelectPartialSql, MalformedPartialRowsAreProtocolErrors) {
  const auto query =
      make_select_query(options_for("SELECT AVG(CAST(amount AS INT)) FROM S3Object"), header())
          .value();
  for (const char* reply : {"1\n", "x,2\n", "1,2,3\n", "1,2\n3,4\n"}) {
    auto outcome = s3select_outcome(query, reply);
    ASSERT_FALSE(outcome.has_value()) << reply;
    EXPECT_EQ(outcome.error().kind, ErrorKind::protocol);
  }
  EXPECT_TRUE(s3select_outcome(query, ",0\n").has_value());  // no rows: SUM is NULL
}

// A partial of one field (a lone MIN or MAX) over a range where no row
// matches is NULL: the line "\n", which is one row, not none.
TEST(SelectPartialSql, ALoneMinOrMaxOverNoRowIsNullNotAnError) {
  const auto query =
      make_select_query(options_for("SELECT MAX(CAST(amount AS INT)) FROM S3Object"), header())
          .value();
  for (const char* empty : {"\n", "\r\n"}) {
    auto none = s3select_outcome(query, empty);
    ASSERT_TRUE(none.has_value()) << none.error().message;
    auto some = s3select_outcome(query, "7\n");
    ASSERT_TRUE(some.has_value()) << some.error().message;
    EXPECT_EQ(select::finish(none->partial).value(), (std::vector<std::string>{""}));
    const auto merged = select::merge(none->partial, some->partial);
    EXPECT_EQ(select::finish(merged).value(), (std::vector<std::string>{"7"}));
  }
  EXPECT_FALSE(s3select_outcome(query, "").has_value());      // no row at all
  EXPECT_FALSE(s3select_outcome(query, "\n\n").has_value());  // two
}

TEST(SelectPartialSql, RecordOutputRowsAreFoundForLimit) {
  const auto query =
      make_select_query(options_for("SELECT name FROM S3Object LIMIT 2"), header()).value();
  auto out = s3select_outcome(query, "a\n\"multi\nline\"\nc\n").value();
  EXPECT_EQ(row_ends(query, out), (std::vector<std::size_t>{2, 15, 17}));
  EXPECT_EQ(out.matched, 3u);
  const auto request = s3select_request(query, "SELECT name FROM S3Object LIMIT 2");
  EXPECT_EQ(request.expression, "SELECT name FROM S3Object LIMIT 2");
  EXPECT_EQ(request.file_header_info, "USE");
}

// The server's JSON records are printed as they come back: bytes that are
// not UTF-8 (a latin-1 object) must become U+FFFD there as they do in the
// local engine's JSON, and the rows' ends are those of the cleaned text.
TEST(SelectPartialSql, JsonRecordsFromTheServerAreMadeUtf8) {
  const auto query =
      make_select_query(options_for("SELECT name FROM S3Object", SelectOutput::json), header())
          .value();
  const std::string fffd = "\xEF\xBF\xBD";
  const std::string good = "{\"name\":\"\xe6\x97\xa5 \xf0\x9f\x93\xa6\"}\n";
  auto out = s3select_outcome(query, "{\"name\":\"caf\xe9\"}\n" + good).value();
  const std::string cleaned = "{\"name\":\"caf" + fffd + "\"}\n";
  EXPECT_EQ(out.output, cleaned + good);
  EXPECT_EQ(row_ends(query, out),
            (std::vector<std::size_t>{cleaned.size(), cleaned.size() + good.size()}));
  // What the local engine prints for the same row.
  const auto local = run_ranges(query, "id,name,amount\n1,caf\xe9,3\n", 1024, 7);
  EXPECT_EQ(local.output, cleaned);
}

}  // namespace
}  // namespace s3loop::jobs
