// Everything `select` decides before the first range is fetched.
#include "select_range.hpp"

#include "s3loop/jobs/select_job.hpp"
#include "s3loop/s3/xml.hpp"

#include <fmt/format.h>
#include <boost/algorithm/string/join.hpp>
#include <boost/algorithm/string/predicate.hpp>

#include <algorithm>

namespace s3loop::jobs {

using boost::asio::awaitable;

namespace {

// Where the header line is looked for: the first 64 KiB, doubled while no
// complete line is in, up to 16 MiB.
constexpr std::uint64_t kFirstRead = 64 * 1024;
constexpr std::uint64_t kMaxHeaderRead = 16 * 1024 * 1024;

// The object's first bytes, enough to hold its first record.
struct Prefix {
  std::string bytes;
  bool whole_object = false;
  std::optional<select::FirstRecord> first_record;
  std::optional<std::vector<std::string>> first_fields() const {
    if (!first_record) return std::nullopt;
    return first_record->fields;
  }
};

// `etag`: the HEAD's, so that the header read is of the version the ranges
// will read.
awaitable<Result<Prefix>> read_prefix(s3::Client& client, s3::S3Url location, std::uint64_t size,
                                      std::string etag, select::CsvFormat format) {
  Prefix prefix;
  for (std::uint64_t want = kFirstRead;; want *= 2) {
    const std::uint64_t last = std::min(want, size) - 1;
    auto bytes =
        co_await client.get_object(location.bucket, location.key, s3::ByteRange{0, last}, etag);
    if (!bytes) co_return changed_during_select(bytes.error(), location, etag);
    // Read as CSV, compressed bytes give a count or rows that mean nothing
    // (S3 Select decompresses GZIP and BZIP2 only when told; this tool sends
    // CompressionType NONE and reads plain text). Told from the first read,
    // before any search for a first line in what is no text.
    if (want == kFirstRead) {
      if (const auto compressed = select::compression_of(*bytes); !compressed.empty()) {
        co_return make_error(
            ErrorKind::data,
            fmt::format("object {} is {}-compressed (its first bytes are {}'s signature): select "
                        "reads plain CSV text; decompress it and upload that",
                        s3::s3_uri(location.bucket, location.key), compressed, compressed));
      }
    }
    prefix.bytes = std::move(*bytes);
    prefix.whole_object = last + 1 >= size;
    // A last line without its newline is complete when the object ends there.
    prefix.first_record =
        select::read_first_record(prefix.whole_object ? prefix.bytes + "\n" : prefix.bytes, format);
    if (prefix.first_record || prefix.whole_object) co_return prefix;
    if (want >= kMaxHeaderRead) {
      // (The data's, not the command's: no flag changes it, so exit 1.)
      co_return make_error(
          ErrorKind::data,
          fmt::format("{}: no complete first record in its first {} MiB (select reads the first "
                      "record whole, header or not, before it splits the object): is it CSV "
                      "with newline-separated records?",
                      s3::s3_uri(location.bucket, location.key), kMaxHeaderRead >> 20));
    }
  }
}

Result<void> check_required_columns(const std::vector<std::string>& required,
                                    const std::optional<std::vector<std::string>>& found) {
  const std::vector<std::string> columns = found.value_or(std::vector<std::string>{});
  std::vector<std::string> missing;
  // As an unquoted SQL name matches the header, whatever its case ("ID" for
  // "id"), as --key-column does: the query that passes the check reads it.
  for (const auto& name : required) {
    const bool present = std::any_of(columns.begin(), columns.end(), [&](const std::string& c) {
      return boost::algorithm::iequals(c, name);
    });
    if (!present) missing.push_back(name);
  }
  if (missing.empty()) return {};
  return make_error(
      ErrorKind::usage,
      fmt::format("missing required column{} {} (the header has: {})",
                  missing.size() == 1 ? "" : "s", boost::algorithm::join(missing, ", "),
                  columns.empty() ? "nothing" : boost::algorithm::join(columns, ", ")));
}

// Printable excerpt of a reply for a message.
std::string excerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 60)) {
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (text.size() > 60) out += "...";
  return out;
}

// Asks the server for COUNT(*) over ScanRanges whose right answers are known
// from the prefix: the first two lines (a range at 0, header included), then
// the second line alone (a range inside the object: its first record is data,
// not a header), then a range that starts and ends inside records. A server
// that rejects the AWS dialect, ignores ScanRange (counting the whole object),
// reads a header at every range start, parses only the range's bytes, or
// wraps its output differently answers otherwise.
awaitable<Result<std::optional<std::string>>> probe_range(s3::Client& client,
                                                          const SelectOptions& options,
                                                          const Prefix& prefix,
                                                          s3::ByteRange range) {
  const std::string_view from =
      std::string_view(prefix.bytes).substr(range.first == 0 ? 0 : range.first - 1);
  auto expected_records = select::read_range(
      from, range.first, range.last, prefix.whole_object, options.format, options.header,
      prefix.first_record ? std::optional(prefix.first_record->offset) : std::nullopt);
  if (!expected_records) {
    // A quoted field that runs on past the bytes read (a line break in it
    // near their end): the right answer is unknown, so is the server's
    // worth. No reason to fail the command: the local engine reads it (a
    // review found valid CSV refused under the default engine).
    co_return std::optional<std::string>(
        fmt::format("a ScanRange probe's right answer cannot be worked out from the object's "
                    "first {} bytes ({}), so the server's S3 Select could not be checked",
                    prefix.bytes.size(), expected_records.error().message));
  }
  const std::string expected = std::to_string(expected_records->records.size()) + "\n";

  s3::SelectRequest request =
      csv_select_request("SELECT COUNT(*) FROM S3Object", options.header, options.format, ',');
  request.scan_start = range.first;
  request.scan_end = range.last;
  std::string answer;
  auto reply = co_await client.select_object_content(
      options.location.bucket, options.location.key, request,
      [&](const s3::SelectEvent& event) -> Result<void> {
        if (event.kind == s3::SelectEventKind::records && answer.size() < 4096) {
          answer += event.payload;
        }
        return {};
      },
      [&] { answer.clear(); });  // a reply broken part way is asked for again
  if (!reply) {
    const Error& e = reply.error();
    if (e.kind != ErrorKind::s3 && e.kind != ErrorKind::http && e.kind != ErrorKind::protocol) {
      co_return e;  // the server is unreachable or refuses us: no engine will do better
    }
    if (answer.empty()) {
      co_return std::optional<std::string>(
          fmt::format("the server's S3 Select failed a probe (COUNT(*) over ScanRange {}-{}): {}",
                      range.first, range.last, e.message));
    }
  }
  if (!reply || answer != expected) {
    co_return std::optional<std::string>(fmt::format(
        "the server's S3 Select answered COUNT(*) over ScanRange {}-{} with \"{}\" where AWS "
        "answers \"{}\"{}",
        range.first, range.last, excerpt(answer), excerpt(expected),
        reply ? "" : " (" + reply.error().message + ")"));
  }
  co_return std::nullopt;
}

struct ProbeVerdict {
  bool aws_semantics = false;
  std::string reason;
};

awaitable<Result<ProbeVerdict>> probe_s3select(s3::Client& client, const SelectOptions& options,
                                               const Prefix& prefix, std::uint64_t size) {
  const auto first_lf = prefix.bytes.find('\n');
  const auto second_lf =
      first_lf == std::string::npos ? std::string::npos : prefix.bytes.find('\n', first_lf + 1);
  if (second_lf == std::string::npos && prefix.bytes.size() < size) {
    // (The header alone may be longer than the bytes read for it.)
    co_return ProbeVerdict{
        false, fmt::format("the object's first two lines are longer than the {} bytes read for "
                           "the header, too long to check the server's ScanRange with",
                           prefix.bytes.size())};
  }
  if (second_lf == std::string::npos || second_lf + 1 >= size) {
    co_return ProbeVerdict{false, "the object is too small to check the server's ScanRange"};
  }
  std::vector<s3::ByteRange> ranges{{0, second_lf}, {first_lf + 1, second_lf}};
  // And a range from inside the second line to the first byte of the third:
  // AWS counts the one record that starts in it (the third line, read whole);
  // a server that parses just the range's bytes (MinIO's, minio/minio#16649)
  // counts the second line's tail and a scrap of the third. Only when the
  // third line is whole in the prefix, where its right answer is known.
  if (first_lf + 2 <= second_lf &&
      (prefix.bytes.find('\n', second_lf + 1) != std::string::npos || prefix.whole_object)) {
    ranges.push_back({first_lf + 2, second_lf + 1});
  }
  for (const s3::ByteRange range : ranges) {
    auto failed = co_await probe_range(client, options, prefix, range);
    if (!failed) co_return failed.error();
    if (*failed) co_return ProbeVerdict{false, **failed};
  }
  co_return ProbeVerdict{true, "the server's S3 Select answered ScanRange probes like AWS does"};
}

// The HEAD is select's first request, and a HEAD's error reply has no body
// to say why, though the user fixes each cause in a different place: a 404
// may be the object's or its whole bucket's (one listing of the bucket, only
// on this error path, tells which), a bare 403 a wrong secret key as much as
// keys that may not read the object. A GET of the first byte
// needs the same permission and says why in its <Error>; its reason is kept
// when it is more specific than the HEAD's "Forbidden". (Only its start is
// read, should a server send the whole object.)
awaitable<Error> explain_head_failure(s3::Client& client, const s3::S3Url& location,
                                      Error head_error) {
  if (head_error.http_status == 404) {
    auto probed = co_await client.probe_bucket(location.bucket);
    if (!probed && probed.error().s3_code == "NoSuchBucket") co_return std::move(probed.error());
    // A 404 to a listing with no S3 <Error> in it (S3 always names the
    // missing thing): a web server, not S3, answered -- the object was never
    // looked for, and "does not exist (NoSuchKey)" would say it was.
    if (!probed && probed.error().http_status == 404 && probed.error().s3_code == "NotFound") {
      co_return make_error(
          ErrorKind::protocol,
          fmt::format("HeadObject {} and a ListObjectsV2 of its bucket were both answered 404 "
                      "without an S3 error: is the endpoint an S3 server? (check --endpoint-url)",
                      s3::s3_uri(location.bucket, location.key)));
    }
  } else if (head_error.http_status == 403 && head_error.s3_code == "Forbidden") {
    std::size_t read = 0;
    auto probe = co_await client.get_object_stream(
        location.bucket, location.key, s3::ByteRange{0, 0},
        [&read](std::string_view chunk) -> Result<void> {
          read += chunk.size();
          if (read > 64 * 1024) return make_error(ErrorKind::protocol, "more than one byte");
          return {};
        });
    if (!probe && probe.error().http_status == 403 && !probe.error().s3_code.empty() &&
        probe.error().s3_code != "Forbidden") {
      co_return std::move(probe.error());
    }
  }
  co_return head_error;
}

}  // namespace

std::vector<std::string> split_column_list(std::string_view list) {
  std::vector<std::string> out;
  for (;;) {
    const auto comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    const auto first = name.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      name = name.substr(first, name.find_last_not_of(" \t") - first + 1);
      out.emplace_back(name);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

// Neither adds `chunk` to anything: --chunk-size may be as large as
// UINT64_MAX, and size + chunk or first + chunk would wrap around.
std::uint64_t range_count(std::uint64_t size, std::uint64_t chunk) {
  return chunk == 0 || size == 0 ? 0 : (size - 1) / chunk + 1;
}

s3::ByteRange range_bytes(std::uint64_t index, std::uint64_t size, std::uint64_t chunk) {
  const std::uint64_t first = index * chunk;
  return s3::ByteRange{first, first + std::min(size - first, chunk) - 1};
}

namespace {

// XML 1.0 carries no control character but tab, not even as a reference: a
// delimiter such as Hive's \x01 cannot be put in a SelectObjectContent
// request (radosgw took "&#1;" and selected nothing). Names the flag and the
// character of one that cannot; only the local engine reads those.
std::optional<std::string> delimiter_no_request_carries(const SelectOptions& options) {
  const auto cannot_carry = [](char c) { return !s3::xml_can_carry(std::string_view(&c, 1)); };
  const auto named = [](std::string_view flag, char c) {
    return fmt::format("{} '\\x{:02x}'", flag, static_cast<unsigned char>(c));
  };
  if (cannot_carry(options.format.field_delimiter)) {
    return named("--delimiter", options.format.field_delimiter);
  }
  // Under --server-dialect the server is asked for ',' and the rows rewritten.
  if (!options.server_dialect && options.output == SelectOutput::csv &&
      cannot_carry(options.output_format.field_delimiter)) {
    return named("--output-delimiter", options.output_format.field_delimiter);
  }
  return std::nullopt;
}

}  // namespace

awaitable<Result<SelectPlan>> plan_select(s3::Client& client, SelectOptions options) {
  if (options.chunk_size == 0) {
    co_return make_error(ErrorKind::usage, "--chunk-size must be at least 1 byte");
  }
  const std::optional<std::string> unsendable = delimiter_no_request_carries(options);
  if (unsendable && (options.server_dialect || options.engine == SelectEngine::s3select)) {
    co_return make_error(
        ErrorKind::usage,
        *unsendable +
            " cannot be sent to the server's S3 Select (XML 1.0 carries no control "
            "character but tab): " +
            (options.server_dialect ? "leave out --server-dialect, and select reads it here"
                                    : "use --engine local (or auto)"));
  }
  // SQL that cannot parse is the command's fault whatever the object holds:
  // said before any request (its columns are checked once the header is read).
  // The server's own dialect is the server's to judge.
  if (!options.server_dialect) {
    if (auto parsed = select::parse_sql(options.expression); !parsed) co_return parsed.error();
  }
  auto head = co_await client.head_object(options.location.bucket, options.location.key);
  if (!head) co_return co_await explain_head_failure(client, options.location, head.error());
  SelectPlan plan;
  plan.object_size = head->size;
  plan.etag = head->etag;
  plan.ranges = range_count(head->size, options.chunk_size);

  Prefix prefix;
  if (head->size > 0) {
    auto read =
        co_await read_prefix(client, options.location, head->size, head->etag, options.format);
    if (!read) co_return read.error();
    prefix = std::move(*read);
  }
  if (auto r = check_required_columns(options.require_columns, prefix.first_fields()); !r) {
    co_return r.error();
  }
  if (options.header == select::FileHeaderInfo::use) {
    // An empty object has no header line: no names (and no records to name).
    plan.header = prefix.first_fields().value_or(std::vector<std::string>{});
  }
  if (prefix.first_record) plan.header_offset = prefix.first_record->offset;
  // An empty object is not sent (radosgw answers a select over zero bytes
  // with a malformed reply). SQL this planner reads is evaluated here over no
  // records, so that COUNT(*) still says 0 as the server would; other SQL
  // (the server's own dialect) selects nothing.
  const bool evaluate_here = options.server_dialect && head->size == 0 &&
                             make_select_query(options, plan.header).has_value();
  if (options.server_dialect && !evaluate_here) {
    // The SQL is the server's to read, whole object in one request.
    plan.ranges = head->size > 0 ? 1 : 0;
    plan.engine = SelectEngine::s3select;
    plan.engine_reason =
        head->size > 0
            ? "--server-dialect: the expression went to the server's S3 Select unchanged, over "
              "the whole object"
            : "--server-dialect: the object is empty, so nothing was sent (and the expression "
              "is not one this tool can evaluate over no records)";
    co_return plan;
  }
  // Bad SQL and unknown columns are reported now, before any range runs.
  auto query = make_select_query(options, plan.header);
  if (!query) co_return query.error();
  if (options.key_column) {
    query->header_offset = plan.header_offset;
    auto usable = check_key_column(*query, *options.key_column, prefix.bytes, prefix.whole_object);
    if (!usable) co_return usable.error();
  }

  if (options.engine == SelectEngine::local) {
    plan.engine = SelectEngine::local;
    plan.engine_reason = "chosen with --engine local";
    co_return plan;
  }
  if (head->size == 0) {
    plan.engine = SelectEngine::local;
    plan.engine_reason = "the object is empty";
    co_return plan;
  }
  if (options.key_column) {
    if (options.engine == SelectEngine::s3select) {
      co_return make_error(ErrorKind::usage,
                           "--per-range summarises records locally: use it with --engine local "
                           "or auto");
    }
    plan.engine = SelectEngine::local;
    plan.engine_reason = "--per-range summarises records locally";
    co_return plan;
  }
  if (unsendable) {
    plan.engine = SelectEngine::local;
    plan.engine_reason =
        *unsendable + " cannot be sent to S3 Select (XML 1.0 carries no control character but tab)";
    co_return plan;
  }
  auto verdict = co_await probe_s3select(client, options, prefix, head->size);
  if (!verdict) co_return verdict.error();
  if (verdict->aws_semantics) {
    plan.engine = SelectEngine::s3select;
    plan.engine_reason = verdict->reason;
  } else if (options.engine == SelectEngine::s3select) {
    co_return make_error(ErrorKind::usage, "--engine s3select: " + verdict->reason +
                                               "; use --engine local (or auto)");
  } else {
    plan.engine = SelectEngine::local;
    plan.engine_reason = verdict->reason;
  }
  co_return plan;
}

}  // namespace s3loop::jobs
