// Human byte sizes on the command line: "8MiB", "5GiB", "64KB", "1024".
#pragma once

#include "s3loop/error.hpp"

#include <cstdint>
#include <string_view>

namespace s3loop::cli {

// Binary (KiB, MiB, GiB, TiB) and decimal (KB, MB, GB, TB) units, case-
// insensitive, optional "B"; a bare number is bytes. `flag` names the option
// in the error message.
Result<std::uint64_t> parse_size(std::string_view text, std::string_view flag);

}  // namespace s3loop::cli
