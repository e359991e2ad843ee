// Reusing pooled keep-alive connections that the server has closed: one back
// in the pool only briefly is used without asking the socket (a peek is one
// syscall per request) and, when the close was there after all, the request
// is resent once on a fresh connection; one idle for longer is checked first
// and never sent on. Over loopback TCP to a peer in the same event loop that
// answers one request per connection and then closes it.
#include "net/connection.hpp"
#include "s3loop/net/connection_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>

namespace s3loop::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Answers "204, keep-alive" to the first request on each connection, then
// closes it, as a server does with idle connections.
class OneReplyPeer {
 public:
  explicit OneReplyPeer(asio::io_context& loop)
      : acceptor_(loop, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    asio::co_spawn(loop, accept_loop(), asio::detached);
  }
  Endpoint endpoint() const {
    Endpoint endpoint;
    endpoint.tls = false;
    endpoint.host = "127.0.0.1";
    endpoint.port = acceptor_.local_endpoint().port();
    return endpoint;
  }
  int answered = 0;

 private:
  asio::awaitable<void> accept_loop() {
    constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
      if (ec) co_return;
      asio::co_spawn(acceptor_.get_executor(), answer_once(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> answer_once(tcp::socket socket) {
    constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
    asio::streambuf request;
    auto [read_ec, n] = co_await asio::async_read_until(socket, request, "\r\n\r\n", nothrow);
    if (read_ec) co_return;
    static constexpr std::string_view kReply = "HTTP/1.1 204 No Content\r\n\r\n";
    auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(kReply), nothrow);
    if (!write_ec) ++answered;
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  tcp::acceptor acceptor_;
};

Request head_request() {
  Request request;
  request.method = "HEAD";
  request.host = "127.0.0.1";
  request.target = "/bucket/key";
  request.action = "HeadObject s3://bucket/key";
  return request;
}

// Two requests, the second `pause` after the first completed.
void send_twice(asio::io_context& loop, ConnectionPool& pool, std::chrono::milliseconds pause,
                std::optional<Result<Response>>& first, std::optional<Result<Response>>& second) {
  asio::co_spawn(
      loop,
      [&]() -> asio::awaitable<void> {
        first = co_await pool.send(head_request());
        asio::steady_timer wait(loop, pause);
        co_await wait.async_wait(asio::use_awaitable);
        second = co_await pool.send(head_request());
        loop.stop();
      },
      asio::detached);
  loop.run_for(10s);
}

TEST(ConnectionPoolReuse, ABrieflyIdleConnectionIsUsedAndAFailedSendGoesOutAgainOnAFreshOne) {
  asio::io_context loop;
  OneReplyPeer peer(loop);
  Counters counters;
  ConnectionPool pool(loop.get_executor(), peer.endpoint(), nullptr, Timeouts{}, counters);
  std::optional<Result<Response>> first, second;
  // Long enough for the peer's close to arrive, well inside the fresh window.
  send_twice(loop, pool, 50ms, first, second);
  static_assert(Connection::kFreshIdle > 500ms);

  ASSERT_TRUE(first && *first) << (first ? first->error().message : "no reply");
  ASSERT_TRUE(second && *second) << (second ? second->error().message : "no reply");
  EXPECT_EQ((*second)->status, 204u);
  EXPECT_EQ(peer.answered, 2);
  EXPECT_EQ(counters.connections.load(), 2u);
  EXPECT_EQ(counters.stale_reconnects.load(), 1u);
  EXPECT_EQ(counters.requests.load(), 3u);  // the one on the closed connection, and its resend
}

TEST(ConnectionPoolReuse, ALongerIdleConnectionIsCheckedAndNeverSentOn) {
  asio::io_context loop;
  OneReplyPeer peer(loop);
  Counters counters;
  ConnectionPool pool(loop.get_executor(), peer.endpoint(), nullptr, Timeouts{}, counters);
  std::optional<Result<Response>> first, second;
  send_twice(loop, pool,
             std::chrono::duration_cast<std::chrono::milliseconds>(Connection::kFreshIdle) + 100ms,
             first, second);

  ASSERT_TRUE(first && *first) << (first ? first->error().message : "no reply");
  ASSERT_TRUE(second && *second) << (second ? second->error().message : "no reply");
  EXPECT_EQ(peer.answered, 2);
  EXPECT_EQ(counters.connections.load(), 2u);
  EXPECT_EQ(counters.stale_reconnects.load(), 1u);
  EXPECT_EQ(counters.requests.load(), 2u);  // the closed one was found before sending
}

}  // namespace
}  // namespace s3loop::net
