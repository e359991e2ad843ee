// Where credentials, region and endpoint come from: environment, then the
// shared ~/.aws/credentials and ~/.aws/config files, as the AWS CLI does.
// Pure: the environment and file reads are passed in, so tests need no HOME.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/s3/credential_process.hpp"
#include "s3loop/s3/instance_credentials.hpp"
#include "s3loop/s3/sigv4.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace s3loop::s3 {

// section -> key -> value, read as botocore reads the files (Python's
// configparser): keys lower-cased, values trimmed; '#' and ';' start comments
// at line start; a line indented deeper than its key's continues the value,
// and a block "s3 =\n  key = value" is flattened to "s3.key". What botocore
// refuses is an error naming the line: a section or a key in one section
// twice, a UTF-8 byte order mark.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
Result<IniSections> parse_ini(std::string_view text);

enum class AddressingStyle { automatic, path, virtual_hosted };

struct ConfigOverrides {  // command-line flags win over everything
  std::optional<std::string> profile;
  std::optional<std::string> region;
  std::optional<std::string> endpoint_url;
  std::optional<std::string> ca_bundle;
  std::optional<AddressingStyle> addressing_style;
};

struct ResolvedConfig {
  Credentials credentials;
  std::string credentials_source;  // "environment", "profile default (~/.aws/credentials)", ...
  // When credentials from a credential_process expire (seconds since 1970
  // UTC); none for keys that do not. For those that do, what runs the
  // process again to renew them (setup_client hands it to
  // RenewingCredentials); empty otherwise.
  std::optional<std::int64_t> credentials_expire_at;
  std::function<Result<ProcessCredentials>(const std::atomic<bool>* stop)> renew_credentials;
  std::string region;        // default "us-east-1"
  std::string endpoint_url;  // empty = AWS default for the region
  std::string ca_bundle;     // empty = system default
  AddressingStyle addressing_style = AddressingStyle::automatic;
  std::string profile;  // the profile that was used
  // Which setting chose each, for --debug: "--profile", "AWS_PROFILE",
  // "default"; "AWS_REGION", "profile dev"; "AWS_ENDPOINT_URL", ... Never a
  // value: only names of settings, profiles and files.
  std::string profile_source;
  std::string region_source;
  // A setting from the config file names the file too ("profile dev
  // endpoint_url in ~/.aws/config"), so that an error in its value says
  // where to fix it.
  std::string endpoint_source;
  std::string ca_bundle_source;  // empty when there is no CA bundle
  // The proxy for https:// endpoints as set (a URL; empty: none) and its
  // variable: https_proxy, else HTTPS_PROXY; the one for plain-HTTP
  // endpoints: http_proxy, else HTTP_PROXY (not that one when REQUEST_METHOD
  // is set: see read_config); and the hosts reached directly: no_proxy, else
  // NO_PROXY -- as Python's urllib, which botocore uses, reads them
  // (net::read_proxy_variable).
  std::string https_proxy;
  std::string https_proxy_source;
  std::string http_proxy;
  std::string http_proxy_source;
  std::string no_proxy;
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
// Returns the file's content, nullopt when it does not exist, or an error
// when it exists but cannot be read (permissions, not a regular file).
using FileReader = std::function<Result<std::optional<std::string>>(const std::string& path)>;

// Order (as aws cli): flags; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
// AWS_SESSION_TOKEN; profile (flag, AWS_PROFILE, AWS_DEFAULT_PROFILE,
// "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials, section
// [name]) then AWS_CONFIG_FILE (~/.aws/config, section [profile name] or
// [default]). Region: flag, AWS_REGION, AWS_DEFAULT_REGION, profile region.
// Endpoint: flag, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, profile
// endpoint_url (also s3.endpoint_url); only the flag when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (else the profile's
// ignore_configured_endpoint_urls) is "true", as in botocore.
// CA: flag, AWS_CA_BUNDLE, ca_bundle, REQUESTS_CA_BUNDLE. Proxy: https_proxy, HTTPS_PROXY;
// http_proxy, HTTP_PROXY; no_proxy, NO_PROXY.
// Addressing: flag, profile s3.addressing_style (auto|path|virtual).
// An explicitly named profile that does not exist is an error (kind config);
// no credentials anywhere is an error (kind credentials) naming what was tried.
// A flag given with an empty value is an error (an unset shell variable
// would otherwise send requests to AWS), as are keys holding control
// characters or blanks, and a region that is not a region name
// (is_region_name, botocore's rule).
// A profile's credential_process (ranked as botocore ranks it: below the
// credentials file's keys, above the config file's) is split into words as
// shlex does and run by run_process; credentials it gives that have expired
// already are refused.
// With nothing else found, the machine's role (RoleEndpoints, not asked when
// empty): a container's credentials endpoint (AWS_CONTAINER_CREDENTIALS_*),
// else the EC2 instance metadata service (AWS_EC2_METADATA_SERVICE_ENDPOINT,
// the profile's ec2_metadata_service_endpoint(_mode); not with
// AWS_EC2_METADATA_DISABLED=true), as botocore's chain ends.
Result<ResolvedConfig> resolve_config(const ConfigOverrides& flags, const EnvLookup& env,
                                      const FileReader& read_file, const ProcessRunner& run_process,
                                      const RoleEndpoints& roles = {});

// The real environment and filesystem.
EnvLookup process_env();
FileReader filesystem_reader();

}  // namespace s3loop::s3
