// A TLS connection waiting for its reply holds no OpenSSL record buffer,
// even when all it has read since its last reply is handshake messages (the
// TLS 1.3 session tickets a server sends after the handshake). Over a
// socketpair to an OpenSSL server on its own thread; the heap in use is read
// from glibc (under the sanitizers' allocator it does not move, and the test
// proves nothing there).
#include "net/tls_stream.hpp"
#include "self_signed_server.hpp"

#include <openssl/ssl.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

namespace s3loop::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using test_support::ContextPtr;

std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

TEST(TlsStreamBuffers, AConnectionWaitingForItsReplyHoldsNoRecordBuffer) {
  int fds[2] = {-1, -1};
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  auto server_ctx = test_support::self_signed_server_context();
  ASSERT_TRUE(server_ctx);
  ContextPtr client_ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  ASSERT_TRUE(client_ctx);
  SSL_CTX_set_verify(client_ctx.get(), SSL_VERIFY_NONE, nullptr);

  // The server: handshake (its session tickets follow it at once), read the
  // request, answer when told.
  std::promise<void> answer;
  bool told = false;
  auto tell = [&] {
    if (!told) answer.set_value();
    told = true;
  };
  std::thread server([&, fd = fds[1], go = answer.get_future()]() mutable {
    SSL* ssl = SSL_new(server_ctx.get());
    SSL_set_fd(ssl, fd);
    char request[64] = {};
    if (SSL_accept(ssl) == 1 && SSL_read(ssl, request, sizeof request) > 0) {
      go.wait();
      SSL_write(ssl, "pong", 4);
    }
    SSL_free(ssl);
    ::close(fd);
  });
  // However the test ends, the server thread is let go and joined.
  struct Join {
    std::thread& thread;
    std::function<void()> release;
    ~Join() {
      release();
      thread.join();
    }
  } join{server, tell};

  asio::io_context loop;
  bool answered = false;
  {
    TlsStream stream(loop.get_executor(), client_ctx.get());
    stream.next_layer().socket().assign(asio::ip::tcp::v4(), fds[0]);
    ASSERT_FALSE(stream.attach());
    boost::system::error_code handshake_ec = asio::error::would_block;
    stream.async_handshake([&](boost::system::error_code ec) { handshake_ec = ec; });
    loop.run_for(5s);
    ASSERT_FALSE(handshake_ec) << handshake_ec.message();
    ASSERT_EQ(SSL_version(stream.native_handle()), TLS1_3_VERSION);
    loop.restart();
    std::size_t sent = 0;
    stream.async_write_some(asio::buffer(std::string_view("ping")),
                            [&](boost::system::error_code, std::size_t n) { sent = n; });
    loop.run_for(5s);
    ASSERT_EQ(sent, 4u);

    char reply[16] = {};
    std::size_t got = 0;
    stream.async_read_some(asio::buffer(reply), [&](boost::system::error_code ec, std::size_t n) {
      EXPECT_FALSE(ec) << ec.message();
      got = n;
      answered = true;
    });
    // Long enough for the session tickets to arrive and be read; the reply
    // has not been sent.
    loop.restart();
    loop.run_for(300ms);
    ASSERT_FALSE(answered);

    const std::size_t before = heap_in_use();
    EXPECT_EQ(SSL_free_buffers(stream.native_handle()), 1);
    const std::size_t freed = before - heap_in_use();
    EXPECT_EQ(freed, 0u) << "a connection waiting for its reply held " << freed
                         << " bytes of OpenSSL buffers";

    tell();
    loop.restart();
    loop.run_for(5s);
    ASSERT_TRUE(answered);
    EXPECT_EQ(std::string(reply, got), "pong");
  }
}

}  // namespace
}  // namespace s3loop::net
