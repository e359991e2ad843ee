// JSON text for output that scripts read a line at a time.
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace s3loop::cli {

// boost::json::serialize, with U+2028, U+2029 and U+0085 in strings written
// as \u escapes: valid JSON either way, but Python's str.splitlines() (and
// JavaScript before ES2019) break a line at them, and a key holding one cut
// its `ls --json` line in two (a review).
std::string json_line(const boost::json::value& value);

}  // namespace s3loop::cli
