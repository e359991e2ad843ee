#include "s3loop/jobs/key_filter.hpp"

#include "glob_match.hpp"

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
  return {};
}

}  // namespace s3loop::jobs
