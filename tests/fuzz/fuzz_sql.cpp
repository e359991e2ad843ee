// The SQL subset: parse any text; a query that parses is printed back with
// to_sql / partial_aggregate_sql (what goes to S3 Select), which must parse
// again to the same text, then bound to a header and evaluated over a few
// records (projection, or aggregation with merge and finish). Partial rows as
// a server might return them and LIKE patterns are fuzzed on the side.
#include "s3loop/jobs/select/sql.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace s3loop::jobs::select;

namespace {

std::vector<std::string> read_strings(FuzzedDataProvider& in, std::size_t max_count) {
  std::vector<std::string> out(in.ConsumeIntegralInRange<std::size_t>(0, max_count));
  for (auto& s : out) s = in.ConsumeRandomLengthString(24);
  return out;
}

// Printing puts every comparison, AND, OR and NOT in parentheses: SQL
// within the nesting limit may print back deeper than it.
bool too_deep(const s3loop::Result<Query>& q) {
  return !q && q.error().message.starts_with("SQL nested too deeply");
}

// to_sql must print SQL that parses back to a tree that prints the same.
void check_round_trip(const Query& q) {
  const std::string from = q.alias.empty() ? " FROM S3Object" : " FROM S3Object " + q.alias;
  if (q.where >= 0) {
    const std::string where = to_sql(q, q.where);
    auto again = parse_sql("SELECT *" + from + " WHERE " + where);
    if (too_deep(again)) return;
    if (!again || again->where < 0 || to_sql(*again, again->where) != where) std::abort();
  }
  for (const SelectItem& item : q.items) {
    if (item.expr < 0) continue;
    const std::string expr = to_sql(q, item.expr);
    auto again = parse_sql("SELECT " + expr + from);
    if (too_deep(again)) return;
    if (!again || again->items.size() != 1 || again->items[0].expr < 0 ||
        to_sql(*again, again->items[0].expr) != expr) {
      std::abort();
    }
  }
  if (q.is_aggregate()) {
    auto partial = parse_sql(partial_aggregate_sql(q));
    if (too_deep(partial)) return;
    if (!partial || !partial->is_aggregate()) std::abort();
  }
}

void evaluate(Evaluator& ev, const std::vector<std::vector<std::string>>& records) {
  (void)ev.output_names(records.empty() ? 0 : records.front().size());
  AggregateState state = ev.new_state();
  std::vector<std::string> row;
  for (const auto& fields : records) {
    const std::vector<std::string_view> record(fields.begin(), fields.end());
    if (ev.is_aggregate()) {
      if (!ev.accumulate(record, state)) return;  // a failed CAST ends the query
    } else {
      if (!ev.project(record, row)) return;
    }
  }
  if (ev.is_aggregate()) {
    (void)finish(merge(state, state));
    (void)finish(state);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string sql = in.ConsumeRandomLengthString(512);
  std::optional<std::vector<std::string>> header;
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      header = std::vector<std::string>{"id", "name", "amount", "city", "Price"};
      break;
    case 1:
      break;
    default:
      header = read_strings(in, 6);
  }
  const std::vector<std::string> partial_row = read_strings(in, 8);
  const std::string text = in.ConsumeRandomLengthString(64);
  const std::string pattern = in.ConsumeRandomLengthString(32);
  const std::optional<char> escape =
      in.ConsumeBool() ? std::optional<char>(in.ConsumeIntegral<char>()) : std::nullopt;
  std::vector<std::vector<std::string>> records(in.ConsumeIntegralInRange<std::size_t>(0, 8));
  for (auto& r : records) r = read_strings(in, 6);

  (void)like_match(text, pattern, escape);

  auto query = parse_sql(sql);
  if (!query) return 0;
  check_round_trip(*query);
  if (query->is_aggregate()) {
    if (auto state = parse_partial_row(*query, partial_row)) (void)finish(*state);
  }
  auto ev = Evaluator::create(*query, header);
  if (ev) evaluate(*ev, records);
  return 0;
}
