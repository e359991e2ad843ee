// The credentials of the machine's role, where botocore looks last: an ECS
// task's or EKS Pod Identity container's (AWS_CONTAINER_CREDENTIALS_*), then
// an EC2 instance's (the instance metadata service, IMDSv2 with a token,
// IMDSv1 where a token is refused). What is asked and what the replies mean
// is here, testable without a socket; the requests go through a
// MetadataRequest (net::simple_http_request in a run).
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/net/simple_http.hpp"
#include "s3loop/s3/credential_process.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace s3loop::s3 {

using MetadataRequest = std::function<Result<net::SimpleReply>(
    std::string_view method, const std::string& url, const net::SimpleHeaders& headers)>;

// As botocore waits for them: 1 s for the instance metadata service (its
// metadata_service_timeout), 2 s for a container's endpoint.
inline constexpr std::chrono::milliseconds kInstanceMetadataTimeout{1000};
inline constexpr std::chrono::milliseconds kContainerCredentialsTimeout{2000};

// The real one, each request bounded by `timeout`.
MetadataRequest http_metadata_request(std::chrono::milliseconds timeout);

// How the machine's role is asked for credentials; an empty one is not
// asked (resolve_config's tests, and callers that want no network there).
struct RoleEndpoints {
  MetadataRequest container;
  MetadataRequest instance;
};
// Over http, each with botocore's timeout.
RoleEndpoints http_role_endpoints();

// The container endpoint the environment names, and the Authorization
// header to send: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2)
// or AWS_CONTAINER_CREDENTIALS_FULL_URI (plain http to a loopback address,
// 169.254.170.2 or EKS's 169.254.170.23 / fd00:ec2::23, as botocore allows);
// the header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE's content or
// AWS_CONTAINER_AUTHORIZATION_TOKEN.
struct ContainerEndpoint {
  std::string url;
  std::string url_source;  // the variable that named it
  std::optional<std::string> authorization;
};

// The credentials document both endpoints answer with: {"AccessKeyId",
// "SecretAccessKey", "Token", "Expiration", ...}. `what` starts every
// message ("the container credentials endpoint http://..."); never a value.
Result<ProcessCredentials> parse_metadata_credentials(std::string_view json,
                                                      const std::string& what);

// Asks the container endpoint (up to 3 attempts, as botocore).
Result<ProcessCredentials> fetch_container_credentials(const ContainerEndpoint& endpoint,
                                                       const MetadataRequest& request);

// Asks the instance metadata service at `endpoint` (http://169.254.169.254
// unless set otherwise): a session token (PUT /latest/api/token; a 403, 404
// or 405 means IMDSv1, asked without one), the role's name, its credentials.
// An error of kind network or timeout when nothing answered there (no such
// service: not an EC2 instance); kind credentials when it answered but gave
// no credentials (no role attached, say).
Result<ProcessCredentials> fetch_instance_credentials(const std::string& endpoint,
                                                      const MetadataRequest& request);

}  // namespace s3loop::s3
