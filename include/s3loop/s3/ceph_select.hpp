// Ceph radosgw's S3 Select (as in 16.2, the local test server) speaks its own
// dialect of the reply, not AWS's: each Records payload is wrapped in
// "\n<Payload>\n<Records>\n<Payload>\n" ... "</Payload></Records></Payload>",
// every CSV row ends with one more field delimiter, a rejected statement comes
// back as a Records payload "failure -->...<---" instead of an error event,
// and the stream ends after its Records without an End event. I/O-free, so
// each rule is tested on bytes captured from the server.
#pragma once

#include "s3loop/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace s3loop::s3 {

// The rows inside one radosgw Records payload; nullopt when the payload is not
// wrapped that way (AWS sends the rows bare).
std::optional<std::string_view> unwrap_ceph_records(std::string_view payload);

// Unwrapped radosgw CSV rows as AWS writes them: the extra delimiter at the end
// of each row (outside quotes) and the blank line before the wrapper's end
// removed. radosgw sends whole rows in each payload. A data error when a line
// break falls inside a quoted field: radosgw 16.2 ends a record at every line
// break, quoted or not, and echoes each piece as a row of its own ("1,\"x\ny\""
// comes back as "1,\"x,\ny\",\n"), which would read as one record holding the
// wrong value.
Result<std::string> ceph_rows_as_aws(std::string_view rows, char delimiter, char quote);

// radosgw's report of a statement it could not run, from unwrapped rows
// ("failure -->FROM s3object;<---" names where its parser stopped), or of a
// result row too long for it to write (a bare "result line too long" row);
// nullopt when `rows` is data.
std::optional<std::string> ceph_select_failure(std::string_view rows);

}  // namespace s3loop::s3
