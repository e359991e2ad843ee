#include "s3loop/jobs/key_filter.hpp"

#include <fnmatch.h>
#include <locale.h>

namespace s3loop::jobs {

namespace {

// Keys are UTF-8: in the C locale fnmatch's '?' would match one byte of
// "é", not the letter. The locale is made once and never freed.
locale_t utf8_locale() {
  static const locale_t locale = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
  return locale;
}

bool matches(const std::string& pattern, std::string_view key) {
  // fnmatch wants a C string; keys hold no NUL (S3 refuses them).
  const std::string subject(key);
  const locale_t utf8 = utf8_locale();
  const locale_t previous = utf8 != locale_t{} ? ::uselocale(utf8) : locale_t{};
  // No FNM_PATHNAME: '*' crosses '/', as in Python's fnmatch. FNM_NOESCAPE:
  // a backslash is an ordinary character there too.
  const bool matched = ::fnmatch(pattern.c_str(), subject.c_str(), FNM_NOESCAPE) == 0;
  if (previous != locale_t{}) ::uselocale(previous);
  return matched;
}

}  // namespace

bool key_selected(const std::vector<KeyFilter>& filters, std::string_view relative_key) {
  for (auto it = filters.rbegin(); it != filters.rend(); ++it) {
    if (matches(it->pattern, relative_key)) return it->kind == KeyFilter::Kind::include;
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
