// Telling a second interrupt from the first one delivered twice.
#pragma once

#include <atomic>
#include <cstdint>

namespace s3loop::cli {

// One Ctrl-C can arrive twice, microseconds apart: `timeout -s INT` signals
// the process and then its process group, a shell may pass the terminal's
// on. A second signal that soon is that same interrupt, not the user
// insisting -- which would cost the summary, the aborts of unfinished
// uploads, compare's cleanup. Both members are async-signal-safe.
class InterruptEcho {
 public:
  // No human presses Ctrl-C twice faster.
  static constexpr std::int64_t kWindowNs = 100'000'000;

  // A signal came now: the first one's time is kept (any signal calls it,
  // first thing, so that one nested in the first's handler finds it set).
  void note();
  // Whether a later signal, now, is within kWindowNs of the first.
  bool is_echo() const;

 private:
  std::atomic<std::int64_t> first_ns_{0};
  static_assert(std::atomic<std::int64_t>::is_always_lock_free, "used in signal handlers");
};

}  // namespace s3loop::cli
