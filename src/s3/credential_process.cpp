// What a credential process printed, read as botocore's ProcessProvider
// reads it.
#include "s3loop/s3/credential_process.hpp"

#include "s3loop/s3/timestamp.hpp"
#include "s3loop/utc_text.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace s3loop::s3 {

namespace {

Error bad_output(std::string what) {
  return make_error(ErrorKind::credentials,
                    what + R"( (it must print {"Version": 1, "AccessKeyId": "...", )"
                           R"("SecretAccessKey": "..."}, with "SessionToken" and )"
                           R"("Expiration" when the credentials are temporary))");
}

// A member that must be a string when present; nullopt when absent or null
// (an SDK writing a missing token as null).
Result<std::optional<std::string>> string_member(const boost::json::object& object,
                                                 std::string_view name) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string()) return bad_output(fmt::format("printed {} that is not a string", name));
  return std::optional<std::string>(std::string(value->get_string()));
}

bool is_version_one(const boost::json::value& version) {
  // 1 as JSON writes it, 1.0 included (Python's 1.0 == 1, as botocore compares).
  if (version.is_int64()) return version.get_int64() == 1;
  if (version.is_uint64()) return version.get_uint64() == 1;
  if (version.is_double()) return version.get_double() == 1.0;
  return false;
}

}  // namespace

Result<ProcessCredentials> parse_credential_process_output(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec) {
    // Not the output itself: it may hold the secret.
    return bad_output(json.find_first_not_of(" \t\r\n") == std::string_view::npos
                          ? "printed nothing"
                          : fmt::format("printed something that is not JSON ({})", ec.message()));
  }
  if (!parsed.is_object()) return bad_output("printed JSON that is not an object");
  const boost::json::object& object = parsed.get_object();
  const boost::json::value* version = object.if_contains("Version");
  if (version == nullptr) return bad_output("printed no Version");
  if (!is_version_one(*version)) {
    return make_error(ErrorKind::credentials,
                      fmt::format("printed Version {}, which s3loop does not read: Version 1 is "
                                  "the one the AWS CLI and SDKs read",
                                  boost::json::serialize(*version)));
  }
  ProcessCredentials out;
  for (const auto& [name, into] :
       {std::pair{"AccessKeyId", &out.credentials.access_key_id},
        std::pair{"SecretAccessKey", &out.credentials.secret_access_key}}) {
    auto value = string_member(object, name);
    if (!value) return value.error();
    if (!*value || (*value)->empty()) return bad_output(fmt::format("printed no {}", name));
    *into = std::move(**value);
  }
  auto token = string_member(object, "SessionToken");
  if (!token) return token.error();
  out.credentials.session_token = token->value_or("");
  auto expiration = string_member(object, "Expiration");
  if (!expiration) return expiration.error();
  if (*expiration) {
    out.expires_at = parse_iso8601(**expiration);
    if (!out.expires_at) {
      return bad_output(
          fmt::format("printed an Expiration that is not an ISO 8601 time (\"{}\")", **expiration));
    }
  }
  return out;
}

Result<ProcessCredentials> fetch_process_credentials(const std::vector<std::string>& argv,
                                                     const std::string& what,
                                                     const ProcessRunner& run_process,
                                                     std::int64_t now,
                                                     const std::atomic<bool>* stop) {
  const auto prefixed = [&](Error e) {
    e.message = what + " " + e.message;
    return e;
  };
  auto ran = run_process(argv, stop);
  if (!ran) return prefixed(ran.error());
  if (ran->timed_out) {
    return make_error(ErrorKind::credentials,
                      fmt::format("{} did not finish within {} s and was stopped: run it by hand "
                                  "to see what it waits for",
                                  what, kCredentialProcessTimeout.count()));
  }
  if (ran->exit_code == 128 + SIGINT || ran->exit_code == 128 + SIGTERM ||
      ran->exit_code == 128 + SIGHUP) {
    // Ctrl-C (or a hangup) reaches a helper too: no reason to look into it.
    return make_error(
        ErrorKind::cancelled,
        fmt::format("{} was stopped by a signal (exit status {})", what, ran->exit_code));
  }
  if (ran->exit_code != 0) {
    return make_error(ErrorKind::credentials,
                      fmt::format("{} failed with exit status {} (what it said, if anything, is "
                                  "above): run it by hand to see why",
                                  what, ran->exit_code));
  }
  auto parsed = parse_credential_process_output(ran->out);
  if (!parsed) return prefixed(parsed.error());
  if (parsed->expires_at && *parsed->expires_at <= now) {
    return make_error(ErrorKind::credentials,
                      fmt::format("{} gave credentials that expired at {}: renew them where it "
                                  "takes them from (sign in again)",
                                  what, format_utc(*parsed->expires_at)));
  }
  return parsed;
}

}  // namespace s3loop::s3
