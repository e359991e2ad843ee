// s3loop uses no proxy; a user whose aws cli goes through one is told (a review's finding:
// HTTPS_PROXY was ignored without a word).
#include "proxy_note.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace s3loop::cli {
namespace {

std::optional<std::string> warning(bool tls, const std::string& host,
                                   std::map<std::string, std::string> vars) {
  return ignored_proxy_warning(tls, host, [&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(ProxyNote, AProxyAwsCliWouldUseIsSaidToBeIgnored) {
  EXPECT_EQ(warning(true, "s3.example.com", {{"HTTPS_PROXY", "http://user:secret@proxy:3128"}}),
            "HTTPS_PROXY is set, but s3loop does not use proxies: it connects to s3.example.com "
            "directly (aws cli would go through the proxy); NO_PROXY=s3.example.com says so and "
            "silences this");
  EXPECT_TRUE(warning(false, "h", {{"http_proxy", "http://p:1"}})->starts_with("http_proxy is"));
  // The scheme's own variable only; empty is unset.
  EXPECT_FALSE(warning(false, "h", {{"HTTPS_PROXY", "http://p:1"}}));
  EXPECT_FALSE(warning(true, "h", {{"HTTPS_PROXY", ""}}));
  EXPECT_FALSE(warning(true, "h", {}));
}

TEST(ProxyNote, NoProxyExemptsTheHostAsUrllibReadsIt) {
  const std::map<std::string, std::string> proxy = {{"HTTPS_PROXY", "http://p:1"}};
  auto with = [&](const std::string& host, const std::string& no_proxy) {
    auto vars = proxy;
    vars["NO_PROXY"] = no_proxy;
    return warning(true, host, vars).has_value();
  };
  EXPECT_FALSE(with("127.0.0.1", "localhost, 127.0.0.1"));
  EXPECT_FALSE(with("anything", "*"));
  EXPECT_FALSE(with("s3.example.com", "example.com"));
  EXPECT_FALSE(with("s3.example.com", ".example.com"));
  EXPECT_FALSE(with("S3.Example.com", "example.COM:443"));
  EXPECT_TRUE(with("s3.example.com", "ample.com"));  // a name, not a suffix of letters
  EXPECT_TRUE(with("s3.example.com", "other.org,"));
  EXPECT_FALSE(warning(true, "h", {{"HTTPS_PROXY", "http://p:1"}, {"no_proxy", "h"}}));
}

}  // namespace
}  // namespace s3loop::cli
