// "1 object", "2 objects": a count's noun agrees with it.
#pragma once

#include <cstdint>
#include <string_view>

namespace s3loop::cli {

constexpr std::string_view plural(std::uint64_t count, std::string_view one,
                                  std::string_view many) {
  return count == 1 ? one : many;
}

}  // namespace s3loop::cli
