// A URL's port as typed. Private to net: endpoint and proxy URLs read it alike.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace s3loop::net {

// `digits` as a port, 1 to 65535; nullopt for anything else. Read by hand:
// Boost.URL's port_number() wraps values above 65535 (":74979" would quietly
// become port 9443).
inline std::optional<std::uint16_t> port_number(std::string_view digits) {
  unsigned long port = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port == 0 ||
      port > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(port);
}

}  // namespace s3loop::net
