// Micro-benchmarks of the local select engine's CPU work per byte: the CSV
// reader alone, and reader + SQL evaluation of the select issue's queries, on
// 16 MiB of the reference schema held in memory (no I/O). Reported as bytes/s
// of CSV on one core; the target is >= 300 MiB/s for scan + evaluation.
#include "s3loop/jobs/select/csv.hpp"
#include "s3loop/jobs/select/sql.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace s3loop::jobs::select;

// id,name,age,latitude,longitude,monthly_income,experienced -- as bench/make-csv.py
// writes it: some names quoted with a comma or doubled quotes, some empty incomes.
const std::string& reference_csv() {
  static const std::string text = [] {
    std::mt19937_64 rng(1);
    const char* names[] = {"alpha", "bravo", "\"with, comma\"", "\"say \"\"hi\"\"\"",
                           "delta", "echo"};
    std::string out = "id,name,age,latitude,longitude,monthly_income,experienced\n";
    for (std::uint64_t id = 1; out.size() < (16u << 20); ++id) {
      const std::uint64_t r = rng();
      const double lat = static_cast<double>(r % 180'000'000) / 1e6 - 90.0;
      const double lon = static_cast<double>((r >> 20) % 360'000'000) / 1e6 - 180.0;
      const std::string income = r % 17 == 0 ? "" : std::to_string((r >> 8) % 20'001);
      out += fmt::format("{},{},{},{:.5f},{:.5f},{},{}\n", id, names[r % 6], 18 + (r >> 40) % 73,
                         lat, lon, income, (r >> 50) % 2 == 0 ? "true" : "false");
    }
    return out;
  }();
  return text;
}

// The object arrives in pieces, as from a socket.
template <typename OnRecord>
void scan(const std::string& text, OnRecord&& on_record) {
  constexpr std::size_t kPiece = 64 * 1024;
  CsvReader reader;
  const RecordSink sink = [&](const CsvRecord& r) { return on_record(r); };
  for (std::size_t at = 0; at < text.size(); at += kPiece) {
    reader.feed(std::string_view(text).substr(at, kPiece), sink);
  }
  (void)reader.finish(sink);
}

Evaluator evaluator(const std::string& sql, const std::string& text) {
  return Evaluator::create(parse_sql(sql).value(), read_header(text)).value();
}

void BM_CsvScan(benchmark::State& state) {
  const std::string& text = reference_csv();
  for (auto _ : state) {
    std::uint64_t records = 0;
    scan(text, [&](const CsvRecord&) { return ++records > 0; });
    benchmark::DoNotOptimize(records);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_CsvScan)->Unit(benchmark::kMillisecond);

// The select issue's benchmark query.
void BM_ScanAggregate(benchmark::State& state) {
  const std::string& text = reference_csv();
  Evaluator ev = evaluator(
      "SELECT COUNT(*), MIN(CAST(s.id AS INT)), MAX(CAST(s.id AS INT)) FROM S3Object s "
      "WHERE CAST(s.age AS INT) > 30",
      text);
  for (auto _ : state) {
    AggregateState partial = ev.new_state();
    bool header = true;
    scan(text, [&](const CsvRecord& r) {
      if (std::exchange(header, false)) return true;
      return ev.accumulate(r.fields, partial).has_value();
    });
    benchmark::DoNotOptimize(finish(partial));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ScanAggregate)->Unit(benchmark::kMillisecond);

// Records out: a selective WHERE and three columns projected.
void BM_ScanProject(benchmark::State& state) {
  const std::string& text = reference_csv();
  Evaluator ev = evaluator(
      "SELECT s.id, s.name, s.monthly_income FROM S3Object s WHERE CAST(s.age AS INT) > 88", text);
  for (auto _ : state) {
    std::vector<std::string> row;
    std::uint64_t rows = 0;
    bool header = true;
    scan(text, [&](const CsvRecord& r) {
      if (std::exchange(header, false)) return true;
      auto matched = ev.project(r.fields, row);
      if (matched && *matched) ++rows;
      return matched.has_value();
    });
    benchmark::DoNotOptimize(rows);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ScanProject)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
