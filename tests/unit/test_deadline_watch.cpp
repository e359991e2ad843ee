// The deadline watch's timer outlives nothing it points to: a tick already
// due when the watch is destroyed (a pool destroyed while its event loop runs
// on, in a program using the library) does not run on the freed watch. A
// review found that use after free with AddressSanitizer; this test is what
// the sanitizer pass of the suite runs.
#include "net/connection.hpp"
#include "net/deadline_watch.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

namespace s3loop::net {
namespace {

using namespace std::chrono_literals;

TEST(DeadlineWatch, ATickDueWhenTheWatchIsDestroyedTouchesNothing) {
  boost::asio::io_context loop;
  auto watch = std::make_unique<DeadlineWatch>(loop.get_executor(), 5ms);
  Connection conn(loop.get_executor(), nullptr);
  conn.expires_after(1h);
  watch->watch(conn);  // the tick is due in 5 ms
  // Due before the tick, run first: it destroys the watch.
  boost::asio::steady_timer earlier(loop, 1ms);
  bool destroyed = false;
  earlier.async_wait([&](boost::system::error_code) {
    watch->unwatch(conn);
    watch.reset();
    destroyed = true;
  });
  // The loop busy past both: the two expiries are found in one pass, and the
  // tick's handler is already queued when the first one destroys the watch.
  boost::asio::post(loop, [] { std::this_thread::sleep_for(30ms); });
  loop.run();
  EXPECT_TRUE(destroyed);
  EXPECT_FALSE(conn.timed_out);
  EXPECT_FALSE(conn.interrupted);
}

}  // namespace
}  // namespace s3loop::net
