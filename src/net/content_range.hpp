// A 206 reply's Content-Range against the Range asked for: pure, tested
// byte for byte without a socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace s3loop::net {

// What is wrong with a 206 reply whose Content-Range is `content_range` to a
// request whose Range was `range` ("bytes=F-L", the only form s3loop sends):
// the bytes it holds are not those asked for (another range of the same
// length read as the one asked for lost and repeated records, exit 0: a
// review). nullopt when they are, when `range` is not of that form, or when
// the reply has no Content-Range (its length is checked where it is read).
std::optional<std::string> content_range_problem(std::string_view range,
                                                 std::optional<std::string_view> content_range);

// The number of bytes a Content-Range of "bytes F-L/N" (or "/*") says its
// reply holds; nullopt when it is absent or not of that form.
std::optional<std::uint64_t> content_range_length(std::optional<std::string_view> content_range);

}  // namespace s3loop::net
