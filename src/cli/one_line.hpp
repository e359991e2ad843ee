// Error, warning and failure lines are one line each, whatever the text they
// quote: an S3 key may hold a line break or any other control character, and
// so may a flag value. Such characters are written as C escapes.
#pragma once

#include <string>
#include <string_view>

namespace s3loop::cli {

// `text` with LF, CR and every other control character (tab aside) and DEL
// written as \n, \r, \xNN, and so are the C1 controls (U+0080-U+009F), the
// line and paragraph separators (U+2028, U+2029) and each byte that is no
// part of a valid UTF-8 character; everything else, UTF-8 included, as it is.
std::string one_line(std::string_view text);

}  // namespace s3loop::cli
