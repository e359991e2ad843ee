// Human byte sizes on the command line: "8MiB", "5GiB", "64KB", "1024".
#pragma once

#include "s3loop/error.hpp"

#include <cstdint>
#include <string_view>

namespace s3loop::cli {

// Binary units, case-insensitive, written K, KiB or KB (likewise M, G, T),
// as aws cli and rclone read them; a bare number (or "B") is bytes. `flag` names the option
// in the error message.
Result<std::uint64_t> parse_size(std::string_view text, std::string_view flag);

}  // namespace s3loop::cli
