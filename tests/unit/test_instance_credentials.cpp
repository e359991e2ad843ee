// The machine's role, where botocore's chain ends: a container's credentials
// endpoint, then the EC2 instance metadata service (IMDSv2, IMDSv1 where a
// token is refused) -- asked through a fake MetadataRequest, byte for byte.
#include "s3loop/s3/config.hpp"
#include "s3loop/s3/instance_credentials.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace s3loop::s3 {
namespace {

constexpr const char* kDocument =
    R"({"Code": "Success", "AccessKeyId": "ASIAROLE", "SecretAccessKey": "rolesecret",
        "Token": "roletoken", "Expiration": "2030-01-01T00:00:00Z"})";

// A fake metadata endpoint: replies by "METHOD url", and every request seen.
struct FakeEndpoint {
  std::map<std::string, Result<net::SimpleReply>> replies;
  mutable std::vector<std::pair<std::string, net::SimpleHeaders>> seen;
  MetadataRequest request() const {
    return [this](std::string_view method, const std::string& url,
                  const net::SimpleHeaders& headers) -> Result<net::SimpleReply> {
      const std::string asked = std::string(method) + " " + url;
      seen.emplace_back(asked, headers);
      auto it = replies.find(asked);
      if (it == replies.end()) return net::SimpleReply{404, "not found"};
      return it->second;
    };
  }
};

Result<net::SimpleReply> ok(std::string body) {
  return net::SimpleReply{200, std::move(body)};
}

std::optional<std::string> header(const net::SimpleHeaders& headers, const std::string& name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

TEST(InstanceCredentials, ImdsV2AsksATokenThenTheRoleThenItsCredentials) {
  FakeEndpoint imds;
  const std::string roles = "http://169.254.169.254/latest/meta-data/iam/security-credentials/";
  imds.replies["PUT http://169.254.169.254/latest/api/token"] = ok("tok-123");
  imds.replies["GET " + roles] = ok("my-role\n");
  imds.replies["GET " + roles + "my-role"] = ok(kDocument);
  auto got = fetch_instance_credentials("http://169.254.169.254/", imds.request());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "ASIAROLE");
  EXPECT_EQ(got->credentials.secret_access_key, "rolesecret");
  EXPECT_EQ(got->credentials.session_token, "roletoken");
  ASSERT_TRUE(got->expires_at);
  EXPECT_EQ(*got->expires_at, 1893456000);
  ASSERT_EQ(imds.seen.size(), 3u);
  EXPECT_EQ(header(imds.seen[0].second, "x-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(header(imds.seen[1].second, "x-aws-ec2-metadata-token"), "tok-123");
  EXPECT_EQ(header(imds.seen[2].second, "x-aws-ec2-metadata-token"), "tok-123");
}

TEST(InstanceCredentials, ARefusedTokenMeansImdsV1) {
  for (const int refused : {403, 404, 405}) {
    FakeEndpoint imds;
    const std::string roles = "http://10.0.0.1/latest/meta-data/iam/security-credentials/";
    imds.replies["PUT http://10.0.0.1/latest/api/token"] = net::SimpleReply{refused, ""};
    imds.replies["GET " + roles] = ok("r");
    imds.replies["GET " + roles + "r"] = ok(kDocument);
    auto got = fetch_instance_credentials("http://10.0.0.1", imds.request());
    ASSERT_TRUE(got) << refused << ": " << got.error().message;
    EXPECT_FALSE(header(imds.seen[1].second, "x-aws-ec2-metadata-token")) << refused;
  }
  FakeEndpoint bad;
  bad.replies["PUT http://10.0.0.1/latest/api/token"] = net::SimpleReply{400, ""};
  auto refused = fetch_instance_credentials("http://10.0.0.1", bad.request());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::credentials);
}

TEST(InstanceCredentials, NoRoleOrABadDocumentIsSaidWithoutItsSecrets) {
  FakeEndpoint no_role;
  no_role.replies["PUT http://h/latest/api/token"] = ok("t");
  auto none = fetch_instance_credentials("http://h", no_role.request());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::credentials);
  EXPECT_EQ(none.error().message,
            "the EC2 instance metadata service at http://h knows no role of this instance "
            "(none is attached to it)");
  auto partial = parse_metadata_credentials(R"({"AccessKeyId": "A", "Token": "T"})", "it");
  ASSERT_FALSE(partial);
  EXPECT_EQ(partial.error().message, "it answered with no SecretAccessKey");
  auto not_json = parse_metadata_credentials("<html>", "it");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().message, "it answered with something that is not a JSON object");
  // Nothing there at all: the transport's error, for the caller to read as
  // "not an EC2 instance".
  FakeEndpoint silent;
  silent.replies["PUT http://h/latest/api/token"] = make_error(ErrorKind::timeout, "no reply");
  auto timed_out = fetch_instance_credentials("http://h", silent.request());
  ASSERT_FALSE(timed_out);
  EXPECT_EQ(timed_out.error().kind, ErrorKind::timeout);
}

// resolve_config with the role endpoints: used only when nothing else gave keys.
struct Machine {
  std::map<std::string, std::string> env{{"HOME", "/home/u"}};
  std::map<std::string, std::string> files;
  FakeEndpoint container;
  FakeEndpoint instance;
  Result<ResolvedConfig> resolve() const {
    const EnvLookup env_fn = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    const FileReader reader =
        [this](const std::string& path) -> Result<std::optional<std::string>> {
      auto it = files.find(path);
      if (it == files.end()) return std::optional<std::string>();
      return std::optional<std::string>(it->second);
    };
    const ProcessRunner no_process = [](const std::vector<std::string>&,
                                        const std::atomic<bool>*) -> Result<ProcessOutput> {
      return make_error(ErrorKind::config, "no process here");
    };
    return resolve_config({}, env_fn, reader, no_process,
                          RoleEndpoints{container.request(), instance.request()});
  }
};

TEST(MachineRole, AContainerRoleIsAskedWithItsAuthorizationToken) {
  Machine m;
  m.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://169.254.170.23/v1/credentials";
  m.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = "/var/run/token";
  m.files["/var/run/token"] = "pod-token\n";
  m.container.replies["GET http://169.254.170.23/v1/credentials"] = ok(kDocument);
  auto got = m.resolve();
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "ASIAROLE");
  EXPECT_EQ(got->credentials_source, "container role (AWS_CONTAINER_CREDENTIALS_FULL_URI)");
  EXPECT_TRUE(got->credentials_expire_at);
  ASSERT_TRUE(got->renew_credentials);
  EXPECT_TRUE(got->renew_credentials(nullptr));
  ASSERT_FALSE(m.container.seen.empty());
  EXPECT_EQ(header(m.container.seen[0].second, "Authorization"), "pod-token");
  EXPECT_TRUE(m.instance.seen.empty());

  // RELATIVE_URI is on 169.254.170.2, and wins over FULL_URI (botocore's order).
  Machine ecs;
  ecs.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  ecs.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:1/x";
  ecs.container.replies["GET http://169.254.170.2/v2/credentials/abc"] = ok(kDocument);
  auto relative = ecs.resolve();
  ASSERT_TRUE(relative) << relative.error().message;
  EXPECT_EQ(relative->credentials_source,
            "container role (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)");
}

TEST(MachineRole, KeysElsewhereWinAndOtherHostsAreRefused) {
  Machine m;
  m.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  m.env["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  m.env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  auto env_keys = m.resolve();
  ASSERT_TRUE(env_keys);
  EXPECT_EQ(env_keys->credentials_source, "environment");
  EXPECT_TRUE(m.container.seen.empty());

  Machine other;
  other.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://evil.example.com/creds";
  auto refused = other.resolve();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::config);
  EXPECT_TRUE(refused.error().message.starts_with(
      "AWS_CONTAINER_CREDENTIALS_FULL_URI 'http://evil.example.com/creds' is not a plain "
      "http:// URL on a loopback address"))
      << refused.error().message;
  EXPECT_TRUE(other.container.seen.empty());

  Machine broken;
  broken.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://localhost:8080/creds";
  broken.container.replies["GET http://localhost:8080/creds"] = net::SimpleReply{401, "no"};
  auto unauthorized = broken.resolve();
  ASSERT_FALSE(unauthorized);
  EXPECT_EQ(unauthorized.error().message,
            "the container credentials endpoint http://localhost:8080/creds (from "
            "AWS_CONTAINER_CREDENTIALS_FULL_URI) refused the request (HTTP 401)");
}

TEST(MachineRole, TheInstanceRoleIsAskedLastAndCanBeTurnedOff) {
  Machine m;
  m.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:8111/";
  const std::string roles = "http://127.0.0.1:8111/latest/meta-data/iam/security-credentials/";
  m.instance.replies["PUT http://127.0.0.1:8111/latest/api/token"] = ok("t");
  m.instance.replies["GET " + roles] = ok("r");
  m.instance.replies["GET " + roles + "r"] = ok(kDocument);
  auto got = m.resolve();
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->credentials_source, "EC2 instance role (http://127.0.0.1:8111/)");
  EXPECT_EQ(got->credentials.session_token, "roletoken");

  m.env["AWS_EC2_METADATA_DISABLED"] = "TRUE";
  m.instance.seen.clear();
  auto disabled = m.resolve();
  ASSERT_FALSE(disabled);
  EXPECT_TRUE(m.instance.seen.empty());
  EXPECT_EQ(disabled.error().message,
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
            "configure a profile in ~/.aws/credentials (tried: environment, profile 'default')");

  // Nothing answers (not an EC2 instance): one more source tried, said so.
  Machine laptop;
  laptop.instance.replies["PUT http://169.254.169.254/latest/api/token"] =
      make_error(ErrorKind::timeout, "no reply");
  auto none = laptop.resolve();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::credentials);
  EXPECT_EQ(none.error().message,
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
            "configure a profile in ~/.aws/credentials (tried: environment, profile 'default', "
            "EC2 instance metadata at http://169.254.169.254 (no answer: not an EC2 instance))");
}

}  // namespace
}  // namespace s3loop::s3
