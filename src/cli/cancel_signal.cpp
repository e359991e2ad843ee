#include "cancel_signal.hpp"

#include <atomic>
#include <csignal>

#include <signal.h>

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

bool ignored_at_start(int signal_number) {
  static const auto ignored = [](int which) {
    struct sigaction current {};
    return sigaction(which, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
  };
  static const bool interrupt = ignored(SIGINT);
  static const bool terminate = ignored(SIGTERM);
  static const bool hangup = ignored(SIGHUP);
  if (signal_number == SIGINT) return interrupt;
  if (signal_number == SIGTERM) return terminate;
  if (signal_number == SIGHUP) return hangup;
  return false;
}

bool is_cancelled_exit(int code) {
  for (const int signal_number : kCancelSignals) {
    if (code == kSignalExitBase + signal_number) return true;
  }
  return false;
}

}  // namespace s3loop::cli
