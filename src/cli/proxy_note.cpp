#include "proxy_note.hpp"

#include "s3loop/net/proxy.hpp"

namespace s3loop::cli {

std::optional<std::string> ignored_proxy_warning(
    bool tls, std::string_view host, const std::function<const char*(const char*)>& env) {
  if (tls) return std::nullopt;  // tunnelled through HTTPS_PROXY, if set
  auto set = [&](const char* name) -> const char* {
    const char* value = env(name);
    return value != nullptr && *value != '\0' ? value : nullptr;
  };
  // The lower-case spelling wins, as in Python's urllib (and ProxySettings).
  const char* variable = "http_proxy";
  const char* value = set(variable);
  if (value == nullptr) {
    variable = "HTTP_PROXY";
    value = set(variable);
  }
  if (value == nullptr) return std::nullopt;
  const char* no_proxy = set("no_proxy");
  if (no_proxy == nullptr) no_proxy = set("NO_PROXY");
  if (no_proxy != nullptr && net::no_proxy_exempts(host, no_proxy)) return std::nullopt;
  return std::string(variable) +
         " is set, but s3loop sends plain-HTTP requests directly: it connects to " +
         std::string(host) +
         " itself (aws cli would go through the proxy; s3loop uses one, HTTPS_PROXY, for "
         "https:// endpoints only); NO_PROXY=" +
         std::string(host) + " says so and silences this";
}

}  // namespace s3loop::cli
