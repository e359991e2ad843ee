// A plain-HTTP server on loopback for the connection pool's tests, served by
// the test's own event loop: it accepts any number of connections and reads
// one request head on each, then (by its mode) never answers -- a stalled
// server --, answers 204 and keeps the connection open, answers 204 and
// closes it, as a server closing idle keep-alive connections does, or
// answers 200 with a body of kBigBody bytes followed, in the same write, by a
// second reply nobody asked for (kStrayBody), as a broken server or
// middlebox might, and keeps the connection open.
#pragma once

#include "s3loop/net/endpoint.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <list>
#include <string>
#include <string_view>

namespace s3loop::net::test_support {

class LoopbackPeer {
 public:
  enum class Mode { stall, answer, answer_and_close, answer_and_stray_reply };
  static constexpr std::size_t kBigBody = 1 << 20;
  static constexpr std::string_view kStrayBody = "stray";

  LoopbackPeer(boost::asio::io_context& loop, Mode mode)
      : acceptor_(loop, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0)),
        mode_(mode) {
    boost::asio::co_spawn(loop, accept_loop(), boost::asio::detached);
  }

  Endpoint endpoint() const {
    Endpoint endpoint;
    endpoint.tls = false;
    endpoint.host = "127.0.0.1";
    endpoint.port = acceptor_.local_endpoint().port();
    return endpoint;
  }

  int answered() const { return answered_; }
  // Request heads read, answered or not (from the peer's loop: read it there
  // or once that loop is idle).
  int received() const { return received_.load(); }
  // New connections are refused from now on; open ones stay as they are.
  void stop_accepting() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  using tcp = boost::asio::ip::tcp;

  boost::asio::awaitable<void> accept_loop() {
    constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
      if (ec) co_return;
      // Kept here, open, for as long as the peer lives (a stalled server
      // does not close either).
      sockets_.push_back(std::move(socket));
      boost::asio::co_spawn(acceptor_.get_executor(), serve(sockets_.back()),
                            boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(tcp::socket& socket) {
    constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);
    boost::asio::streambuf request;
    auto [read_ec, n] =
        co_await boost::asio::async_read_until(socket, request, "\r\n\r\n", nothrow);
    if (read_ec) co_return;
    ++received_;
    if (mode_ == Mode::stall) co_return;
    static constexpr std::string_view kReply = "HTTP/1.1 204 No Content\r\n\r\n";
    std::string reply(kReply);
    if (mode_ == Mode::answer_and_stray_reply) {
      reply = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kBigBody) + "\r\n\r\n" +
              std::string(kBigBody, 'b') +
              "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kStrayBody.size()) +
              "\r\n\r\n" + std::string(kStrayBody);
    }
    auto [write_ec, written] =
        co_await boost::asio::async_write(socket, boost::asio::buffer(reply), nothrow);
    if (!write_ec) ++answered_;
    if (mode_ == Mode::answer_and_close) {
      boost::system::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    }
  }

  tcp::acceptor acceptor_;
  Mode mode_;
  std::list<tcp::socket> sockets_;  // stable addresses for the serving coroutines
  int answered_ = 0;
  std::atomic<int> received_{0};
};

}  // namespace s3loop::net::test_support
