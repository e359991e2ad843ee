#include "ls_format.hpp"

#include "s3loop/s3/timestamp.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <ctime>

namespace s3loop::cli {

std::string ls_time(std::string_view iso) {
  const auto seconds = s3::parse_iso8601(iso);
  if (!seconds) return std::string(iso);
  const auto when = static_cast<std::time_t>(*seconds);
  std::tm local{};
  if (::localtime_r(&when, &local) == nullptr) return std::string(iso);
  char out[32];
  const std::size_t n = std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &local);
  return n == 0 ? std::string(iso) : std::string(out, n);
}

std::string_view name_below(std::string_view name, std::string_view requested_prefix) {
  const auto slash = requested_prefix.rfind('/');
  if (slash == std::string_view::npos) return name;
  const std::string_view directory = requested_prefix.substr(0, slash + 1);
  if (!name.starts_with(directory)) return name;
  return name.substr(directory.size());
}

std::string human_readable_size(std::uint64_t bytes) {
  if (bytes == 1) return "1 Byte";
  if (bytes < 1024) return fmt::format("{} Bytes", bytes);
  // awscli's human_readable_size: the first unit in which the value, rounded
  // (half to even, as Python's round), is below 1024.
  static constexpr std::array<std::string_view, 6> kUnits = {"KiB", "MiB", "GiB",
                                                             "TiB", "PiB", "EiB"};
  const auto value = static_cast<double>(bytes);
  for (std::size_t i = 0; i < kUnits.size(); ++i) {
    const double in_unit = value / std::pow(1024.0, static_cast<double>(i + 1));
    if (std::nearbyint(in_unit) < 1024.0 || i + 1 == kUnits.size()) {
      return fmt::format("{:.1f} {}", in_unit, kUnits[i]);
    }
  }
  return {};  // not reached: the last unit always answers
}

std::string ls_summary(std::uint64_t objects, std::uint64_t bytes, bool human_readable) {
  return fmt::format("\nTotal Objects: {}\n   Total Size: {}\n", objects,
                     human_readable ? human_readable_size(bytes) : std::to_string(bytes));
}

}  // namespace s3loop::cli
