// What every subcommand shares: connection flags, turning them into a client
// configuration, exit codes and one-line error output.
#pragma once

#include "cancel_signal.hpp"
#include "s3loop/error.hpp"
#include "s3loop/s3/client.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace s3loop::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,  // the command ran but some work failed
  kExitUsage = 2,   // bad flags, URLs or configuration: change the command
  // A signal stopped it: cancelled_exit_code() (cancel_signal.hpp), 130 or 143.
};

struct CommonOptions {
  std::optional<std::string> endpoint_url;
  std::optional<std::string> region;
  std::optional<std::string> profile;
  std::optional<std::string> ca_bundle;
  bool no_verify_ssl = false;
  std::optional<std::string> addressing_style;  // auto, path or virtual; unset: the profile's
  int max_attempts = 5;
  int retry_budget = s3::RetryBudget::kDefaultCapacity;
  std::optional<double> connect_timeout;  // seconds: TCP connect and TLS handshake
  std::optional<double> read_timeout;     // seconds: until a reply starts, between reads
  bool json = false;
  bool debug = false;
};

void add_common_options(CLI::App& command, CommonOptions& options);

// The command-line words that give a child s3loop the same connection, retry,
// timeout and debug settings (every option above but --json, which says how
// the parent prints): what `compare` passes to each run. Beside
// add_common_options so that a new option is forwarded where it is added.
std::vector<std::string> common_option_arguments(const CommonOptions& options);

// A whole number written in decimal digits (CLI11 alone also takes 0x10,
// 0b11 and 1e3, and reads 010 as octal), within [low, high]: "must be
// between 1 and 1024, got 0". It rewrites the value without leading zeros
// ("010" is 10), so add it with ->transform(), not ->check() (whose
// validators work on a copy).
CLI::Validator whole_number_between(std::int64_t low, std::int64_t high);
// The same for an option whose range is checked once all flags are read
// (--concurrency: `-c 0 -c 5` takes 5): its form here, and only a number
// too large for an int is refused, with the range [low, high] it is outside.
CLI::Validator whole_number_ranged_later(std::int64_t low, std::int64_t high);

// Adds both to a whole-number option: every occurrence must be a whole
// number, and the one that counts -- the last, as a flag given twice counts
// as given last -- must be within [low, high] (`--threads 0 --threads 5`
// runs 5 threads, as aws cli's argparse reads it).
CLI::Option* whole_number_option(CLI::Option* option, std::int64_t low, std::int64_t high);

// Resolves credentials, region, endpoint and TLS trust. Errors here are the
// user's to fix: exit code 2. With --no-verify-ssl on an https endpoint it
// warns once, as aws cli does, unless told not to (compare's runs: compare
// itself has warned).
Result<std::unique_ptr<s3::ClientShared>> make_client_shared(const CommonOptions& options,
                                                             bool warn_unverified = true);

// What a renewal of expiring credentials (a credential_process's) says: a
// failed one while the current ones still serve is a warning, through `warn`
// (default: print_warning; a command with a status line passes its own
// writer); its start and end are --debug lines. make_client_shared sets the
// default.
void note_credential_renewals(s3::ClientShared& shared, bool debug,
                              std::function<void(const std::string&)> warn = {});

// "s3loop: error: <message>" on stderr.
void print_error(const std::string& message);
// "s3loop: warning: <message>" on stderr, one line as print_error's (a key
// holding a line break or a carriage return is written \n, \r).
void print_warning(const std::string& message);
// The same line, not yet one_line()'d nor written: for a writer of its own
// that does both (Progress::message, which keeps the status line whole).
std::string warning_line(const std::string& message);

// What an error that says to check --endpoint-url adds about the endpoint in
// use: where it was set ("the endpoint in use is set by AWS_ENDPOINT_URL"),
// that none was ("... is AWS's for the region, as no endpoint setting names
// another"), or nothing when --endpoint-url set it.
std::string endpoint_note(const s3::ResolvedConfig& config);
// Where the region of the last make_client_shared() came from: "--region",
// "AWS_REGION", "AWS_DEFAULT_REGION", "profile dev" or "default" (us-east-1).
const std::string& region_source();
// Prints the error of input the user has to fix; returns exit code 2.
int usage_error(const Error& error);
int exit_code_for(const Error& error);
// Prints the error; returns the exit code its kind calls for.
int report_failure(const Error& error);

// Set by the SIGINT handler; strategies poll it. uploads_may_be_left: a
// second signal, which exits at once, says that multipart uploads of a copy
// may be left open (cp).
void install_interrupt_handler(std::atomic<bool>* flag_to_set, bool uploads_may_be_left = false);

// For commands that change data (cp, compare): a reader that goes away
// (`s3loop cp ... | head -1`) must not kill the copy half way, with
// multipart uploads left open. Writes to the closed pipe then fail, the copy
// goes on to its end, and main reports the output that did not arrive.
void keep_running_when_output_closes();

}  // namespace s3loop::cli
