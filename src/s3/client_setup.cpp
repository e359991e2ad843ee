#include "s3loop/s3/client_setup.hpp"

#include "s3loop/net/endpoint.hpp"
#include "s3loop/net/proxy.hpp"
#include "s3loop/net/tls.hpp"
#include "s3loop/s3/addressing.hpp"
#include "s3loop/s3/renewing_credentials.hpp"

#include <fmt/format.h>

#include <optional>
#include <string_view>
#include <utility>

namespace s3loop::s3 {

namespace {

// A bad value names the setting it came from, unless that is the flag the
// user just typed: "...; set by profile dev endpoint_url in ~/.aws/config".
// A value the caller gave (the flag) is its usage error; one from the
// environment or a profile is configuration, as the header says (kind
// config: a program telling its own mistakes from a stale AWS_CA_BUNDLE reads
// the kind).
Error set_by(Error error, const std::string& source, std::string_view flag) {
  if (!source.empty() && !source.starts_with(flag)) {
    error.message += "; set by " + source;
    error.kind = ErrorKind::config;
  }
  return error;
}

// Settings a program built by hand outside the command's ranges: a million
// attempts retried a refused connection for as long as the job ran, a zero
// timeout failed every handshake, a negative one said "resolving timed out".
std::optional<Error> settings_problem(const ClientSettings& settings) {
  const auto& retry = settings.retry;
  if (retry.max_attempts < 1 || retry.max_attempts > RetryPolicy::kMostAttempts) {
    return make_error(ErrorKind::usage,
                      fmt::format("--max-attempts must be between 1 and {}, got {}",
                                  RetryPolicy::kMostAttempts, retry.max_attempts));
  }
  if (settings.retry_budget < 0 || settings.retry_budget > RetryBudget::kMostCapacity) {
    return make_error(ErrorKind::usage,
                      fmt::format("--retry-budget must be between 0 and {}, got {}",
                                  RetryBudget::kMostCapacity, settings.retry_budget));
  }
  if (retry.base.count() < 0 || retry.cap < retry.base) {
    return make_error(ErrorKind::usage,
                      fmt::format("RetryPolicy: base {} ms and cap {} ms must be 0 <= base <= cap",
                                  retry.base.count(), retry.cap.count()));
  }
  const auto& t = settings.timeouts;
  for (const auto& [value, name] :
       {std::pair{t.connect, "--connect-timeout (Timeouts::connect)"},
        std::pair{t.handshake, "--connect-timeout (Timeouts::handshake)"},
        std::pair{t.first_byte, "--read-timeout (Timeouts::first_byte)"},
        std::pair{t.idle_read, "--read-timeout (Timeouts::idle_read)"},
        std::pair{t.write, "Timeouts::write"}}) {
    if (value.count() <= 0) {
      return make_error(ErrorKind::usage,
                        fmt::format("{} must be above 0, got {} ms", name, value.count()));
    }
  }
  return std::nullopt;
}

}  // namespace

Result<ClientSetup> setup_client(const ClientSettings& settings, const EnvLookup& env,
                                 const FileReader& read_file, const ProcessRunner& run_process,
                                 const RoleEndpoints& roles) {
  if (auto problem = settings_problem(settings)) return *problem;
  auto config = resolve_config(settings.overrides, env, read_file, run_process, roles);
  if (!config) return config.error();

  auto shared = std::make_unique<ClientShared>();
  auto& options = shared->options;
  if (config->endpoint_url.empty()) {
    options.endpoint = aws_endpoint_for_region(config->region);
    options.regional_endpoint = true;
  } else {
    auto endpoint = net::parse_endpoint_url(config->endpoint_url);
    if (!endpoint) return set_by(endpoint.error(), config->endpoint_source, "--endpoint-url");
    options.endpoint = *endpoint;
  }
  options.region = config->region;
  options.credentials = config->credentials;
  if (config->renew_credentials && config->credentials_expire_at) {
    shared->renewing_credentials = std::make_shared<RenewingCredentials>(
        ProcessCredentials{config->credentials, config->credentials_expire_at},
        config->renew_credentials);
  }
  options.addressing_style = config->addressing_style;
  options.timeouts = settings.timeouts;
  options.retry = settings.retry;
  shared->retry_budget.set_capacity(settings.retry_budget);
  options.proxy.no_proxy = config->no_proxy;
  // A proxy URL s3loop cannot use (a machine-wide socks5:// one, say) stops
  // only a run that would go through it, as botocore reads the URL only for
  // a connection that does: not HTTPS_PROXY's for a plain-HTTP endpoint,
  // nor HTTP_PROXY's for an https:// one, nor either for a host NO_PROXY
  // names. (Another region's endpoint that would go through it fails, as
  // there botocore would: ProxySettings::unusable_for.)
  const auto read_proxy = [](const std::string& url, const std::string& source,
                             std::optional<net::Proxy>& into, std::optional<Error>& unusable) {
    if (url.empty()) return;
    auto proxy = net::parse_proxy_url(url, source);
    if (proxy) {
      into = std::move(*proxy);
    } else {
      unusable = proxy.error();
    }
  };
  read_proxy(config->https_proxy, config->https_proxy_source, options.proxy.https,
             options.proxy.https_unusable);
  read_proxy(config->http_proxy, config->http_proxy_source, options.proxy.http,
             options.proxy.http_unusable);
  if (auto unusable = options.proxy.unusable_for(options.endpoint)) return *unusable;

  net::TlsOptions tls;
  // A plain-HTTP endpoint makes no TLS connection (a region redirect keeps
  // a configured endpoint): nothing is verified, so, as without
  // verification, a bundle that cannot be read (a stale AWS_CA_BUNDLE or
  // ca_bundle in the profile) is no reason to refuse, as aws does not.
  tls.verify_peer = settings.verify_tls && options.endpoint.tls;
  if (tls.verify_peer) {
    tls.ca_bundle = config->ca_bundle;
    // A bundle given by the flag needs no reminder of where it came from.
    if (config->ca_bundle_source != "--ca-bundle") tls.ca_bundle_source = config->ca_bundle_source;
  }
  auto context = net::TlsContext::create(tls);
  if (!context) {
    // (Only a bundle that was read can be what failed.)
    if (tls.ca_bundle.empty()) return context.error();
    return set_by(context.error(), config->ca_bundle_source, "--ca-bundle");
  }
  shared->tls = *context;
  return ClientSetup{std::move(shared), std::move(*config)};
}

}  // namespace s3loop::s3
