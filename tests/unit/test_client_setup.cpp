// s3::setup_client: settings, environment and files to the state a run's
// clients share (fake environment and files; the CA bundle from disk).
#include "s3loop/net/tls.hpp"
#include "s3loop/s3/client_setup.hpp"

#include <gtest/gtest.h>

#include <map>

namespace s3loop::s3 {
namespace {

struct FakeEnvironment {
  std::map<std::string, std::string> env{{"HOME", "/home/u"},
                                         {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                         {"AWS_SECRET_ACCESS_KEY", "secret"}};
  std::map<std::string, std::string> files;

  Result<ClientSetup> setup(const ClientSettings& settings = {}) const {
    auto lookup = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    auto read = [this](const std::string& path) -> Result<std::optional<std::string>> {
      auto it = files.find(path);
      if (it == files.end()) return std::optional<std::string>();
      return std::optional<std::string>(it->second);
    };
    // No machine role asked: a test sends nothing past 127.0.0.1 (the
    // instance metadata service is 169.254.169.254).
    return setup_client(settings, lookup, read, subprocess_runner(), RoleEndpoints{});
  }
};

TEST(ClientSetup, CarriesTheResolvedConfigAndTheSettings) {
  FakeEnvironment fake;
  fake.env["AWS_ENDPOINT_URL"] = "https://127.0.0.1:9443";
  fake.env["AWS_REGION"] = "eu-west-1";
  ClientSettings settings;
  settings.retry.max_attempts = 2;
  settings.retry_budget = 7;
  settings.timeouts.connect = std::chrono::milliseconds(1234);
  settings.overrides.addressing_style = AddressingStyle::path;
  auto setup = fake.setup(settings);
  ASSERT_TRUE(setup) << setup.error().message;
  const ClientOptions& options = setup->shared->options;
  EXPECT_EQ(options.endpoint.host, "127.0.0.1");
  EXPECT_EQ(options.endpoint.port, 9443);
  EXPECT_FALSE(options.regional_endpoint);
  EXPECT_EQ(options.region, "eu-west-1");
  EXPECT_EQ(options.credentials.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(options.addressing_style, AddressingStyle::path);
  EXPECT_EQ(options.retry.max_attempts, 2);
  EXPECT_EQ(options.timeouts.connect, std::chrono::milliseconds(1234));
  EXPECT_EQ(setup->shared->retry_budget.tokens(), 7);
  ASSERT_NE(setup->shared->tls, nullptr);
  EXPECT_EQ(setup->config.endpoint_source, "AWS_ENDPOINT_URL");
}

TEST(ClientSetup, TheProxyComesFromTheEnvironmentTheLowerCaseSpellingFirst) {
  FakeEnvironment fake;
  fake.env["AWS_ENDPOINT_URL"] = "https://s3.example.com";
  {
    auto setup = fake.setup();
    ASSERT_TRUE(setup) << setup.error().message;
    EXPECT_FALSE(setup->shared->options.proxy.https);
  }
  fake.env["HTTPS_PROXY"] = "http://upper:3128";
  fake.env["NO_PROXY"] = "internal.example";
  {
    auto setup = fake.setup();
    ASSERT_TRUE(setup) << setup.error().message;
    const auto& proxy = setup->shared->options.proxy;
    ASSERT_TRUE(proxy.https);
    EXPECT_EQ(proxy.https->host, "upper");
    EXPECT_EQ(proxy.https->source, "HTTPS_PROXY");
    EXPECT_EQ(proxy.no_proxy, "internal.example");
    EXPECT_TRUE(proxy.for_endpoint(setup->shared->options.endpoint));
  }
  fake.env["https_proxy"] = "";  // set but empty: no proxy, HTTPS_PROXY or not
  {
    auto setup = fake.setup();
    ASSERT_TRUE(setup) << setup.error().message;
    EXPECT_FALSE(setup->shared->options.proxy.https);
  }
  fake.env["https_proxy"] = "lower:8080";
  fake.env["no_proxy"] = "example.com";
  {
    auto setup = fake.setup();
    ASSERT_TRUE(setup) << setup.error().message;
    const auto& proxy = setup->shared->options.proxy;
    ASSERT_TRUE(proxy.https);
    EXPECT_EQ(proxy.https->host, "lower");
    EXPECT_EQ(proxy.https->port, 8080);
    EXPECT_EQ(proxy.https->source, "https_proxy");
    EXPECT_FALSE(proxy.for_endpoint(setup->shared->options.endpoint));  // no_proxy names it
  }
  // A proxy s3loop cannot use stops no run that would not go through it (as
  // botocore reads the URL only then): here no_proxy names the endpoint.
  fake.env["https_proxy"] = "socks5://lower:1080";
  {
    auto setup = fake.setup();
    ASSERT_TRUE(setup) << setup.error().message;
    const auto& proxy = setup->shared->options.proxy;
    EXPECT_FALSE(proxy.for_endpoint(setup->shared->options.endpoint));
    // Kept, for any other endpoint the run would reach through it.
    ASSERT_TRUE(proxy.https_unusable);
    EXPECT_TRUE(proxy.https_unusable->message.starts_with("https_proxy 'socks5://lower:1080'"));
  }
  // Set but empty, the lower-case spelling turns the setting off, as in urllib:
  // NO_PROXY no longer counts, and the endpoint would go through the proxy.
  fake.env["no_proxy"] = "";
  auto refused = fake.setup();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::config);
  EXPECT_EQ(refused.error().message,
            "https_proxy 'socks5://lower:1080' is no proxy s3loop can use: the scheme must be http "
            "(expected http://[user:password@]host:port)");
}

TEST(ClientSetup, APlainHttpEndpointsProxyIsHttpProxy) {
  FakeEnvironment fake;
  fake.env["AWS_ENDPOINT_URL"] = "http://s3.example.com:9000";
  // HTTPS_PROXY is not for it: not even read (a socks5:// one stops nothing).
  fake.env["HTTPS_PROXY"] = "socks5://tls-only:1080";
  {
    auto setup = fake.setup();
    ASSERT_TRUE(setup) << setup.error().message;
    EXPECT_FALSE(setup->shared->options.proxy.for_endpoint(setup->shared->options.endpoint));
  }
  fake.env["HTTP_PROXY"] = "http://u:pw@upper:3128";
  {
    auto setup = fake.setup();
    ASSERT_TRUE(setup) << setup.error().message;
    const auto used = setup->shared->options.proxy.for_endpoint(setup->shared->options.endpoint);
    ASSERT_TRUE(used);
    EXPECT_EQ(used->host, "upper");
    EXPECT_EQ(used->credentials, "u:pw");
    EXPECT_EQ(used->source, "HTTP_PROXY");
  }
  // Run as a CGI program, HTTP_PROXY may be a web client's Proxy: header
  // (httpoxy): only http_proxy counts, as in Python's urllib.
  fake.env["REQUEST_METHOD"] = "GET";
  {
    auto setup = fake.setup();
    ASSERT_TRUE(setup) << setup.error().message;
    EXPECT_FALSE(setup->shared->options.proxy.http);
  }
  fake.env["http_proxy"] = "lower:8080";
  {
    auto setup = fake.setup();
    ASSERT_TRUE(setup) << setup.error().message;
    const auto& proxy = setup->shared->options.proxy;
    ASSERT_TRUE(proxy.http);
    EXPECT_EQ(proxy.http->host, "lower");
    EXPECT_EQ(proxy.http->source, "http_proxy");
  }
  fake.env.erase("REQUEST_METHOD");
  // One it would go through and cannot use is refused; NO_PROXY naming the
  // endpoint, it is not.
  fake.env["http_proxy"] = "socks5://lower:1080";
  auto refused = fake.setup();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::config);
  EXPECT_TRUE(refused.error().message.starts_with(
      "http_proxy 'socks5://lower:1080' is no proxy s3loop can use"))
      << refused.error().message;
  fake.env["NO_PROXY"] = "example.com";
  auto exempt = fake.setup();
  ASSERT_TRUE(exempt) << exempt.error().message;
  EXPECT_FALSE(exempt->shared->options.proxy.for_endpoint(exempt->shared->options.endpoint));
  // And HTTP_PROXY is not for an https:// endpoint.
  fake.env.erase("NO_PROXY");
  fake.env["AWS_ENDPOINT_URL"] = "https://s3.example.com";
  fake.env.erase("HTTPS_PROXY");
  auto https = fake.setup();
  ASSERT_TRUE(https) << https.error().message;
  EXPECT_FALSE(https->shared->options.proxy.for_endpoint(https->shared->options.endpoint));
}

TEST(ClientSetup, WithoutAnEndpointTheRegionsAwsEndpoint) {
  FakeEnvironment fake;
  fake.env["AWS_REGION"] = "eu-west-1";
  auto setup = fake.setup();
  ASSERT_TRUE(setup) << setup.error().message;
  EXPECT_TRUE(setup->shared->options.regional_endpoint);
  EXPECT_EQ(setup->shared->options.endpoint.host, "s3.eu-west-1.amazonaws.com");
}

TEST(ClientSetup, ABadSettingNamesWhereItWasSet) {
  FakeEnvironment fake;
  fake.env["AWS_ENDPOINT_URL"] = "htp://bad host";
  auto setup = fake.setup();
  ASSERT_FALSE(setup);
  EXPECT_NE(setup.error().message.find("; set by AWS_ENDPOINT_URL"), std::string::npos)
      << setup.error().message;
  // Configuration, as the header says (a review: it came back as usage, the
  // kind of the caller's own mistakes).
  EXPECT_EQ(setup.error().kind, ErrorKind::config);
  // Not the flag the caller passed: that one it knows, and it is its usage.
  ClientSettings flag;
  flag.overrides.endpoint_url = "htp://bad host";
  setup = fake.setup(flag);
  ASSERT_FALSE(setup);
  EXPECT_EQ(setup.error().message.find("set by"), std::string::npos) << setup.error().message;
  EXPECT_EQ(setup.error().kind, ErrorKind::usage);

  FakeEnvironment missing_bundle;
  missing_bundle.env["AWS_CA_BUNDLE"] = "/nonexistent/ca.pem";
  setup = missing_bundle.setup();
  ASSERT_FALSE(setup);
  EXPECT_NE(setup.error().message.find("/nonexistent/ca.pem"), std::string::npos);
  EXPECT_NE(setup.error().message.find("; set by AWS_CA_BUNDLE"), std::string::npos)
      << setup.error().message;
  EXPECT_EQ(setup.error().kind, ErrorKind::config);
  // REQUESTS_CA_BUNDLE, read as botocore reads it when nothing else names a bundle, likewise.
  FakeEnvironment requests_bundle;
  requests_bundle.env["REQUESTS_CA_BUNDLE"] = "/nonexistent/requests.pem";
  auto requests = requests_bundle.setup();
  ASSERT_FALSE(requests);
  EXPECT_EQ(requests.error().message,
            "cannot read CA bundle '/nonexistent/requests.pem': No such file or directory; set by "
            "REQUESTS_CA_BUNDLE");
  EXPECT_EQ(requests.error().kind, ErrorKind::config);
  // Without verification no bundle is read, so none can fail.
  ClientSettings unverified;
  unverified.verify_tls = false;
  EXPECT_TRUE(missing_bundle.setup(unverified));
  // Nor with a plain-HTTP endpoint, which makes no TLS connection (a review:
  // a stale AWS_CA_BUNDLE refused every run against http://, aws lists).
  missing_bundle.env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9480";
  auto plain = missing_bundle.setup();
  EXPECT_TRUE(plain) << plain.error().message;
}

// A program's settings outside the command's ranges: a million attempts retried a refused
// connection for as long as the job ran, a zero timeout failed every handshake.
TEST(ClientSetup, SettingsOutsideTheCommandsRangesAreRefused) {
  const FakeEnvironment fake;
  auto refused = [&](const ClientSettings& settings) {
    auto setup = fake.setup(settings);
    EXPECT_FALSE(setup);
    if (setup) return std::string();
    EXPECT_EQ(setup.error().kind, ErrorKind::usage);
    return setup.error().message;
  };
  for (int attempts : {0, -1, 101, 1'000'000}) {
    ClientSettings s;
    s.retry.max_attempts = attempts;
    EXPECT_EQ(refused(s),
              "--max-attempts must be between 1 and 100, got " + std::to_string(attempts));
  }
  for (int budget : {-1, 100'000'001}) {
    ClientSettings s;
    s.retry_budget = budget;
    EXPECT_EQ(refused(s),
              "--retry-budget must be between 0 and 100000000, got " + std::to_string(budget));
  }
  ClientSettings zero_connect;
  zero_connect.timeouts.connect = std::chrono::milliseconds(0);
  EXPECT_EQ(refused(zero_connect),
            "--connect-timeout (Timeouts::connect) must be above 0, got 0 ms");
  ClientSettings negative_read;
  negative_read.timeouts.idle_read = std::chrono::milliseconds(-5);
  EXPECT_EQ(refused(negative_read),
            "--read-timeout (Timeouts::idle_read) must be above 0, got -5 ms");
  ClientSettings backwards;
  backwards.retry.cap = std::chrono::milliseconds(1);
  EXPECT_EQ(refused(backwards), "RetryPolicy: base 100 ms and cap 1 ms must be 0 <= base <= cap");
  // The edges of the ranges are fine.
  ClientSettings edges;
  edges.retry.max_attempts = 100;
  edges.retry_budget = 0;
  edges.timeouts.write = std::chrono::milliseconds(1);
  EXPECT_TRUE(fake.setup(edges));
}

TEST(ClientSetup, NoCredentialsIsAnError) {
  FakeEnvironment fake;
  fake.env.erase("AWS_ACCESS_KEY_ID");
  fake.env.erase("AWS_SECRET_ACCESS_KEY");
  auto setup = fake.setup();
  ASSERT_FALSE(setup);
  EXPECT_EQ(setup.error().kind, ErrorKind::credentials);
}

}  // namespace
}  // namespace s3loop::s3
