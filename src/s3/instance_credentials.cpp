// The container and instance credential endpoints, read as botocore's
// ContainerProvider and InstanceMetadataProvider read them.
#include "s3loop/s3/instance_credentials.hpp"

#include "s3loop/s3/timestamp.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace s3loop::s3 {

namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kRolesPath = "/latest/meta-data/iam/security-credentials/";
constexpr int kContainerAttempts = 3;

std::string without_trailing_slash(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  return url;
}

Error no_credentials(const std::string& what, std::string why) {
  return make_error(ErrorKind::credentials, what + " " + std::move(why));
}

}  // namespace

MetadataRequest http_metadata_request(std::chrono::milliseconds timeout) {
  return [timeout](std::string_view method, const std::string& url,
                   const net::SimpleHeaders& headers) {
    return net::simple_http_request(method, url, headers, timeout);
  };
}

RoleEndpoints http_role_endpoints() {
  return {http_metadata_request(kContainerCredentialsTimeout),
          http_metadata_request(kInstanceMetadataTimeout)};
}

Result<ProcessCredentials> parse_metadata_credentials(std::string_view json,
                                                      const std::string& what) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) {
    return no_credentials(what, "answered with something that is not a JSON object");
  }
  const boost::json::object& object = parsed.get_object();
  const auto text = [&](std::string_view name) -> std::optional<std::string> {
    const boost::json::value* value = object.if_contains(name);
    if (value == nullptr || !value->is_string() || value->get_string().empty()) {
      return std::nullopt;
    }
    return std::string(value->get_string());
  };
  ProcessCredentials out;
  for (const auto& [name, into] : {std::pair{"AccessKeyId", &out.credentials.access_key_id},
                                   std::pair{"SecretAccessKey", &out.credentials.secret_access_key},
                                   std::pair{"Token", &out.credentials.session_token}}) {
    auto value = text(name);
    if (!value) return no_credentials(what, fmt::format("answered with no {}", name));
    *into = std::move(*value);
  }
  if (auto expiration = text("Expiration")) {
    out.expires_at = parse_iso8601(*expiration);
    if (!out.expires_at) {
      return no_credentials(what, "answered with an Expiration that is not an ISO 8601 time");
    }
  }
  return out;
}

Result<ProcessCredentials> fetch_container_credentials(const ContainerEndpoint& endpoint,
                                                       const MetadataRequest& request) {
  const std::string what = fmt::format("the container credentials endpoint {} (from {})",
                                       endpoint.url, endpoint.url_source);
  net::SimpleHeaders headers{{"Accept", "application/json"}};
  if (endpoint.authorization) headers.emplace_back("Authorization", *endpoint.authorization);
  std::optional<Error> last;
  for (int attempt = 1; attempt <= kContainerAttempts; ++attempt) {
    auto reply = request("GET", endpoint.url, headers);
    if (!reply) {
      last = reply.error();
      continue;
    }
    if (reply->status == 200) return parse_metadata_credentials(reply->body, what);
    // A refusal (a wrong token, say) is the same every time.
    if (reply->status >= 400 && reply->status < 500) {
      return no_credentials(
          what, fmt::format("refused the request (HTTP {}){}", reply->status,
                            endpoint.authorization ? ": check AWS_CONTAINER_AUTHORIZATION_TOKEN"
                                                     "(_FILE)"
                                                   : ""));
    }
    last = no_credentials(what, fmt::format("answered HTTP {}", reply->status));
  }
  Error error = *last;
  if (error.kind != ErrorKind::credentials) {
    error = no_credentials(what, "did not answer: " + error.message);
  }
  return error;
}

Result<ProcessCredentials> fetch_instance_credentials(const std::string& endpoint,
                                                      const MetadataRequest& request) {
  const std::string base = without_trailing_slash(endpoint);
  const std::string what = fmt::format("the EC2 instance metadata service at {}", base);
  net::SimpleHeaders headers;
  // IMDSv2: a session token first; where the service refuses the PUT (403,
  // 404, 405: IMDSv1 only, or a proxy in the way), asked without one.
  auto token = request("PUT", base + std::string(kTokenPath),
                       {{"x-aws-ec2-metadata-token-ttl-seconds", "21600"}});
  if (!token) return token.error();  // nothing there: no instance metadata service
  if (token->status == 200 && !token->body.empty()) {
    headers.emplace_back("x-aws-ec2-metadata-token", token->body);
  } else if (token->status != 403 && token->status != 404 && token->status != 405) {
    return no_credentials(what, fmt::format("refused a session token (HTTP {})", token->status));
  }
  auto roles = request("GET", base + std::string(kRolesPath), headers);
  if (!roles) return no_credentials(what, "did not answer: " + roles.error().message);
  if (roles->status == 404) {
    return no_credentials(what, "knows no role of this instance (none is attached to it)");
  }
  if (roles->status != 200) {
    return no_credentials(what,
                          fmt::format("answered HTTP {} for the instance's role", roles->status));
  }
  // One role per instance profile; the first line names it.
  std::string role = roles->body.substr(0, roles->body.find('\n'));
  while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
  if (role.empty()) {
    return no_credentials(what, "knows no role of this instance (none is attached to it)");
  }
  auto document = request("GET", base + std::string(kRolesPath) + role, headers);
  if (!document) return no_credentials(what, "did not answer: " + document.error().message);
  if (document->status != 200) {
    return no_credentials(what, fmt::format("answered HTTP {} for the credentials of role '{}'",
                                            document->status, role));
  }
  return parse_metadata_credentials(document->body, what + " (role '" + role + "')");
}

}  // namespace s3loop::s3
