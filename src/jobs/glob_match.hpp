// Glob matching as Python's fnmatch reads a pattern (aws cli's --include and
// --exclude): over Unicode code points, not bytes. Pure, no I/O.
#pragma once

#include <string_view>

namespace s3loop::jobs {

// `*` any run of characters ('/' included), `?` one character, `[abc]`,
// `[a-z]`, `[!abc]` a set of characters; an unclosed '[' stands for itself
// and nothing is an escape. A byte that is not part of valid UTF-8 counts as
// a character of its own, so a broken key is still matched, never refused.
bool glob_matches(std::string_view pattern, std::string_view subject);

}  // namespace s3loop::jobs
