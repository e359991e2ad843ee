#include "proxy_note.hpp"

#include "s3loop/net/proxy.hpp"

namespace s3loop::cli {

std::optional<std::string> ignored_proxy_warning(
    bool tls, std::string_view authority, const std::function<const char*(const char*)>& env) {
  if (tls) return std::nullopt;  // tunnelled through HTTPS_PROXY, if set
  // Read as urllib reads them (net::read_proxy_variable), as botocore would.
  const auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    const char* value = env(std::string(name).c_str());
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
  };
  const auto proxy = net::read_proxy_variable("http_proxy", "HTTP_PROXY", lookup);
  if (!proxy) return std::nullopt;
  const auto no_proxy = net::read_proxy_variable("no_proxy", "NO_PROXY", lookup);
  if (no_proxy && net::no_proxy_exempts(authority, no_proxy->value)) return std::nullopt;
  const std::string host(authority);
  return proxy->name + " is set, but s3loop sends plain-HTTP requests directly: it connects to " +
         host +
         " itself (aws cli would go through the proxy; s3loop uses one, HTTPS_PROXY, for "
         "https:// endpoints only); NO_PROXY=" +
         host + " says so and silences this";
}

}  // namespace s3loop::cli
