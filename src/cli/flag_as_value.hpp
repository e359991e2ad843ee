// Command lines CLI11 would misread: a flag read as the value of the option
// before it, and flags written before the command.
#pragma once

#include "s3loop/error.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace s3loop::cli {

// Flags CLI11 would read otherwise than a user of aws cli (argparse) means
// them; the error for the first such word among `words` (argv without the
// program's name), for options of `app` or of the command named (words after
// a lone "--" are not options):
// - a word starting with "--" (a lone "--" too) after an option, long or
//   short, that needs a value: CLI11 takes it as the value, whatever it is
//   (`cp SRC DST --exclude --dry-run` excluded the pattern "--dry-run" and
//   copied for real). A value that starts with "--" is given as
//   --option=--value.
// - `--switch=value` (or `-s=value`) naming a switch, an option that takes no value: CLI11
//   reads `--dry-run=off` (=false, =0, =no) as the switch turned off, and a
//   user who typed --dry-run=... copied for real.
std::optional<Error> misread_flag(const CLI::App& app, const std::vector<std::string>& words);

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

// `s3loop compare -c 4 cp SRC DST`: CLI11 would take "4" for the job ("'4'
// is no job compare runs"). The error that names the cp flag standing before
// cp, with the words moved after it; none otherwise.
std::optional<Error> job_flags_before_job(const CLI::App& app,
                                          const std::vector<std::string>& words);

// `s3loop compare cp -- SRC DST`: CLI11 ends compare at a "--" once its one
// positional (the job) is read, and the URLs after it were refused as stray
// words of s3loop itself. compare's words with the mark taken out (what
// follows it is read as the job, its source and destination, which are no
// flags either way); an error when a word after the mark looks like a flag,
// which "--" says is none. Other commands' words come back as they are.
Result<std::vector<std::string>> without_compare_end_of_options(std::vector<std::string> words);

}  // namespace s3loop::cli
