// Command lines CLI11 would misread: a flag read as the value of the option
// before it, and flags written before the command.
#pragma once

#include "s3loop/error.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace s3loop::cli {

// CLI11 takes the word after an option that needs a value as that value,
// whatever it is: `cp SRC DST --exclude --dry-run` excludes the pattern
// "--dry-run" and copies for real. aws cli (argparse) refuses a separate
// value that starts with "--", and so does this: the error for the first
// option (long or short) of `app`, or of the command named among `words`
// (argv without the program's name), that is followed by a word starting with
// "--" (a lone "--" too). A value that starts with "--" is given as
// --option=--value. Words after a lone "--" are not options.
std::optional<Error> flag_given_as_value(const CLI::App& app,
                                         const std::vector<std::string>& words);

// CLI11 reads `--dry-run=off` (or =false, =0, =no) as the switch turned off:
// a user who typed --dry-run=... copied for real. aws cli (argparse) refuses
// any value given to a switch, and so does this: the error for the first
// `--switch=value` among `words` (argv without the program's name) naming a
// switch -- an option that takes no value -- of `app` or of the command named.
std::optional<Error> switch_given_a_value(const CLI::App& app,
                                          const std::vector<std::string>& words);

// What CLI11 refused a command line for, said plainly on one line, without
// the "(see ... --help)" pointer: stray words in the order typed ("this
// argument was not expected: --frob"), a value that is no number of the
// option's type, an option without its value ("--exclude needs a value").
// Other errors keep CLI11's words. `app` is the one that parsed.
std::string describe_parse_error(const CLI::ParseError& error, const CLI::App& app);

// `s3loop -c 5 ls ...`: CLI11 would say "not expected: 5 -c". The error that
// names the first word and the command, with the words moved after it; none
// when the first word is no flag, or is --help, -h or --version.
std::optional<Error> flags_before_command(const CLI::App& app,
                                          const std::vector<std::string>& words);

}  // namespace s3loop::cli
