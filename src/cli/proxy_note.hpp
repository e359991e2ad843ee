// aws cli (botocore) sends requests to a plain-HTTP endpoint through the
// proxy HTTP_PROXY names, as an absolute-URL request; s3loop tunnels only
// https:// connections (HTTPS_PROXY, net/proxy.hpp) and reaches a plain-HTTP
// endpoint directly. A user behind a proxy is told so, once, rather than left
// to wonder why a connection fails or goes around the proxy.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace s3loop::cli {

// The warning for a plain-HTTP endpoint at `authority` (host[:port], as
// net::Endpoint::authority()) when http_proxy or HTTP_PROXY is set and
// NO_PROXY does not exempt it; nullopt otherwise, and always for an
// https:// endpoint (`tls`). `env` reads a variable (nullptr: unset).
std::optional<std::string> ignored_proxy_warning(
    bool tls, std::string_view authority, const std::function<const char*(const char*)>& env);

}  // namespace s3loop::cli
