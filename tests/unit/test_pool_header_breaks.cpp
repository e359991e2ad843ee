// A request whose headers hold a line break or NUL is not sent: written as
// it is, the rest of the value would reach the server as headers of its own.
// Such a value comes from a broken server's reply (an ETag in a listing
// copied into x-amz-copy-source-if-match), not from s3loop.
#include "loopback_peer.hpp"
#include "s3loop/net/connection_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace s3loop::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::LoopbackPeer;

Request copy_request() {
  Request request;
  request.method = "PUT";
  request.host = "127.0.0.1";
  request.target = "/dst/key";
  request.action = "CopyObject s3://src/key -> s3://dst/key";
  return request;
}

std::optional<Result<Response>> send(const Request& request, LoopbackPeer::Mode mode,
                                     int& received) {
  asio::io_context loop;
  LoopbackPeer peer(loop, mode);
  Counters counters;
  ConnectionPool pool(loop.get_executor(), peer.endpoint(), nullptr, Timeouts{}, counters);
  std::optional<Result<Response>> reply;
  asio::co_spawn(
      loop,
      [&]() -> asio::awaitable<void> {
        reply = co_await pool.send(request);
        loop.stop();
      },
      asio::detached);
  loop.run_for(10s);
  loop.restart();
  loop.run_for(50ms);  // for a request that did go out to be read
  received = peer.received();
  return reply;
}

TEST(ConnectionPoolHeaders, AValueWithALineBreakIsNotSent) {
  const std::string values[] = {"\"abc\r\nX-Evil: yes\r\n\"", "\"abc\n\"", std::string("a\0b", 3)};
  for (const std::string& value : values) {
    Request request = copy_request();
    request.headers.emplace_back("x-amz-copy-source-if-match", value);
    int received = -1;
    auto reply = send(request, LoopbackPeer::Mode::answer, received);
    ASSERT_TRUE(reply);
    ASSERT_FALSE(*reply);
    EXPECT_EQ(reply->error().kind, ErrorKind::protocol);
    EXPECT_EQ(reply->error().message,
              "CopyObject s3://src/key -> s3://dst/key failed: the x-amz-copy-source-if-match "
              "header holds a line break or NUL byte: not sent");
    EXPECT_FALSE(reply->error().retryable);
    EXPECT_EQ(received, 0);
  }
}

TEST(ConnectionPoolHeaders, ABreakInTheHostOrTheTargetIsNotSentEither) {
  Request bad_host = copy_request();
  bad_host.host = "127.0.0.1\r\nX-Evil: yes";
  Request bad_target = copy_request();
  bad_target.target = "/dst/key HTTP/1.1\r\nX-Evil: yes\r\n\r\nGET /";
  for (const auto& [request, what] :
       {std::pair{bad_host, "the Host header"}, std::pair{bad_target, "the request line"}}) {
    int received = -1;
    auto reply = send(request, LoopbackPeer::Mode::answer, received);
    ASSERT_TRUE(reply && !*reply);
    EXPECT_NE(reply->error().message.find(what), std::string::npos) << reply->error().message;
    EXPECT_EQ(received, 0);
  }
}

TEST(ConnectionPoolHeaders, OrdinaryValuesGoOut) {
  Request request = copy_request();
  request.headers.emplace_back("x-amz-copy-source-if-match", "\"0123abcd\"");
  int received = -1;
  auto reply = send(request, LoopbackPeer::Mode::answer, received);
  ASSERT_TRUE(reply && *reply) << (reply ? reply->error().message : "no reply");
  EXPECT_EQ(received, 1);
}

}  // namespace
}  // namespace s3loop::net
