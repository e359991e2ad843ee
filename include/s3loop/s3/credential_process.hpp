// credential_process: a profile's command that prints credentials, as the
// AWS CLI runs it (a password manager, aws-vault, a company's SSO helper).
// What the command prints is read here, byte for byte testable; running it
// is a ProcessRunner, so tests need no process.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/s3/sigv4.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace s3loop::s3 {

struct ProcessOutput {
  int exit_code = 0;       // 128 + the signal's number when a signal ended it
  bool timed_out = false;  // it ran past the runner's limit and was killed
  std::string out;         // its standard output
};

// Runs argv (argv[0] looked up in PATH) and returns how it ended; an error
// when it could not be started (kind config: the command is the profile's),
// or when `stop` (may be null) turned true while it ran (it is killed then;
// kind cancelled).
using ProcessRunner = std::function<Result<ProcessOutput>(const std::vector<std::string>& argv,
                                                          const std::atomic<bool>* stop)>;

// As long as the AWS SDK for Go (so rclone) waits for one: a helper may ask
// for an MFA code on the terminal, but one that hangs must not hang s3loop.
inline constexpr std::chrono::seconds kCredentialProcessTimeout{60};

// The real one: the command gets our environment, standard input and
// standard error (its prompts and messages reach the user, as with the AWS
// SDKs for Go and Rust) and no other descriptor of ours (our connections);
// its standard output is captured, up to 1 MiB, until it has ended (not
// until a process it left behind closes it too). Killed (SIGKILL) once
// `timeout` has passed; what it started itself is not.
ProcessRunner subprocess_runner(std::chrono::milliseconds timeout = kCredentialProcessTimeout);

struct ProcessCredentials {
  Credentials credentials;
  // Expiration, in seconds since 1970 UTC: none for credentials that do not
  // expire.
  std::optional<std::int64_t> expires_at;
};

// The JSON a credential process prints (Version 1, as every AWS SDK reads
// it): {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...,
// "SessionToken": ..., "Expiration": "2026-12-06T20:00:00Z"}; the last two
// optional. An error (kind credentials) says what is wrong with it, never
// showing a value: they are secrets.
Result<ProcessCredentials> parse_credential_process_output(std::string_view json);

// Runs argv once and reads what it printed: an error (kind credentials; kind
// config when it cannot be started) when it fails, times out, prints
// anything else or gives credentials that expired by `now` (seconds since
// 1970 UTC). Every message starts with `what` ("credential_process of
// profile 'p' ('helper' in ~/.aws/config)").
Result<ProcessCredentials> fetch_process_credentials(const std::vector<std::string>& argv,
                                                     const std::string& what,
                                                     const ProcessRunner& run_process,
                                                     std::int64_t now,
                                                     const std::atomic<bool>* stop = nullptr);

}  // namespace s3loop::s3
