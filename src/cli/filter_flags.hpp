// --exclude / --include PATTERN for cp (and compare, which passes them on).
#pragma once

#include "s3loop/jobs/key_filter.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace s3loop::cli {

// Repeatable; `filters` gets them in command-line order across both flags
// (the last match decides, so the order is the meaning).
void add_filter_options(CLI::App& command, std::vector<jobs::KeyFilter>& filters);

// The same flags picked out of arguments passed through unparsed, as
// compare passes cp's: compare verifies each run and must skip what they
// leave out. "--exclude P" and "--exclude=P" both count.
std::vector<jobs::KeyFilter> filters_in(const std::vector<std::string>& args);

}  // namespace s3loop::cli
