// `select`: one CSV object cut into byte ranges, every range queried as one
// unit of work through exec, the per-range results combined in object order.
#pragma once

#include "s3loop/exec/job.hpp"
#include "s3loop/jobs/select/sql.hpp"
#include "s3loop/s3/client.hpp"
#include "s3loop/s3/s3_url.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace s3loop::jobs {

enum class SelectEngine { automatic, s3select, local };
enum class SelectOutput { csv, json };

std::string_view engine_name(SelectEngine engine);
Result<SelectEngine> parse_engine(std::string_view name);
// --header (use, ignore, none) and --output (csv, json).
Result<select::FileHeaderInfo> parse_header_info(std::string_view name);
Result<SelectOutput> parse_output(std::string_view name);

// One range's line of --per-range: its matching records and the smallest and
// largest value of the key column among them (empty when it has none).
struct RangeSummary {
  std::uint64_t index = 0;
  s3::ByteRange bytes;
  std::uint64_t records = 0;
  std::string min;
  std::string max;
};

struct SelectOptions {
  s3::S3Url location;
  std::string expression;
  std::uint64_t chunk_size = 8 * 1024 * 1024;
  SelectEngine engine = SelectEngine::automatic;
  select::FileHeaderInfo header = select::FileHeaderInfo::use;
  select::CsvFormat format;  // the object's CSV
  SelectOutput output = SelectOutput::csv;
  // CSV output (--output-delimiter): as S3 Select's OutputSerialization, ','
  // whatever the object's delimiter is; quoted where a field needs it. (Rows
  // read back from a server are data: no comment character there.)
  select::CsvFormat output_format{',', '"', '\0'};
  std::vector<std::string> require_columns;
  // --per-range: summarise each range by this column.
  std::optional<std::string> key_column;
  // --server-dialect: `expression` goes to the server's S3 Select as written
  // (in the server's own SQL, e.g. Ceph's "SELECT _1 FROM stdin"), over the
  // whole object in one request; see select_in_server_dialect.
  bool server_dialect = false;
  // Ranges allowed to run or wait finished ahead of the first unfinished one:
  // bounds memory to window x chunk whatever the object's size.
  std::size_t reorder_window = 64;
  // Result bytes, in object order, from whichever thread finished a range.
  // Returns false when they could not be written (stdout on a full disk): the
  // run stops, as no later range's bytes could be written either.
  std::function<bool(std::string_view)> on_output;
  // --per-range lines, in object order; the last call has index == ranges
  // and covers the whole object.
  std::function<void(const RangeSummary&)> on_range;
};

// What was decided before any range was fetched.
struct SelectPlan {
  std::uint64_t object_size = 0;
  std::string etag;
  std::optional<std::vector<std::string>> header;  // column names (FileHeaderInfo USE)
  // Where the first record (the header, unless --header none) starts: after
  // any blank lines, possibly past the first range.
  std::optional<std::uint64_t> header_offset;
  std::uint64_t ranges = 0;
  SelectEngine engine = SelectEngine::local;  // the one that runs: local or s3select
  std::string engine_reason;                  // why, for the summary
};

// --require-columns: names separated by commas, each without the spaces
// around it ("id, name" is id and name), empty ones dropped.
std::vector<std::string> split_column_list(std::string_view list);

// Ranges of `chunk` bytes covering [0, size); the last one may be shorter.
std::uint64_t range_count(std::uint64_t size, std::uint64_t chunk);
s3::ByteRange range_bytes(std::uint64_t index, std::uint64_t size, std::uint64_t chunk);

// HEAD for the size, the first bytes for the header line, --require-columns,
// the SQL checked against the header, and the engine: `auto` probes the
// server's S3 Select (COUNT(*) over a ScanRange whose answer is known from the
// bytes already read) and uses it only if it answers like AWS does.
// Usage errors (bad SQL, missing columns, forced s3select the server cannot
// do) come back as ErrorKind::usage.
boost::asio::awaitable<Result<SelectPlan>> plan_select(s3::Client& client, SelectOptions options);

// --server-dialect: one SelectObjectContent over the whole object with the
// expression unchanged -- no probe, no ranges, no local SQL -- for servers
// whose S3 Select has its own dialect. The rows reach on_output as CSV quoted
// as s3loop quotes (radosgw's extra trailing delimiter dropped, so they
// compare with --engine local's). CSV only: radosgw ignores JSON output.
// A write on_output refuses ends the request at once (output_failed; records
// counts those written).
struct ServerSelectResult {
  std::uint64_t records = 0;
  // From the Stats event; none when the server sent none (radosgw 16.2).
  std::optional<std::uint64_t> bytes_scanned;
  bool output_failed = false;
};
boost::asio::awaitable<Result<ServerSelectResult>> select_in_server_dialect(
    s3::Client& client, const SelectOptions& options);

struct RangeOutcome;
class RangeEvaluator;

class SelectJob final : public exec::Job {
 public:
  // `plan` comes from plan_select with the same options (a plan whose ranges
  // another chunk size made is refused, ErrorKind::usage).
  static Result<std::unique_ptr<SelectJob>> create(SelectOptions options, SelectPlan plan);
  ~SelectJob() override;

  boost::asio::awaitable<Result<void>> produce(s3::Client& client, const exec::Emit& emit) override;
  boost::asio::awaitable<Result<std::uint64_t>> process(exec::WorkerContext& context,
                                                        const exec::WorkItem& item) override;
  std::string describe(const exec::WorkItem& item) const override;

  // After the run: writes what is left (an aggregate's row, the combined
  // --per-range line). An Error when a range failed (the output stopped at
  // it) or an output callback threw; ErrorKind::cancelled when the run did
  // not answer for the whole object (cancelled, stopped, never run: no row
  // over part of it is written); a usage error when called a second time.
  // A row on_output refuses sets output_failed().
  Result<void> finish();
  std::uint64_t records_out() const;
  // Ranges whose records or partials are in the answer: fewer than the run
  // processed once LIMIT was reached (the ranges after it were cut short).
  std::uint64_t ranges_used() const;
  // Bytes read by ranged GETs (local engine: ranges that failed or were cut
  // off by Ctrl-C included -- the run's report counts finished ranges only),
  // or scanned by the server in the ranges it finished (s3select).
  std::uint64_t bytes_fetched() const;
  // on_output refused bytes: the run stopped there (the caller tells why).
  bool output_failed() const;

 private:
  struct State;
  explicit SelectJob(std::unique_ptr<State> state);
  // One range through the server's S3 Select (ScanRange); returns bytes
  // scanned. When the server's error event ended the stream, `out` holds the
  // rows it sent before (rows_before_error).
  boost::asio::awaitable<Result<std::uint64_t>> run_s3select(exec::WorkerContext& context,
                                                             s3::ByteRange range, RangeOutcome& out,
                                                             bool& rows_before_error);
  // A local range: bytes [from, until] go to the evaluator as they arrive,
  // and `received` counts them. Returns whether the range's last record is
  // in. The read stops early once nothing more of it is needed.
  boost::asio::awaitable<Result<bool>> stream_range(exec::WorkerContext& context,
                                                    std::uint64_t index, std::uint64_t from,
                                                    std::uint64_t until, RangeEvaluator& evaluator,
                                                    std::uint64_t& received);
  std::unique_ptr<State> state_;
};

}  // namespace s3loop::jobs
