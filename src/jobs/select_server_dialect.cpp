// --server-dialect: the expression as written, to the server's S3 Select,
// over the whole object in one request.
#include "s3loop/jobs/select/csv.hpp"
#include "s3loop/jobs/select_job.hpp"
#include "select_range.hpp"

#include <string>
#include <vector>

namespace s3loop::jobs {

using boost::asio::awaitable;

awaitable<Result<ServerSelectResult>> select_in_server_dialect(s3::Client& client,
                                                               const SelectOptions& options) {
  // CSV out, always: radosgw 16.2 ignores a JSON OutputSerialization (the
  // command refuses --output json here). With ',' between fields: radosgw
  // 16.2 writes ',' whatever OutputSerialization asks for, AWS writes what it
  // is asked; asked for ',', both write what is read back here, and the rows
  // are written again below with the output delimiter.
  const select::CsvFormat server_rows{',', options.format.quote, '\0'};  // data, no comments
  s3::SelectRequest request = csv_select_request(options.expression, options.header, options.format,
                                                 server_rows.field_delimiter);

  ServerSelectResult result;
  // CSV rows are read again and written the way s3loop writes them (quoted only
  // where needed), so the same records read the same whichever engine made them.
  // Rows may be split across Records events: the reader carries the rest over.
  select::CsvReader reader(server_rows);
  std::vector<std::string> row;
  std::string out;
  std::uint64_t pending = 0;  // records in `out`
  const select::RecordSink rewrite = [&](const select::CsvRecord& record) {
    row.assign(record.fields.begin(), record.fields.end());
    select::append_csv_record(out, row, options.output_format);
    ++pending;
    return true;
  };
  // False once on_output refused rows (stdout on a full disk): the rest of
  // the reply is not read for rows that could not be written either.
  auto deliver = [&] {
    if (!out.empty() && options.on_output && !options.on_output(out)) {
      result.output_failed = true;
      return false;
    }
    result.records += pending;
    pending = 0;
    out.clear();
    return true;
  };

  auto reply = co_await client.select_object_content(
      options.location.bucket, options.location.key, std::move(request),
      [&](const s3::SelectEvent& event) -> Result<void> {
        if (event.kind == s3::SelectEventKind::stats) {
          auto stats = s3::parse_select_stats(event.payload);
          if (!stats) return stats.error();
          result.bytes_scanned = stats->bytes_scanned;
        }
        if (event.kind != s3::SelectEventKind::records) return {};
        reader.feed(event.payload, rewrite);
        // An error from here ends the request: the connection is dropped.
        if (!deliver()) return make_error(ErrorKind::io, "the output could not be written");
        return {};
      });
  if (result.output_failed) co_return result;  // the caller tells why
  if (!reply) co_return reply.error();
  if (auto last = reader.finish(rewrite); !last) co_return last.error();
  deliver();
  co_return result;
}

}  // namespace s3loop::jobs
