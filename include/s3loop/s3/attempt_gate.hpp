// A hook around every attempt Client::send makes (retries included): wait for
// room before sending, report how the server answered after. exec plugs its
// adaptive concurrency in here, so the limit counts requests on the wire, not
// items, and a request sleeping before its retry holds no room.
#pragma once

#include "s3loop/s3/attempt_reply.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>

namespace s3loop::s3 {

class AttemptGate {
 public:
  virtual ~AttemptGate() = default;
  // Waits until one more attempt may be sent; its ticket, or nullopt when the
  // run is stopping (the request then fails as cancelled).
  virtual boost::asio::awaitable<std::optional<std::uint64_t>> enter() = 0;
  // Called once per entered attempt, as soon as its reply (or error) is in.
  virtual void leave(std::uint64_t ticket, AttemptReply reply) = 0;
};

}  // namespace s3loop::s3
