// An idle TLS connection the server has closed is found closed before a
// request is sent on it, whatever TLS version: TLS 1.3 sends close_notify
// encrypted, in a record the socket shows as application data -- as it shows
// a session ticket, which leaves the connection open. Data the server sends
// unasked to an idle connection makes it unusable too. Over a socketpair to
// an OpenSSL server on its own thread, through Connection::closed_by_peer,
// the check the pool makes before reusing a connection.
#include "net/connection.hpp"
#include "s3loop/net/tls.hpp"
#include "self_signed_server.hpp"

#include <openssl/ssl.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>

namespace s3loop::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// What the server does to the idle connection after its one reply.
enum class ServerThen { keep_open, send_ticket, close_notify, close_without_notify, send_data };

struct Case {
  int tls_version;
  ServerThen then;
  bool closed;  // what closed_by_peer should say
};

class TlsIdleClose : public ::testing::TestWithParam<Case> {};

TEST_P(TlsIdleClose, ClosedByPeerSeesWhatTheServerDid) {
  const Case c = GetParam();
  int fds[2] = {-1, -1};
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  auto server_ctx = test_support::self_signed_server_context();
  ASSERT_TRUE(server_ctx);
  SSL_CTX_set_min_proto_version(server_ctx.get(), c.tls_version);
  SSL_CTX_set_max_proto_version(server_ctx.get(), c.tls_version);

  // The server: handshake (TLS 1.3 session tickets follow it), read the
  // request, answer, then -- when told -- act on the idle connection.
  std::promise<void> act;
  std::promise<void> acted;
  bool told = false;
  auto tell = [&] {
    if (!told) act.set_value();
    told = true;
  };
  std::thread server([&, fd = fds[1], go = act.get_future()]() mutable {
    SSL* ssl = SSL_new(server_ctx.get());
    SSL_set_fd(ssl, fd);
    char request[64] = {};
    if (SSL_accept(ssl) == 1 && SSL_read(ssl, request, sizeof request) > 0 &&
        SSL_write(ssl, "pong", 4) == 4) {
      go.wait();
      switch (c.then) {
        case ServerThen::keep_open:
          break;
        case ServerThen::send_ticket:  // a TLS 1.3 server may send one at any time
          SSL_new_session_ticket(ssl);
          SSL_do_handshake(ssl);
          break;
        case ServerThen::close_notify:
          SSL_shutdown(ssl);
          ::shutdown(fd, SHUT_WR);
          break;
        case ServerThen::close_without_notify:
          ::shutdown(fd, SHUT_WR);
          break;
        case ServerThen::send_data:
          SSL_write(ssl, "stray", 5);
          break;
      }
      acted.set_value();
    } else {
      go.wait();
      acted.set_value();
    }
    SSL_free(ssl);
  });
  struct Join {
    std::thread& thread;
    std::function<void()> release;
    int fd;
    ~Join() {
      release();
      thread.join();
      ::close(fd);
    }
  } join{server, tell, fds[1]};

  TlsOptions options;
  options.verify_peer = false;
  auto tls = TlsContext::create(options);
  ASSERT_TRUE(tls) << tls.error().message;
  asio::io_context loop;
  Connection conn(loop.get_executor(), tls->get());
  conn.tcp().socket().assign(asio::ip::tcp::v4(), fds[0]);
  ASSERT_FALSE(conn.tls()->attach());
  boost::system::error_code handshake_ec = asio::error::would_block;
  conn.tls()->async_handshake([&](boost::system::error_code ec) { handshake_ec = ec; });
  loop.run_for(5s);
  ASSERT_FALSE(handshake_ec) << handshake_ec.message();
  ASSERT_EQ(SSL_version(conn.tls()->native_handle()), c.tls_version);

  std::size_t sent = 0;
  conn.tls()->async_write_some(asio::buffer(std::string_view("ping")),
                               [&](boost::system::error_code, std::size_t n) { sent = n; });
  loop.restart();
  loop.run_for(5s);
  ASSERT_EQ(sent, 4u);
  char reply[16] = {};
  std::size_t got = 0;
  conn.tls()->async_read_some(asio::buffer(reply),
                              [&](boost::system::error_code, std::size_t n) { got = n; });
  loop.restart();
  loop.run_for(5s);
  ASSERT_EQ(std::string(reply, got), "pong");

  tell();
  ASSERT_EQ(acted.get_future().wait_for(5s), std::future_status::ready);
  std::this_thread::sleep_for(50ms);  // for what the server sent to cross the socketpair

  if (c.then == ServerThen::send_ticket || c.then == ServerThen::close_notify ||
      c.then == ServerThen::send_data) {
    char first = 0;  // a record is there for the check to read
    ASSERT_EQ(::recv(fds[0], &first, 1, MSG_PEEK | MSG_DONTWAIT), 1);
  }
  const auto now = std::chrono::steady_clock::now();
  conn.idle_since = now - Connection::kFreshIdle - 1s;  // long enough idle to be asked
  EXPECT_EQ(conn.closed_by_peer(now), c.closed);
}

std::string case_name(const ::testing::TestParamInfo<Case>& param) {
  static constexpr const char* kThen[] = {"KeepsItOpen", "SendsATicket", "SendsCloseNotify",
                                          "ClosesWithoutNotify", "SendsData"};
  return std::string(param.param.tls_version == TLS1_3_VERSION ? "Tls13" : "Tls12") +
         kThen[static_cast<int>(param.param.then)];
}

INSTANTIATE_TEST_SUITE_P(Versions, TlsIdleClose,
                         ::testing::Values(Case{TLS1_3_VERSION, ServerThen::keep_open, false},
                                           Case{TLS1_3_VERSION, ServerThen::send_ticket, false},
                                           Case{TLS1_3_VERSION, ServerThen::close_notify, true},
                                           Case{TLS1_3_VERSION, ServerThen::close_without_notify,
                                                true},
                                           Case{TLS1_3_VERSION, ServerThen::send_data, true},
                                           Case{TLS1_2_VERSION, ServerThen::keep_open, false},
                                           Case{TLS1_2_VERSION, ServerThen::close_notify, true},
                                           Case{TLS1_2_VERSION, ServerThen::send_data, true}),
                         case_name);

}  // namespace
}  // namespace s3loop::net
