// One Ctrl-C delivered twice is one interrupt; a second one later is another.
#include "interrupt_echo.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace s3loop::cli {
namespace {

TEST(InterruptEcho, ASignalRightAfterTheFirstIsItsEchoALaterOneIsNot) {
  InterruptEcho echo;
  echo.note();
  echo.note();  // `timeout -s INT`: the same Ctrl-C, to the process and to its group
  EXPECT_TRUE(echo.is_echo());
  std::this_thread::sleep_for(std::chrono::nanoseconds(InterruptEcho::kWindowNs) +
                              std::chrono::milliseconds(20));
  echo.note();  // the first one's time is kept
  EXPECT_FALSE(echo.is_echo());
}

}  // namespace
}  // namespace s3loop::cli
