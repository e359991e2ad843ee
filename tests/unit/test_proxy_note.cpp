// A plain-HTTP endpoint is reached directly (HTTPS_PROXY tunnels https://
// connections only); a user whose aws cli would send its requests through
// HTTP_PROXY is told (a review's finding: proxies were ignored without a word).
#include "proxy_note.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace s3loop::cli {
namespace {

std::optional<std::string> warning(bool tls, const std::string& authority,
                                   std::map<std::string, std::string> vars) {
  return ignored_proxy_warning(tls, authority, [&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(ProxyNote, HttpProxyIsSaidToBeUnusedForAPlainHttpEndpoint) {
  EXPECT_EQ(warning(false, "s3.example.com", {{"HTTP_PROXY", "http://user:secret@proxy:3128"}}),
            "HTTP_PROXY is set, but s3loop sends plain-HTTP requests directly: it connects to "
            "s3.example.com itself (aws cli would go through the proxy; s3loop uses one, "
            "HTTPS_PROXY, for https:// endpoints only); NO_PROXY=s3.example.com says so and "
            "silences this");
  // As urllib reads them: the lower-case spelling wins, and set but empty it
  // turns the proxy off.
  EXPECT_TRUE(warning(false, "h", {{"http_proxy", "http://p:1"}, {"HTTP_PROXY", "http://q:1"}})
                  ->starts_with("http_proxy is"));
  EXPECT_FALSE(warning(false, "h", {{"http_proxy", ""}, {"HTTP_PROXY", "http://q:1"}}));
  // An https:// endpoint goes through HTTPS_PROXY: nothing to say.
  EXPECT_FALSE(warning(true, "h", {{"HTTP_PROXY", "http://p:1"}, {"HTTPS_PROXY", "http://p:1"}}));
  // The scheme's own variable only; empty is unset.
  EXPECT_FALSE(warning(false, "h", {{"HTTPS_PROXY", "http://p:1"}}));
  EXPECT_FALSE(warning(false, "h", {{"HTTP_PROXY", ""}}));
  EXPECT_FALSE(warning(false, "h", {}));
}

TEST(ProxyNote, NoProxyExemptsTheEndpoint) {
  const std::map<std::string, std::string> proxy = {{"HTTP_PROXY", "http://p:1"}};
  auto with = [&](const std::string& authority, const std::string& name, const std::string& list) {
    auto vars = proxy;
    vars[name] = list;
    return warning(false, authority, vars).has_value();
  };
  EXPECT_FALSE(with("127.0.0.1:9480", "NO_PROXY", "localhost, 127.0.0.1"));
  EXPECT_FALSE(with("s3.example.com", "no_proxy", ".example.com"));
  EXPECT_TRUE(with("s3.example.com", "NO_PROXY", "ample.com"));
  EXPECT_TRUE(with("127.0.0.1:9480", "NO_PROXY", "127.0.0.1:9999"));
}

}  // namespace
}  // namespace s3loop::cli
