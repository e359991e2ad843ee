// How the server answered one attempt of a request: what an adaptive limit
// needs to know of it. Its own header so that limit stays free of Asio.
#pragma once

#include <cstdint>

namespace s3loop::s3 {

enum class AttemptReply : std::uint8_t {
  answered,   // any reply but a 5xx
  throttled,  // 503 / SlowDown
  failed,     // a network error, a timeout or another 5xx
};

}  // namespace s3loop::s3
