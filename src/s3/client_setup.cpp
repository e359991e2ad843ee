#include "s3loop/s3/client_setup.hpp"

#include "s3loop/net/endpoint.hpp"
#include "s3loop/net/tls.hpp"
#include "s3loop/s3/addressing.hpp"

#include <string_view>

namespace s3loop::s3 {

namespace {

// A bad value names the setting it came from, unless that is the flag the
// user just typed: "...; set by profile dev endpoint_url in ~/.aws/config".
Error set_by(Error error, const std::string& source, std::string_view flag) {
  if (!source.empty() && !source.starts_with(flag)) error.message += "; set by " + source;
  return error;
}

}  // namespace

Result<ClientSetup> setup_client(const ClientSettings& settings, const EnvLookup& env,
                                 const FileReader& read_file) {
  auto config = resolve_config(settings.overrides, env, read_file);
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
  options.addressing_style = config->addressing_style;
  options.timeouts = settings.timeouts;
  options.retry = settings.retry;
  shared->retry_budget.set_capacity(settings.retry_budget);

  net::TlsOptions tls;
  tls.verify_peer = settings.verify_tls;
  // Nothing is verified against it then: a bundle that cannot be read (a
  // stale ca_bundle in the profile) is no reason to refuse, as aws does not.
  if (tls.verify_peer) tls.ca_bundle = config->ca_bundle;
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
