#include "interrupt_echo.hpp"

#include <ctime>

namespace s3loop::cli {
namespace {

std::int64_t monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

}  // namespace

void InterruptEcho::note() {
  std::int64_t unset = 0;
  first_ns_.compare_exchange_strong(unset, monotonic_ns());
}

bool InterruptEcho::is_echo() const {
  return monotonic_ns() - first_ns_.load() < kWindowNs;
}

}  // namespace s3loop::cli
