#include "proxy_note.hpp"

#include <algorithm>
#include <cctype>

namespace s3loop::cli {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// As Python's urllib reads NO_PROXY (what botocore uses): "*" exempts every
// host; an entry (its ":port" dropped, a leading '.' or none) exempts that
// host and the names under it.
bool exempt(std::string_view host, std::string_view no_proxy) {
  const std::string name = lower(host);
  while (!no_proxy.empty()) {
    const std::size_t comma = no_proxy.find(',');
    std::string entry = lower(trimmed(no_proxy.substr(0, comma)));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    if (entry == "*") return true;
    if (const std::size_t colon = entry.rfind(':');
        colon != std::string::npos && entry.find(':') == colon) {
      entry.resize(colon);  // host:port (an IPv6 literal has more than one ':')
    }
    if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    if (entry.empty()) continue;
    if (name == entry || (name.size() > entry.size() && name.ends_with("." + entry))) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> ignored_proxy_warning(
    bool tls, std::string_view host, const std::function<const char*(const char*)>& env) {
  auto set = [&](const char* name) -> const char* {
    const char* value = env(name);
    return value != nullptr && *value != '\0' ? value : nullptr;
  };
  const char* variable = tls ? "HTTPS_PROXY" : "HTTP_PROXY";
  const char* value = set(variable);
  if (value == nullptr) {
    variable = tls ? "https_proxy" : "http_proxy";
    value = set(variable);
  }
  if (value == nullptr) return std::nullopt;
  const char* no_proxy = set("NO_PROXY");
  if (no_proxy == nullptr) no_proxy = set("no_proxy");
  if (no_proxy != nullptr && exempt(host, no_proxy)) return std::nullopt;
  return std::string(variable) + " is set, but s3loop does not use proxies: it connects to " +
         std::string(host) +
         " directly (aws cli would go through the proxy); NO_PROXY=" + std::string(host) +
         " says so and silences this";
}

}  // namespace s3loop::cli
