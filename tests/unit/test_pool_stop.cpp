// A connection pool's stop flag (Ctrl-C): exchanges in flight are cut off
// within a tick of the DeadlineWatch, as interrupted rather than timed out,
// and never pooled; nothing new is sent but cleanup, which gets a grace.
// Over loopback TCP to a peer in the same event loop.
#include "loopback_peer.hpp"
#include "net/connection.hpp"
#include "net/deadline_watch.hpp"
#include "s3loop/net/connection_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>

namespace s3loop::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::LoopbackPeer;

TEST(DeadlineWatchStop, InterruptsWatchedConnectionsAndGracesCleanupOnes) {
  asio::io_context loop;
  std::atomic<bool> stop{false};
  DeadlineWatch watch(loop.get_executor(), 10ms, &stop, 300ms);
  Connection cut(loop.get_executor(), nullptr);
  Connection graced(loop.get_executor(), nullptr);
  graced.stop_grace = true;
  cut.expires_after(1h);
  graced.expires_after(1h);
  watch.watch(cut);
  watch.watch(graced);

  loop.run_for(50ms);
  EXPECT_FALSE(cut.interrupted);  // no stop yet

  stop = true;
  loop.run_for(100ms);
  EXPECT_TRUE(cut.interrupted);
  EXPECT_FALSE(cut.timed_out);  // cut off, not slow
  EXPECT_FALSE(graced.interrupted);

  loop.run_for(400ms);  // past the grace
  EXPECT_TRUE(graced.interrupted);
  EXPECT_FALSE(graced.timed_out);
  watch.unwatch(cut);
  watch.unwatch(graced);
}

// A graced send that begins after the stop (an abort sent once its copy's
// last part came back) has the whole grace, from when it began
// (Connection::grace_from, set by the pool), not what was left of it.
TEST(DeadlineWatchStop, AGracedExchangeBegunAfterTheStopHasTheWholeGrace) {
  asio::io_context loop;
  std::atomic<bool> stop{false};
  DeadlineWatch watch(loop.get_executor(), 10ms, &stop, 600ms);
  Connection cut(loop.get_executor(), nullptr);
  cut.expires_after(1h);
  watch.watch(cut);  // keeps the ticks going
  stop = true;
  loop.run_for(500ms);  // most of the grace gone
  EXPECT_TRUE(cut.interrupted);
  Connection late(loop.get_executor(), nullptr);
  late.stop_grace = true;
  late.grace_from = std::chrono::steady_clock::now();
  late.expires_after(1h);
  watch.watch(late);
  loop.run_for(300ms);  // past the first grace, within its own
  EXPECT_FALSE(late.interrupted);
  loop.run_for(600ms);
  EXPECT_TRUE(late.interrupted);
  watch.unwatch(cut);
  watch.unwatch(late);
}

TEST(DeadlineWatchStop, WithoutAStopFlagOnlyDeadlinesCount) {
  asio::io_context loop;
  DeadlineWatch watch(loop.get_executor(), 10ms);
  Connection conn(loop.get_executor(), nullptr);
  conn.expires_after(20ms);
  watch.watch(conn);
  loop.run_for(100ms);
  EXPECT_TRUE(conn.timed_out);
  EXPECT_FALSE(conn.interrupted);
  watch.unwatch(conn);
}

Request get_request() {
  Request request;
  request.host = "127.0.0.1";
  request.target = "/bucket/key";
  request.action = "GetObject s3://bucket/key";
  return request;
}

// Long deadlines: only the stop can end the exchange in time.
Timeouts long_timeouts() {
  Timeouts timeouts;
  timeouts.first_byte = timeouts.idle_read = timeouts.write = 60s;
  return timeouts;
}

// Runs pool.send(request) until it completes (at most 10 s), with `stop`
// set `stop_after` from now.
std::optional<Result<Response>> send_and_stop(asio::io_context& loop, ConnectionPool& pool,
                                              const Request& request, std::atomic<bool>& stop,
                                              std::chrono::milliseconds stop_after) {
  std::optional<Result<Response>> got;
  asio::steady_timer ctrl_c(loop, stop_after);
  ctrl_c.async_wait([&stop](boost::system::error_code ec) {
    if (!ec) stop = true;
  });
  asio::co_spawn(
      loop,
      [&]() -> asio::awaitable<void> {
        got = co_await pool.send(request);
        loop.stop();  // the peer's accept may still wait: done all the same
      },
      asio::detached);
  loop.restart();
  loop.run_for(10s);
  return got;
}

TEST(ConnectionPoolStop, CutsOffAnExchangeWaitingForAStalledReply) {
  asio::io_context loop;
  LoopbackPeer peer(loop, LoopbackPeer::Mode::stall);
  Counters counters;
  std::atomic<bool> stop{false};
  ConnectionPool pool(loop.get_executor(), peer.endpoint(), nullptr, long_timeouts(), counters,
                      &stop);
  auto got = send_and_stop(loop, pool, get_request(), stop, 200ms);

  ASSERT_TRUE(got.has_value()) << "still waiting for the reply after 10 s";
  ASSERT_FALSE(got->has_value());
  EXPECT_EQ(got->error().kind, ErrorKind::cancelled);
  EXPECT_FALSE(got->error().retryable);
  EXPECT_EQ(got->error().message, "GetObject s3://bucket/key failed: interrupted");
  // (Done within send_and_stop's 10 s, far below the 60 s timeouts that
  // would have ended it otherwise: the stop did. Not timed closer: shared
  // machines are slow at times.)
  EXPECT_EQ(pool.idle_count(), 0u);
}

TEST(ConnectionPoolStop, SendsNothingButCleanupOnceStopping) {
  asio::io_context loop;
  LoopbackPeer peer(loop, LoopbackPeer::Mode::answer);
  Counters counters;
  std::atomic<bool> stop{true};
  ConnectionPool pool(loop.get_executor(), peer.endpoint(), nullptr, long_timeouts(), counters,
                      &stop);

  auto refused = send_and_stop(loop, pool, get_request(), stop, 0ms);
  ASSERT_TRUE(refused.has_value());
  ASSERT_FALSE(refused->has_value());
  EXPECT_EQ(refused->error().kind, ErrorKind::cancelled);
  EXPECT_EQ(counters.connections.load(), 0u);  // not even connected

  Request abort = get_request();
  abort.method = "DELETE";
  abort.on_stop = OnStop::cleanup;
  auto cleaned = send_and_stop(loop, pool, abort, stop, 0ms);
  ASSERT_TRUE(cleaned.has_value());
  ASSERT_TRUE(cleaned->has_value()) << cleaned->error().message;
  EXPECT_EQ((*cleaned)->status, 204u);
}

}  // namespace
}  // namespace s3loop::net
