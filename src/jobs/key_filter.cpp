#include "s3loop/jobs/key_filter.hpp"

#include "glob_match.hpp"
#include "s3loop/one_line.hpp"
#include "s3loop/utf8.hpp"

#include <fmt/format.h>

namespace s3loop::jobs {

bool key_selected(const std::vector<KeyFilter>& filters, std::string_view relative_key) {
  for (auto it = filters.rbegin(); it != filters.rend(); ++it) {
    if (glob_matches(it->pattern, relative_key)) return it->kind == KeyFilter::Kind::include;
  }
  return true;
}

Result<void> check_filter(const KeyFilter& filter) {
  const char* flag = filter.kind == KeyFilter::Kind::include ? "--include" : "--exclude";
  if (filter.pattern.empty()) {
    return make_error(
        ErrorKind::usage,
        std::string(flag) + " needs a pattern, e.g. '*.csv' (quote it for the shell)");
  }
  // S3 keys are UTF-8: a pattern in another encoding (a Latin-1 shell's
  // "caf\xe9*") matched nothing, silently.
  if (const std::size_t bad = utf8::first_invalid(filter.pattern); bad != std::string_view::npos) {
    return make_error(ErrorKind::usage,
                      fmt::format("{} '{}' is not UTF-8 (byte \\x{:02x}), and S3 keys are UTF-8 "
                                  "text, so it can match none: check the encoding of the shell or "
                                  "script that wrote it",
                                  flag, one_line(filter.pattern),
                                  static_cast<unsigned char>(filter.pattern[bad])));
  }
  return {};
}

}  // namespace s3loop::jobs
