// What the network layer did, counted with atomics so every strategy (one
// loop, many loops, thread pools) can share one set.
#pragma once

#include <atomic>
#include <cstdint>

namespace s3loop::net {

struct Counters {
  std::atomic<std::uint64_t> requests{0};          // HTTP exchanges attempted
  std::atomic<std::uint64_t> connections{0};       // TCP connections opened
  std::atomic<std::uint64_t> tls_handshakes{0};    // completed TLS handshakes
  std::atomic<std::uint64_t> tls_resumed{0};       // ...of which resumed an earlier session
  std::atomic<std::uint64_t> stale_reconnects{0};  // keep-alive closed by server, retried at once
};

}  // namespace s3loop::net
