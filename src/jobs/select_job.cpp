#include "s3loop/jobs/select_job.hpp"

#include "select_order.hpp"
#include "select_range.hpp"
#include "select_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>

namespace s3loop::jobs {

using boost::asio::awaitable;

namespace {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A request that failed names its range: of a thousand ranges, which one a
// reset or a 500 stopped. Not an object changed or deleted part way (the
// whole object's), nor the interrupt's cut. Called where a request failed:
// the local engine's own errors (the CSV's, of kind protocol too) come from
// its evaluation and name their offset; the s3select engine's are the
// server's answer for the range, S3's data errors (CastFailed) among them.
Error with_its_range(Error error, std::uint64_t index, std::uint64_t ranges, s3::ByteRange bytes) {
  const bool per_range = error.kind == ErrorKind::network || error.kind == ErrorKind::timeout ||
                         error.kind == ErrorKind::http || error.kind == ErrorKind::protocol ||
                         (error.kind == ErrorKind::s3 && error.s3_code != "PreconditionFailed" &&
                          error.s3_code != "NoSuchKey");
  if (per_range && ranges > 1) {
    error.message +=
        fmt::format(" (range {} of {}: bytes {}-{})", index + 1, ranges, bytes.first, bytes.last);
  }
  return error;
}

// A range reads this far past its end for the record that straddles it (no
// farther than its own size: small ranges would otherwise each fetch many
// times their bytes), and twice as far each time that is not enough.
constexpr std::uint64_t kOvershoot = 64 * 1024;

Error changed_object(std::uint64_t from, std::uint64_t until, std::uint64_t got) {
  return make_error(ErrorKind::protocol,
                    fmt::format("ranged GET of bytes {}-{} returned {} bytes; did the object "
                                "change during the select?",
                                from, until, got));
}

// A range read a line break inside a quoted field: splitting the object
// into ranges may have cut records wrongly (S3's ScanRange has the same limit).
Error quoted_newline_error(const std::string& uri, std::uint64_t object_size) {
  return make_error(ErrorKind::protocol,
                    fmt::format("{} has line breaks inside quoted CSV fields, so it cannot be "
                                "split into ranges: pass --chunk-size {} (at least the object "
                                "size) to read it as one range",
                                uri, object_size));
}

struct Finished {
  RangeOutcome outcome;
  std::optional<Error> error;
  // The error is a record the query could not evaluate (a CAST of text):
  // `outcome` holds the range's rows before that record.
  bool rows_before_error = false;
};

}  // namespace

std::string_view engine_name(SelectEngine engine) {
  switch (engine) {
    case SelectEngine::automatic:
      return "auto";
    case SelectEngine::s3select:
      return "s3select";
    case SelectEngine::local:
      return "local";
  }
  return "auto";
}

Result<SelectEngine> parse_engine(std::string_view name) {
  for (auto engine : {SelectEngine::automatic, SelectEngine::s3select, SelectEngine::local}) {
    if (name == engine_name(engine)) return engine;
  }
  return make_error(ErrorKind::usage,
                    fmt::format("--engine '{}' is not one of auto, s3select, local", name));
}

// --header and --output in any case: the API spells FileHeaderInfo USE,
// IGNORE, NONE (as aws cli's --input-serialization takes them), and the
// serializations CSV and JSON.
Result<select::FileHeaderInfo> parse_header_info(std::string_view name) {
  const std::string value = ascii_lower(name);
  if (value == "use") return select::FileHeaderInfo::use;
  if (value == "ignore") return select::FileHeaderInfo::ignore;
  if (value == "none") return select::FileHeaderInfo::none;
  return make_error(ErrorKind::usage,
                    fmt::format("--header '{}' is not one of use, ignore, none", name));
}

Result<SelectOutput> parse_output(std::string_view name) {
  const std::string value = ascii_lower(name);
  if (value == "csv") return SelectOutput::csv;
  if (value == "json") return SelectOutput::json;
  return make_error(ErrorKind::usage, fmt::format("--output '{}' is not one of csv, json", name));
}

struct SelectJob::State {
  State(SelectOptions o, SelectPlan p, SelectQuery q)
      : options(std::move(o)),
        plan(std::move(p)),
        query(std::move(q)),
        order(options.reorder_window, [this](std::uint64_t index, Finished& finished) {
          // The caller's on_output and on_range run here, from the report
          // process() makes in a destructor: an exception must not leave
          // (std::terminate). One ends the answer with an error.
          try {
            return deliver(index, finished);
          } catch (const std::exception& e) {
            if (!failure) failure = callback_error(e.what());
          } catch (...) {
            if (!failure) failure = callback_error("an exception of unknown type");
          }
          return false;
        }) {
    if (query.query.is_aggregate()) total = query.query.new_state();
    if (query.key_summary) key_total = query.key_summary->new_state();
  }

  // Runs under the order's lock, one range at a time, in object order. A
  // failed range ends the answer with its error: the first failure in object
  // order is the one told (a range after one that read a quoted line break
  // may fail on records cut wrongly: its error is not the cause). Rows made
  // before a record the query could not evaluate come first, as S3 Select
  // streams them before its error -- and when they complete the LIMIT, the
  // answer is whole and the error comes too late to matter.
  bool deliver(std::uint64_t index, Finished& finished) {
    const bool aggregate = query.query.is_aggregate();
    if (finished.error && !(finished.rows_before_error && !aggregate)) {
      failure = std::move(finished.error);
      return false;
    }
    ++ranges_used;
    RangeOutcome& out = finished.outcome;
    std::uint64_t rows = out.matched;
    const auto limit = query.query.limit();
    if (!aggregate && limit) rows = std::min<std::uint64_t>(rows, *limit - rows_out);
    // (Before `matched` is cut to the rows printed below.)
    const std::size_t bytes = aggregate ? 0 : bytes_of_rows(query, out, rows);
    if (query.key_summary) {
      // A record query's range counts the rows it prints: those LIMIT cuts
      // off are not the answer's (how many a range read varied with
      // --chunk-size).
      if (!aggregate && rows < out.matched) {
        out.key_partial = key_partial_after(query, out, rows);
        out.matched = rows;
      }
      key_total = select::merge(key_total, out.key_partial);
      key_records += out.matched;
      if (options.on_range) {
        // COUNT, MIN and MAX: no sum that could pass FLOAT's range.
        auto line = select::finish(out.key_partial).value();
        options.on_range(RangeSummary{index,
                                      range_bytes(index, plan.object_size, options.chunk_size),
                                      out.matched, line.at(1), line.at(2)});
      }
    }
    if (aggregate) {
      total = select::merge(total, out.partial);
      return true;
    }
    if (bytes > 0 && options.on_output &&
        !options.on_output(std::string_view(out.output).substr(0, bytes))) {
      output_failed = true;  // no range after this one is fetched
      return false;
    }
    rows_out += rows;
    if (limit && rows_out >= *limit) return false;
    if (finished.error) {
      failure = std::move(finished.error);
      return false;
    }
    return true;
  }

  static Error callback_error(const std::string& what) {
    return make_error(ErrorKind::protocol,
                      "internal error: the output callback (on_output or on_range) threw: " + what);
  }

  SelectOptions options;
  SelectPlan plan;
  SelectQuery query;
  RangeOrder<Finished> order;
  bool finish_ran = false;
  // Written by deliver() only (under the order's lock), read after the run.
  select::AggregateState total;
  select::AggregateState key_total;
  std::uint64_t rows_out = 0;
  std::uint64_t ranges_used = 0;
  std::uint64_t key_records = 0;
  bool output_failed = false;
  std::optional<Error> failure;
  // Every byte a local range read, also of ranges that failed or were cut
  // off (process() results count finished ranges only), and what the server
  // scanned for each s3select range it finished. From any loop's thread.
  std::atomic<std::uint64_t> bytes_fetched{0};
};

Result<std::unique_ptr<SelectJob>> SelectJob::create(SelectOptions options, SelectPlan plan) {
  // A plan made with another chunk size splits the object otherwise than
  // the ranges would be read: an answer over part of it (or a division by 0).
  if (options.chunk_size == 0 || plan.ranges != range_count(plan.object_size, options.chunk_size)) {
    return make_error(
        ErrorKind::usage,
        fmt::format("the select plan has {} ranges, where a chunk size of {} makes "
                    "{} of the object's {} bytes: plan with the same options",
                    plan.ranges, options.chunk_size,
                    options.chunk_size == 0
                        ? std::string("none")
                        : std::to_string(range_count(plan.object_size, options.chunk_size)),
                    plan.object_size));
  }
  auto query = make_select_query(options, plan.header);
  if (!query) return query.error();
  query->header_offset = plan.header_offset;
  auto state = std::make_unique<State>(std::move(options), std::move(plan), std::move(*query));
  return std::unique_ptr<SelectJob>(new SelectJob(std::move(state)));
}

SelectJob::SelectJob(std::unique_ptr<State> state) : state_(std::move(state)) {}
SelectJob::~SelectJob() = default;

awaitable<Result<void>> SelectJob::produce(s3::Client&, const exec::Emit& emit) {
  const auto& options = state_->options;
  // LIMIT 0 selects nothing, not even an aggregate's row: no range is worth
  // a request.
  const auto limit = state_->query.query.limit();
  if (limit && *limit == 0) co_return Result<void>();
  for (std::uint64_t i = 0; i < state_->plan.ranges; ++i) {
    if (state_->order.unwanted(i)) break;  // LIMIT reached, or a range before failed
    exec::WorkItem item;
    item.object.key = options.location.key;
    item.object.size = state_->plan.object_size;
    const auto bytes = range_bytes(i, state_->plan.object_size, options.chunk_size);
    item.first_byte = bytes.first;
    item.last_byte = bytes.last;
    if (!co_await emit(std::move(item))) break;
  }
  co_return Result<void>();
}

awaitable<Result<std::uint64_t>> SelectJob::process(exec::WorkerContext& context,
                                                    const exec::WorkItem& item) {
  State& s = *state_;
  const std::uint64_t index = item.first_byte / s.options.chunk_size;
  // Every range reports to the order exactly once, whatever happens here;
  // later ranges wait for it.
  struct Report {
    State& s;
    std::uint64_t index;
    Finished finished;
    ~Report() { s.order.complete(index, std::move(finished)); }
  } report{s, index, {}};
  auto fail = [&](Error e) -> Result<std::uint64_t> {
    report.finished.error = e;
    s.order.stop_after(index);  // the answer ends here, or at an earlier failure
    return e;
  };

  // The range's work, in a coroutine of its own so that an exception from
  // anywhere in it (out of memory, say) is this range's error: left to the
  // Report, the range was merged as one without records, and the answer
  // came out wrong with exit 0.
  auto evaluate = [&]() -> awaitable<Result<std::uint64_t>> {
    if (!co_await s.order.admit(index)) co_return std::uint64_t{0};

    const s3::ByteRange range{item.first_byte, item.last_byte};
    if (s.plan.engine == SelectEngine::s3select) {
      auto fetched = co_await run_s3select(context, range, report.finished.outcome,
                                           report.finished.rows_before_error);
      if (!fetched) co_return fail(with_its_range(fetched.error(), index, s.plan.ranges, range));
      s.bytes_fetched.fetch_add(*fetched, std::memory_order_relaxed);
      co_return fetched;
    }
    const std::uint64_t object_end = s.plan.object_size - 1;
    RangeEvaluator evaluator(s.query, range);
    // Split into ranges, a file with line breaks in quoted fields gives wrong
    // records: a range that read through without an error of its own says so.
    // One with an error of its own (a quote left open at the end of the
    // object, a CAST) reports that: if it started out of step, inside such a
    // field, the range before it read that field's line break and fails
    // saying so, and the answer ends at the first failure; if it did not, its
    // error is the data's (a review: an unterminated quote was told as line
    // breaks in quotes, and the --chunk-size the message advised then met
    // the quote).
    const auto misread = [&] { return s.plan.ranges > 1 && evaluator.saw_quoted_newline(); };
    const auto misread_error = [&] {
      return quoted_newline_error(s3::s3_uri(s.options.location.bucket, s.options.location.key),
                                  s.plan.object_size);
    };
    auto fail_range = [&](Error e) {
      if (evaluator.refused_a_record()) {
        report.finished.outcome = evaluator.take();  // (the evaluation is settled)
        report.finished.rows_before_error = true;
      }
      return fail(std::move(e));
    };
    std::uint64_t from = range.first == 0 ? 0 : range.first - 1;
    std::uint64_t grow = std::min(kOvershoot, range.last - range.first + 1);
    std::uint64_t until = std::min(object_end, range.last + grow);
    std::uint64_t fetched = 0;
    for (;;) {
      // Every range streams through the evaluator as it arrives (see
      // select_stream.hpp for why not held whole).
      auto done = co_await stream_range(context, index, from, until, evaluator, fetched);
      if (!done) co_return fail_range(done.error());
      if (*done) break;
      // The answer is complete, or failed, without this range: it is not
      // delivered, so neither its error nor the rest of it matters.
      if (s.order.unwanted(index)) co_return fetched;
      if (until >= object_end) {
        Result<void> finished;
        co_await context.run_cpu([&] { finished = evaluator.finish(); });
        if (!finished) {
          // (The CSV reader knows no object: the object is named here, as
          // other errors about its content name it.)
          Error error = finished.error();
          error.message =
              s3::s3_uri(s.options.location.bucket, s.options.location.key) + ": " + error.message;
          co_return fail_range(std::move(error));
        }
        break;
      }
      from = until + 1;
      grow *= 2;
      until = std::min(object_end, until + grow);
    }
    if (misread()) co_return fail(misread_error());
    report.finished.outcome = evaluator.take();
    co_return fetched;
  };
  try {
    co_return co_await evaluate();
  } catch (...) {
    report.finished.outcome = {};
    report.finished.rows_before_error = false;
    co_return fail(error_from_exception(std::current_exception()));
  }
}

awaitable<Result<bool>> SelectJob::stream_range(exec::WorkerContext& context, std::uint64_t index,
                                                std::uint64_t from, std::uint64_t until,
                                                RangeEvaluator& evaluator,
                                                std::uint64_t& received) {
  const auto& where = state_->options.location;
  StreamedEvaluation evaluation(context, evaluator, co_await boost::asio::this_coro::executor);
  std::optional<Error> failure;
  const s3::Client& client = context.client();
  std::uint64_t next = from;
  for (int resumes = 0; next <= until; ++resumes) {
    std::uint64_t got = 0;
    bool refused = false;  // by the evaluation: no resume
    bool cut = false;      // the rest is not needed: no resume
    net::BodySink sink = [&](std::string_view bytes) -> Result<void> {
      got += bytes.size();
      received += bytes.size();
      state_->bytes_fetched.fetch_add(bytes.size(), std::memory_order_relaxed);
      // (A read whose bytes are always there never waits where Ctrl-C
      // would cut it off.)
      if (client.interrupt_requested()) {
        failure = StreamedEvaluation::cut_off_by_interrupt();
        cut = true;
        return *failure;
      }
      auto pushed = evaluation.push(bytes);
      refused = !pushed;
      if (!pushed) return pushed;
      // Reading on would fetch bytes only to drop them: LIMIT rows are made
      // here or in an earlier range, the output failed or an earlier range
      // did. A short tail (the usual over-read past a range's last record) is
      // read anyway: the connection, read to the end, is kept for the next
      // range.
      const std::uint64_t left = until + 1 - (next + got);
      if ((evaluation.done() && left > kOvershoot) || state_->order.unwanted(index)) {
        cut = true;
        return make_error(ErrorKind::cancelled, "the rest of the range is not needed");
      }
      return {};
    };
    sink.pace = [&evaluation] { return evaluation.room(); };
    auto reply = co_await context.client().get_object_stream(
        where.bucket, where.key, s3::ByteRange{next, until}, std::move(sink), state_->plan.etag);
    next += got;
    if (refused || cut) break;  // settle() reports the evaluation's error
    if (reply) {
      if (next != until + 1) failure = changed_object(from, until, next - from);
      break;
    }
    // A read that broke part way resumes where it stopped (send() cannot
    // retry a body that reached the sink), as often as --max-attempts and the
    // retry budget allow a retry. One that broke before its first byte was
    // retried by send() already.
    // (A request's failure names the range, not the evaluation's: the data's
    // errors name their offset in the object; nor a short read, which names
    // its bytes.)
    const auto range = range_bytes(index, state_->plan.object_size, state_->options.chunk_size);
    if (got == 0) {
      failure = with_its_range(changed_during_select(reply.error(), where, state_->plan.etag),
                               index, state_->plan.ranges, range);
      break;
    }
    if (auto stop = co_await context.client().before_resumed_read(reply.error(), resumes + 1)) {
      failure = with_its_range(std::move(*stop), index, state_->plan.ranges, range);
      break;
    }
  }
  // Always: a block may still be on the worker pool, using `evaluator`.
  auto settled = co_await evaluation.settle();
  if (failure) co_return *failure;
  co_return settled;
}

awaitable<Result<std::uint64_t>> SelectJob::run_s3select(exec::WorkerContext& context,
                                                         s3::ByteRange range, RangeOutcome& out,
                                                         bool& rows_before_error) {
  State& s = *state_;
  s3::SelectRequest request = s3select_request(s.query, s.options.expression);
  request.scan_start = range.first;
  request.scan_end = range.last;
  std::string records;
  std::uint64_t scanned = 0;
  // A range's rows are held until it is merged in order, so a server that
  // never ends its Records (a review saw 441 MiB in 10 s) would take all
  // memory. Rows wider than their CSV are possible (JSON output, computed
  // columns), so the bound is generous: 8 times the range and 1 MiB more.
  const std::uint64_t range_bytes = range.last - range.first + 1;
  const std::uint64_t records_cap = 8 * range_bytes + (std::uint64_t{1} << 20);
  auto reply = co_await context.client().select_object_content(
      s.options.location.bucket, s.options.location.key, request,
      [&](const s3::SelectEvent& event) -> Result<void> {
        if (event.kind == s3::SelectEventKind::records) {
          if (records.size() + event.payload.size() > records_cap) {
            return make_error(
                ErrorKind::protocol,
                fmt::format("the server's rows for bytes {}-{} passed {} bytes (8 times the "
                            "range and 1 MiB more) without an end: not believed (if the "
                            "query's rows are that much wider than its CSV, lower --chunk-size, "
                            "or use --engine local)",
                            range.first, range.last, records_cap));
          }
          records += event.payload;
        } else if (event.kind == s3::SelectEventKind::stats) {
          auto stats = s3::parse_select_stats(event.payload);
          if (!stats) return stats.error();
          scanned = stats->bytes_scanned;
        }
        return {};
      },
      // A reply broken part way is asked for again: the range's rows are
      // held until merged, so nothing of the broken one was used.
      [&] {
        records.clear();
        scanned = 0;
      });
  Result<RangeOutcome> outcome = make_error(ErrorKind::protocol, "not evaluated");
  if (!reply) {
    // An error event (HTTP 200: the server's verdict, say on a record it
    // could not evaluate) may follow rows of this range: they come before the
    // error, as the local engine's do (deliver() decides whether they are
    // wanted). Not so for a transport failure, nor an aggregate's partial,
    // which is whole or nothing.
    const bool verdict = reply.error().http_status == 200 && !reply.error().s3_code.empty();
    if (verdict && !records.empty() && !s.query.query.is_aggregate()) {
      co_await context.run_cpu(
          [&] { outcome = s3select_outcome(s.query, std::move(records), /*cut_short=*/true); });
      if (outcome) {
        out = std::move(*outcome);
        rows_before_error = true;
      }
    }
    co_return reply.error();
  }
  co_await context.run_cpu([&] { outcome = s3select_outcome(s.query, std::move(records)); });
  if (!outcome) co_return outcome.error();
  out = std::move(*outcome);
  co_return scanned;
}

std::string SelectJob::describe(const exec::WorkItem& item) const {
  return fmt::format("{} bytes {}-{}",
                     s3::s3_uri(state_->options.location.bucket, state_->options.location.key),
                     item.first_byte, item.last_byte);
}

Result<void> SelectJob::finish() {
  State& s = *state_;
  if (s.finish_ran) {
    return make_error(ErrorKind::usage, "SelectJob::finish() ran already: its output is written");
  }
  s.finish_ran = true;
  if (s.failure) return *s.failure;  // the run is over: no lock needed
  if (s.output_failed) return {};
  // A run cut short (cancelled, stopped, never run) answered for part of
  // the object: an aggregate's row over it would be a wrong number.
  const auto limit = s.query.query.limit();
  const bool limit_reached = limit && !s.query.query.is_aggregate() && s.rows_out >= *limit;
  if (s.ranges_used < s.plan.ranges && !limit_reached && !(limit && *limit == 0)) {
    return make_error(ErrorKind::cancelled,
                      fmt::format("the select did not run to its end ({} of {} ranges "
                                  "answered): nothing more is written",
                                  s.ranges_used, s.plan.ranges));
  }
  if (s.query.query.is_aggregate() && !(s.query.query.limit() && *s.query.query.limit() == 0)) {
    const auto finished = select::finish(s.total);
    if (!finished) return finished.error();
    const std::vector<std::string>& row = *finished;
    std::string out;
    if (s.options.output == SelectOutput::json) {
      select::append_json_record(out, s.query.query.output_names(row.size()), row,
                                 select::finish_json_types(row));
    } else {
      select::append_csv_record(out, row, s.options.output_format);
    }
    if (s.options.on_output && !s.options.on_output(out)) {
      s.output_failed = true;  // (the caller tells why, as for a range's rows)
      return {};
    }
    s.rows_out = 1;
  }
  if (s.query.key_summary && s.options.on_range) {
    const auto line = select::finish(s.key_total).value();  // no sum here either
    const s3::ByteRange whole{0, s.plan.object_size == 0 ? 0 : s.plan.object_size - 1};
    s.options.on_range(RangeSummary{s.plan.ranges, whole, s.key_records, line.at(1), line.at(2)});
  }
  return {};
}

std::uint64_t SelectJob::records_out() const {
  return state_->rows_out;
}

std::uint64_t SelectJob::ranges_used() const {
  return state_->ranges_used;
}

std::uint64_t SelectJob::bytes_fetched() const {
  return state_->bytes_fetched.load();
}

bool SelectJob::output_failed() const {
  return state_->output_failed;
}

}  // namespace s3loop::jobs
