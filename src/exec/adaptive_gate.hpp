// The AttemptGate the async strategies install while a run is adaptive:
// attempts beyond AdaptiveLimit's limit wait in a FIFO, and each freed room is
// handed to the oldest waiter (on whatever loop it runs) instead of waiters
// polling. Private to exec.
#pragma once

#include "pipeline.hpp"
#include "s3loop/exec/adaptive_limit.hpp"
#include "s3loop/s3/attempt_gate.hpp"

#include <deque>
#include <memory>
#include <mutex>

namespace s3loop::exec {

class AdaptiveGate final : public s3::AttemptGate {
 public:
  AdaptiveGate(AdaptiveLimit& limit, const RunState& state) : limit_(limit), state_(state) {}

  boost::asio::awaitable<std::optional<std::uint64_t>> enter() override;
  void leave(std::uint64_t ticket, s3::AttemptReply reply) override;

  struct Waiter;

 private:
  void grant_locked();

  AdaptiveLimit& limit_;
  const RunState& state_;
  std::mutex mutex_;  // guards waiters_ and every Waiter's fields
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace s3loop::exec
