#include "cancel_signal.hpp"

#include <atomic>
#include <csignal>

namespace s3loop::cli {

namespace {
constexpr int kSignalExitBase = 128;
std::atomic<int> g_first_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "set in signal handlers");
}  // namespace

void note_cancel_signal(int signal_number) {
  int none = 0;
  g_first_signal.compare_exchange_strong(none, signal_number);
}

int cancelled_exit_code() {
  const int signal_number = g_first_signal.load();
  return kSignalExitBase + (signal_number != 0 ? signal_number : SIGINT);
}

bool is_cancelled_exit(int code) {
  return code == kSignalExitBase + SIGINT || code == kSignalExitBase + SIGTERM;
}

}  // namespace s3loop::cli
