// From settings, environment and ~/.aws to the state every Client of a run
// shares: what the command does for its flags, for programs that use
// s3loop as a library.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/net/options.hpp"
#include "s3loop/s3/client.hpp"
#include "s3loop/s3/config.hpp"
#include "s3loop/s3/retry.hpp"

#include <memory>

namespace s3loop::s3 {

// What aws cli's global options set, beyond the settings resolve_config
// reads (in `overrides`, which win over environment and profile).
struct ClientSettings {
  ConfigOverrides overrides;
  bool verify_tls = true;  // false: --no-verify-ssl (no CA bundle is read then)
  net::Timeouts timeouts;
  RetryPolicy retry;
  int retry_budget = RetryBudget::kDefaultCapacity;
};

struct ClientSetup {
  std::unique_ptr<ClientShared> shared;
  ResolvedConfig config;  // what was chosen and from where (format_config_log)
};

// Resolves credentials, region, endpoint, TLS trust and the proxy as aws cli
// does (resolve_config's order) and loads the CA bundle; a proxy URL s3loop
// cannot use is an error of kind config naming its variable. Errors are the caller's
// to fix (kinds config and credentials); a bad endpoint or CA bundle that
// came from the environment or a profile is of kind config and names where
// it was set, one given in `settings.overrides` (the command's --endpoint-url,
// --ca-bundle) is of kind usage. Settings out of the command's ranges are
// refused first (kind usage, naming the flag): max_attempts 1-100,
// retry_budget 0-100000000, every timeout above zero.
Result<ClientSetup> setup_client(const ClientSettings& settings,
                                 const EnvLookup& env = process_env(),
                                 const FileReader& read_file = filesystem_reader(),
                                 const ProcessRunner& run_process = subprocess_runner(),
                                 const RoleEndpoints& roles = http_role_endpoints());

}  // namespace s3loop::s3
