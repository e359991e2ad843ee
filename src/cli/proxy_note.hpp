// aws cli (botocore) sends its requests through the proxy HTTPS_PROXY or
// HTTP_PROXY names; s3loop connects to the endpoint directly. A user behind a
// proxy is told so, once, rather than left to wonder why a connection fails
// or goes around the proxy.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace s3loop::cli {

// The warning for an endpoint at `host` (TLS or not) when a proxy variable
// that aws cli would use for it is set and NO_PROXY does not exempt the host;
// nullopt otherwise. `env` reads a variable (nullptr: unset).
std::optional<std::string> ignored_proxy_warning(
    bool tls, std::string_view host, const std::function<const char*(const char*)>& env);

}  // namespace s3loop::cli
