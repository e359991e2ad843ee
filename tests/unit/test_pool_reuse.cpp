// Reusing pooled keep-alive connections that the server has closed: one back
// in the pool only briefly is used without asking the socket (a peek is one
// syscall per request) and, when the close was there after all, the request
// is resent once on a fresh connection; one idle for longer is checked first
// and never sent on. Over loopback TCP to a peer in the same event loop that
// answers one request per connection and then closes it.
#include "loopback_peer.hpp"
#include "net/connection.hpp"
#include "s3loop/net/connection_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>

namespace s3loop::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::LoopbackPeer;

Request head_request() {
  Request request;
  request.method = "HEAD";
  request.host = "127.0.0.1";
  request.target = "/bucket/key";
  request.action = "HeadObject s3://bucket/key";
  return request;
}

// Two requests, the second `pause` after the first completed; `between`
// runs as the first completes.
void send_twice(
    asio::io_context& loop, ConnectionPool& pool, std::chrono::milliseconds pause,
    std::optional<Result<Response>>& first, std::optional<Result<Response>>& second,
    const std::function<void()>& between = [] {}) {
  asio::co_spawn(
      loop,
      [&]() -> asio::awaitable<void> {
        first = co_await pool.send(head_request());
        between();
        asio::steady_timer wait(loop, pause);
        co_await wait.async_wait(asio::use_awaitable);
        second = co_await pool.send(head_request());
        loop.stop();
      },
      asio::detached);
  loop.run_for(10s);
}

// A reply followed by bytes nobody asked for -- here a whole second reply,
// sent with the first -- leaves its connection out of the pool: reused, the
// next request would take the stray reply for its own (RFC 9112 6.3). Over
// plain HTTP the stray bytes wait in the socket (a Content-Length body is
// read to its end and no further); over TLS they would be in OpenSSL's
// read-ahead, which the same check asks.
TEST(ConnectionPoolReuse, AConnectionWithBytesAfterItsReplyIsNotReused) {
  asio::io_context loop;
  LoopbackPeer peer(loop, LoopbackPeer::Mode::answer_and_stray_reply);
  Counters counters;
  ConnectionPool pool(loop.get_executor(), peer.endpoint(), nullptr, Timeouts{}, counters);
  Request get = head_request();
  get.method = "GET";
  get.action = "GetObject s3://bucket/key";
  std::optional<Result<Response>> first, second;
  asio::co_spawn(
      loop,
      [&]() -> asio::awaitable<void> {
        first = co_await pool.send(get);
        // Until the stray reply is all here (sent in the same write).
        asio::steady_timer wait(loop, 100ms);
        co_await wait.async_wait(asio::use_awaitable);
        second = co_await pool.send(get);
        loop.stop();
      },
      asio::detached);
  loop.run_for(10s);
  for (auto* reply : {&first, &second}) {
    ASSERT_TRUE(*reply);
    ASSERT_TRUE(**reply) << (*reply)->error().message;
    EXPECT_EQ((**reply)->status, 200);
    EXPECT_EQ((**reply)->body.size(), LoopbackPeer::kBigBody);  // not the stray reply's
  }
  EXPECT_EQ(counters.connections.load(), 2u);
  EXPECT_EQ(peer.received(), 2);
}

// An https:// endpoint with no TLS context (a ClientShared built by hand):
// an error, and nothing sent -- not signed requests in clear text.
TEST(ConnectionPoolTls, AnHttpsEndpointWithoutATlsContextSendsNothing) {
  asio::io_context loop;
  LoopbackPeer peer(loop, LoopbackPeer::Mode::answer_and_close);
  Counters counters;
  Endpoint https = peer.endpoint();
  https.tls = true;
  ConnectionPool pool(loop.get_executor(), https, nullptr, Timeouts{}, counters);
  std::optional<Result<Response>> reply;
  asio::co_spawn(
      loop,
      [&]() -> asio::awaitable<void> {
        reply = co_await pool.send(head_request());
        loop.stop();
      },
      asio::detached);
  loop.run_for(10s);
  ASSERT_TRUE(reply);
  ASSERT_FALSE(*reply);
  EXPECT_EQ(reply->error().kind, ErrorKind::tls);
  EXPECT_NE(reply->error().message.find("no TLS context"), std::string::npos)
      << reply->error().message;
  EXPECT_EQ(peer.answered(), 0);
  EXPECT_EQ(counters.connections.load(), 0u);
}

TEST(ConnectionPoolReuse, ABrieflyIdleConnectionIsUsedAndAFailedSendGoesOutAgainOnAFreshOne) {
  asio::io_context loop;
  LoopbackPeer peer(loop, LoopbackPeer::Mode::answer_and_close);
  Counters counters;
  ConnectionPool pool(loop.get_executor(), peer.endpoint(), nullptr, Timeouts{}, counters);
  std::optional<Result<Response>> first, second;
  // Long enough for the peer's close to arrive, well inside the fresh window.
  send_twice(loop, pool, 50ms, first, second);
  static_assert(Connection::kFreshIdle > 500ms);

  ASSERT_TRUE(first && *first) << (first ? first->error().message : "no reply");
  ASSERT_TRUE(second && *second) << (second ? second->error().message : "no reply");
  EXPECT_EQ((*second)->status, 204u);
  EXPECT_EQ(peer.answered(), 2);
  EXPECT_EQ(counters.connections.load(), 2u);
  EXPECT_EQ(counters.stale_reconnects.load(), 1u);
  EXPECT_EQ(counters.requests.load(), 3u);  // the one on the closed connection, and its resend
  // The first send went out whole and got no reply: the caller is told (a
  // CreateMultipartUpload may have opened an upload then too).
  EXPECT_FALSE((*first)->resent_unanswered);
  EXPECT_TRUE((*second)->resent_unanswered);
}

// The request sent on the connection the server had closed went out whole:
// had the server read it before closing, it may have been carried out. When
// its resend fails too (here: no new connection is accepted), the error says
// that an attempt went unanswered, so that a failed copy can say it may be
// there all the same.
TEST(ConnectionPoolReuse, AFailedResendSaysTheFirstSendWentUnanswered) {
  asio::io_context loop;
  LoopbackPeer peer(loop, LoopbackPeer::Mode::answer_and_close);
  Counters counters;
  ConnectionPool pool(loop.get_executor(), peer.endpoint(), nullptr, Timeouts{}, counters);
  std::optional<Result<Response>> first, second;
  // 50 ms: for the peer's close to arrive.
  send_twice(loop, pool, 50ms, first, second, [&] { peer.stop_accepting(); });

  ASSERT_TRUE(first && *first) << (first ? first->error().message : "no reply");
  ASSERT_TRUE(second);
  ASSERT_FALSE(*second);
  EXPECT_EQ(counters.stale_reconnects.load(), 1u);  // it was resent
  EXPECT_TRUE(second->error().sent_unanswered) << second->error().message;
}

TEST(ConnectionPoolReuse, ALongerIdleConnectionIsCheckedAndNeverSentOn) {
  asio::io_context loop;
  LoopbackPeer peer(loop, LoopbackPeer::Mode::answer_and_close);
  Counters counters;
  ConnectionPool pool(loop.get_executor(), peer.endpoint(), nullptr, Timeouts{}, counters);
  std::optional<Result<Response>> first, second;
  send_twice(loop, pool,
             std::chrono::duration_cast<std::chrono::milliseconds>(Connection::kFreshIdle) + 100ms,
             first, second);

  ASSERT_TRUE(first && *first) << (first ? first->error().message : "no reply");
  ASSERT_TRUE(second && *second) << (second ? second->error().message : "no reply");
  EXPECT_EQ(peer.answered(), 2);
  EXPECT_EQ(counters.connections.load(), 2u);
  EXPECT_EQ(counters.stale_reconnects.load(), 1u);
  EXPECT_EQ(counters.requests.load(), 2u);  // the closed one was found before sending
}

}  // namespace
}  // namespace s3loop::net
