#include "common.hpp"
#include "heap_pages.hpp"
#include "interrupt_echo.hpp"
#include "s3loop/one_line.hpp"

#include "s3loop/net/tls.hpp"
#include "s3loop/s3/client_setup.hpp"
#include "s3loop/s3/debug_log.hpp"
#include "s3loop/s3/errors.hpp"
#include "s3loop/s3/renewing_credentials.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <limits>

namespace s3loop::cli {

namespace {

// A decimal whole number, an optional '-' and digits (CLI11 alone would also
// take 0x10 and 1e3): the error naming the value, or "" when it is one.
std::string whole_number_form_error(const std::string& value) {
  const std::string_view digits = std::string_view(value).substr(value.starts_with('-') ? 1 : 0);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return "expects a whole number, got '" + value + "'";
  }
  return {};
}

// "010" as "10": CLI11 would read a leading 0 as octal (010 is 8, 09 no
// number at all), where aws cli and rclone read decimal digits as decimal.
void drop_leading_zeros(std::string& value) {
  const std::size_t sign = value.starts_with('-') ? 1 : 0;
  const std::size_t first = value.find_first_not_of('0', sign);
  const std::size_t keep_from = first == std::string::npos ? value.size() - 1 : first;
  if (keep_from > sign) value.erase(sign, keep_from - sign);
  if (value == "-0") value = "0";
}

// `range_now`: refuses a number outside [low, high] here; else only one too
// large for an int (the option's type), naming the range all the same.
CLI::Validator whole_number(std::int64_t low, std::int64_t high, bool range_now) {
  return CLI::Validator(
      [low, high, range_now](std::string& value) -> std::string {
        if (std::string form = whole_number_form_error(value); !form.empty()) return form;
        drop_leading_zeros(value);
        // Of the right form, so the parse fails only on a number beyond the
        // type's range -- which is beyond this range too.
        std::int64_t number = 0;
        const auto [end, error] =
            std::from_chars(value.data(), value.data() + value.size(), number);
        const bool outside = range_now ? number < low || number > high
                                       : number < std::numeric_limits<int>::min() ||
                                             number > std::numeric_limits<int>::max();
        if (error != std::errc() || outside) {
          return fmt::format("must be between {} and {}, got {}", low, high, value);
        }
        return {};
      },
      range_now ? fmt::format("INT in [{} - {}]", low, high) : std::string(), "whole-number");
}

}  // namespace

CLI::Validator whole_number_between(std::int64_t low, std::int64_t high) {
  return whole_number(low, high, /*range_now=*/true);
}

CLI::Validator whole_number_ranged_later(std::int64_t low, std::int64_t high) {
  return whole_number(low, high, /*range_now=*/false);
}

// CLI11 validates every occurrence of an option before it takes the last
// (TakeLast); under that policy it numbers the earlier ones below 0, so a
// validator applied at index 0 sees only the value that counts.
CLI::Option* whole_number_option(CLI::Option* option, std::int64_t low, std::int64_t high) {
  return option->transform(whole_number_ranged_later(low, high))
      ->transform(whole_number_between(low, high).application_index(0));
}

namespace {

// CLI::Range lets NaN through (every comparison with it is false), and a NaN
// timeout never fires: seconds must be a finite number in range. Every
// occurrence must be a number; the range is checked on the last, the one
// that counts (see whole_number_option).
CLI::Option* seconds_option(CLI::Option* option, double low, double high) {
  auto seconds_check = [low, high](bool range) {
    return [low, high, range](std::string& value) -> std::string {
      // Decimal only, as the counts are read: std::stod also took " 5",
      // "+5" and the hexadecimal "0x10" (16 s).
      double seconds = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds,
                                             std::chars_format::general);
      if (end != value.data() + value.size() || end == value.data() ||
          (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
        return "expects a number of seconds, got '" + value + "'";
      }
      if (ec == std::errc::result_out_of_range || !std::isfinite(seconds) ||
          (range && (seconds < low || seconds > high))) {
        return fmt::format("must be between {} and {} seconds, got {}", low, high, value);
      }
      return {};
    };
  };
  return option->check(CLI::Validator(seconds_check(false), "", "seconds-form"))
      ->check(CLI::Validator(seconds_check(true), fmt::format("SECONDS in [{} - {}]", low, high),
                             "seconds")
                  .application_index(0));
}

}  // namespace

void add_common_options(CLI::App& command, CommonOptions& options) {
  command.add_option("--endpoint-url", options.endpoint_url,
                     "S3 endpoint, e.g. https://127.0.0.1:9443 (default: AWS_ENDPOINT_URL_S3, "
                     "AWS_ENDPOINT_URL, the profile's s3.endpoint_url, its [services] section's "
                     "s3.endpoint_url, its endpoint_url, else AWS)");
  command.add_option("--region", options.region,
                     "Signing region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's "
                     "region, else us-east-1)");
  command.add_option("--profile", options.profile, "Profile in ~/.aws/credentials and config");
  command.add_option("--ca-bundle", options.ca_bundle,
                     "PEM file of CAs to trust (default: AWS_CA_BUNDLE, the profile's "
                     "ca_bundle, REQUESTS_CA_BUNDLE, else the system store)");
  command.add_flag("--no-verify-ssl", options.no_verify_ssl,
                   "Do not verify the server's certificate (insecure)");
  command
      .add_option("--addressing-style", options.addressing_style,
                  "auto, path or virtual (default: the profile's s3.addressing_style, else auto: "
                  "virtual only on AWS)")
      ->check(CLI::IsMember({"auto", "path", "virtual"}));
  whole_number_option(command.add_option("--max-attempts", options.max_attempts,
                                         "Tries per request, first included (default 5)"),
                      1, s3::RetryPolicy::kMostAttempts);
  whole_number_option(
      command.add_option(
          "--retry-budget", options.retry_budget,
          "Retry tokens for the whole job: a retry takes 5 (10 after a timeout), a success gives "
          "back what its latest retry took (1 when it needed none); when spent, errors are not "
          "retried (default 500, 0: unlimited)"),
      0, s3::RetryBudget::kMostCapacity);
  // As aws cli's --cli-connect-timeout / --cli-read-timeout: a stalled server
  // costs this long before the request is retried on a new connection.
  seconds_option(command.add_option("--connect-timeout", options.connect_timeout,
                                    "Seconds for each of the name lookup, the TCP connect and "
                                    "the TLS handshake (default 10)"),
                 0.01, 3600.0);
  seconds_option(
      command.add_option("--read-timeout", options.read_timeout,
                         "Seconds to wait for a reply to start and between reads of its body "
                         "(default 120 to start, server-side copies answer when done; 30 "
                         "between reads)"),
      0.01, 3600.0);
  command.add_flag("--json", options.json, "Machine-readable output");
  command.add_flag("--debug", options.debug,
                   "Log every request and reply to stderr (signature, session token and keys "
                   "redacted)");
}

std::vector<std::string> common_option_arguments(const CommonOptions& options) {
  std::vector<std::string> out;
  auto add = [&](const char* flag, const std::optional<std::string>& value) {
    if (value) out.insert(out.end(), {flag, *value});
  };
  add("--endpoint-url", options.endpoint_url);
  add("--region", options.region);
  add("--profile", options.profile);
  add("--ca-bundle", options.ca_bundle);
  if (options.no_verify_ssl) out.push_back("--no-verify-ssl");
  add("--addressing-style", options.addressing_style);
  out.insert(out.end(), {"--max-attempts", std::to_string(options.max_attempts), "--retry-budget",
                         std::to_string(options.retry_budget)});
  // {} prints a double's shortest exact form: the child reads the same value.
  if (options.connect_timeout) {
    out.insert(out.end(), {"--connect-timeout", fmt::format("{}", *options.connect_timeout)});
  }
  if (options.read_timeout) {
    out.insert(out.end(), {"--read-timeout", fmt::format("{}", *options.read_timeout)});
  }
  if (options.debug) out.push_back("--debug");
  return out;
}

namespace {
// Where the endpoint was set when not by --endpoint-url: an error that says to
// check --endpoint-url then also says where the endpoint in use came from
// ("; the endpoint in use is set by AWS_ENDPOINT_URL").
std::string g_endpoint_note;
std::string g_region_source;  // "--region", "AWS_REGION", "profile dev", "default"
// "the environment", "profile dev (~/.aws/credentials)"
std::string g_credentials_source;
}  // namespace

const std::string& region_source() {
  return g_region_source;
}

std::string endpoint_note(const s3::ResolvedConfig& config) {
  const std::string& source = config.endpoint_source;
  if (source.starts_with("--endpoint-url")) return {};
  if (!config.endpoint_url.empty()) return "the endpoint in use is set by " + source;
  // None is in use: "AWS's for the region[; configured endpoints ignored (X)]".
  constexpr std::string_view kIgnored = "; configured endpoints ignored (";
  const std::size_t ignored = source.find(kIgnored);
  if (ignored != std::string::npos) {
    return "the endpoint in use is AWS's for the region: configured endpoints are ignored (" +
           source.substr(ignored + kIgnored.size());
  }
  return "the endpoint in use is AWS's for the region, as no endpoint setting names another";
}

Result<std::unique_ptr<s3::ClientShared>> make_client_shared(const CommonOptions& options,
                                                             bool warn_unverified) {
  s3::ClientSettings settings;
  auto& flags = settings.overrides;
  flags.profile = options.profile;
  flags.region = options.region;
  flags.endpoint_url = options.endpoint_url;
  flags.ca_bundle = options.ca_bundle;
  // An explicit "auto" outranks the profile's s3.addressing_style too.
  if (options.addressing_style == "auto") flags.addressing_style = s3::AddressingStyle::automatic;
  if (options.addressing_style == "path") flags.addressing_style = s3::AddressingStyle::path;
  if (options.addressing_style == "virtual") {
    flags.addressing_style = s3::AddressingStyle::virtual_hosted;
  }
  settings.verify_tls = !options.no_verify_ssl;
  settings.retry.max_attempts = options.max_attempts;
  settings.retry_budget = options.retry_budget;
  auto millis = [](double seconds) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0 + 0.5));
  };
  if (options.connect_timeout) {
    settings.timeouts.connect = settings.timeouts.handshake = millis(*options.connect_timeout);
  }
  if (options.read_timeout) {
    settings.timeouts.first_byte = settings.timeouts.idle_read = millis(*options.read_timeout);
  }
  auto setup = s3::setup_client(settings);
  if (!setup) return setup.error();
  auto& shared = setup->shared;
  g_endpoint_note = endpoint_note(setup->config);
  g_region_source = setup->config.region_source;
  g_credentials_source = setup->config.credentials_source == "environment"
                             ? "the environment"
                             : setup->config.credentials_source;
  if (options.no_verify_ssl && warn_unverified && shared->options.endpoint.tls) {
    print_warning("--no-verify-ssl: the certificate of " + shared->options.endpoint.host_port() +
                  " is not verified, so anyone on the network path can read and change what is "
                  "sent and received: pass --ca-bundle FILE with its CA instead");
  }
  if (options.debug) {
    // One whole line per call, from any thread: a single fwrite of the line.
    shared->debug_log = [](const std::string& line) {
      const std::string out = "s3loop: debug: " + line + "\n";
      std::fwrite(out.data(), 1, out.size(), stderr);
    };
    shared->debug_log(s3::format_config_log(setup->config, shared->options.endpoint));
    const auto& endpoint = shared->options.endpoint;
    const auto& proxy = shared->options.proxy;
    if (const auto& set = endpoint.tls ? proxy.https : proxy.http) {
      const std::string where = endpoint.host_port();
      std::string line =
          "proxy: " + set->described() + " is not used for " + where + " (NO_PROXY names it)";
      if (proxy.for_endpoint(endpoint)) {
        line = endpoint.tls
                   ? "proxy: connections to " + where + " are tunnelled through " + set->described()
                   : "proxy: requests to " + where + " are forwarded by " + set->described();
      }
      shared->debug_log(line);
    }
    shared->debug_log("TLS trust: " + shared->tls->trust_source());
    if (!heap_pages_note().empty()) shared->debug_log("heap: " + heap_pages_note());
  }
  note_credential_renewals(*shared, options.debug);
  return std::move(shared);
}

void note_credential_renewals(s3::ClientShared& shared, bool debug,
                              std::function<void(const std::string&)> warn) {
  if (!shared.renewing_credentials) return;
  if (!warn) warn = print_warning;
  // (Called from the renewing thread: nothing here may refer to `shared`.)
  shared.renewing_credentials->set_note(
      [debug, warn = std::move(warn)](const std::string& line, bool failed) {
        if (failed) {
          warn(line);
        } else if (debug) {
          const std::string out = "s3loop: debug: " + one_line(line) + "\n";
          std::fwrite(out.data(), 1, out.size(), stderr);
        }
      });
}

namespace {
// Adds "; note" to an error line, before the request id that ends a
// server's answer ("... [request id tx0]"), which stays last.
void add_note(std::string& line, const std::string& note) {
  constexpr std::string_view kRequestId = " [request id ";
  const std::size_t id = line.rfind(kRequestId);
  const std::size_t at = id != std::string::npos && line.ends_with(']') ? id : line.size();
  line.insert(at, "; " + one_line(note));
}
}  // namespace

void print_error(const std::string& message) {
  std::string line = one_line(message);
  // (A bad endpoint URL already says "; set by" where it came from.)
  if (!g_endpoint_note.empty() && line.find("--endpoint-url") != std::string::npos &&
      line.find("; set by ") == std::string::npos) {
    add_note(line, g_endpoint_note);
  }
  // Keys the server refused may come from a place the user forgot (a
  // profile, an exported variable): say which.
  if (!g_credentials_source.empty() && line.find(s3::kCredentialsRejected) != std::string::npos) {
    add_note(line, "the credentials in use come from " + g_credentials_source);
  }
  std::fprintf(stderr, "s3loop: error: %s\n", line.c_str());
}

std::string warning_line(const std::string& message) {
  return "s3loop: warning: " + message;
}

void print_warning(const std::string& message) {
  std::fprintf(stderr, "%s\n", one_line(warning_line(message)).c_str());
}

int usage_error(const Error& error) {
  print_error(error.message);
  return kExitUsage;
}

int exit_code_for(const Error& error) {
  switch (error.kind) {
    case ErrorKind::usage:
    case ErrorKind::config:
      return kExitUsage;
    case ErrorKind::cancelled:
      return cancelled_exit_code();
    default:
      return kExitFailed;
  }
}

int report_failure(const Error& error) {
  print_error(error.message);
  return exit_code_for(error);
}

namespace {
// Atomic: the handler may run on any thread, while another installs or
// removes it.
std::atomic<std::atomic<bool>*> g_interrupt_flag{nullptr};
// The second signal's note says what it leaves behind (cp's open uploads).
std::atomic<bool> g_uploads_may_be_left{false};
InterruptEcho g_interrupt_echo;
// Whether stderr is a terminal, where --progress draws a status line with no
// newline: the handler (which may not ask isatty) clears it before its note.
bool g_stderr_is_terminal = false;

extern "C" void on_interrupt(int signal_number) {
  // The first signal asks the run to stop cleanly: no new request, a
  // summary. A second one is the user insisting (requests in flight may
  // wait out a stalled server's timeout): exit now, with the first signal's code --
  // unless it is the first one delivered twice (InterruptEcho).
  g_interrupt_echo.note();  // first thing (InterruptEcho)
  note_cancel_signal(signal_number);
  // (Null: the run is ending and its handler being removed; the signal
  // came in between, on another thread.)
  std::atomic<bool>* flag = g_interrupt_flag.load();
  if (flag == nullptr || !flag->exchange(true)) return;
  if (g_interrupt_echo.is_echo()) return;
  constexpr char kNote[] = "s3loop: error: interrupted again: exiting at once, without a summary";
  constexpr char kUploadsLeft[] =
      " (unfinished multipart uploads of a copy are left: aws s3api list-multipart-uploads "
      "finds them)";
  constexpr char kClearLine[] = "\r\033[K";
  if (g_stderr_is_terminal) {
    [[maybe_unused]] const ssize_t cleared =
        write(STDERR_FILENO, kClearLine, sizeof kClearLine - 1);
  }
  [[maybe_unused]] ssize_t written = write(STDERR_FILENO, kNote, sizeof kNote - 1);
  if (g_uploads_may_be_left.load()) {
    written = write(STDERR_FILENO, kUploadsLeft, sizeof kUploadsLeft - 1);
  }
  written = write(STDERR_FILENO, "\n", 1);
  _exit(cancelled_exit_code());
}
}  // namespace

void install_interrupt_handler(std::atomic<bool>* flag_to_set, bool uploads_may_be_left) {
  static_assert(std::atomic<bool>::is_always_lock_free,
                "the signal handler needs a lock-free flag");
  // The handler reads the flag: set before the handler is, cleared after it
  // is gone (a signal in between found a null flag).
  if (flag_to_set != nullptr) g_interrupt_flag = flag_to_set;
  g_uploads_may_be_left = uploads_may_be_left;
  g_stderr_is_terminal = isatty(STDERR_FILENO) == 1;
  struct sigaction action {};
  // Outside a run (planning, verifying, printing) nothing needs stopping
  // cleanly: the signal ends the process as it ends any other.
  action.sa_handler = flag_to_set != nullptr ? on_interrupt : SIG_DFL;
  sigemptyset(&action.sa_mask);
  // A write to stdout blocked on a slow reader goes on after the handler:
  // failing with EINTR, it cut a line in two and the command said the disk
  // was full (a review). (epoll_wait, which the loops sleep in, returns
  // EINTR whatever this says; asio waits again.)
  action.sa_flags = SA_RESTART;
  for (const int signal_number : kCancelSignals) {
    if (!ignored_at_start(signal_number)) sigaction(signal_number, &action, nullptr);
  }
  if (flag_to_set == nullptr) g_interrupt_flag = nullptr;
}

void keep_running_when_output_closes() {
  // (Inherited across exec: compare's cp runs keep it too.)
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace s3loop::cli
