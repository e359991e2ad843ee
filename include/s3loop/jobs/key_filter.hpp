// --exclude / --include: which listed keys a copy takes, with the rules of
// `aws s3 cp --recursive`. Pure, no I/O.
#pragma once

#include "s3loop/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace s3loop::jobs {

struct KeyFilter {
  enum class Kind { include, exclude };
  Kind kind = Kind::exclude;
  // A glob as Python's fnmatch (aws cli) reads it: `*` matches any run of
  // characters, '/' included; `?` one character (a UTF-8 letter, not a
  // byte); `[abc]`, `[a-z]`, `[!abc]` a set; an unclosed '[' is itself;
  // nothing is an escape. Case matters.
  std::string pattern;
};

// Every key is taken unless a filter says otherwise (no filters: every key); the filters apply in
// the order given and the last one that matches decides, so
// `--exclude '*' --include '*.csv'` takes only the CSV files.
// `relative_key` is the key below the source directory ("dir/x" of
// s3://b/src/dir/x copied from s3://b/src/).
bool key_selected(const std::vector<KeyFilter>& filters, std::string_view relative_key);

// An empty pattern, as a usage error naming the flag.
Result<void> check_filter(const KeyFilter& filter);

}  // namespace s3loop::jobs
