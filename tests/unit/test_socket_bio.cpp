// The socket BIO OpenSSL reads and writes through, on a local socketpair.
#include "net/socket_bio.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace s3loop::net {
namespace {

class SocketBio : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0);
    ASSERT_EQ(::fcntl(fds_[0], F_SETFL, ::fcntl(fds_[0], F_GETFL) | O_NONBLOCK), 0);
    bio_ = new_socket_bio(fds_[0]);
    ASSERT_NE(bio_, nullptr);
  }
  void TearDown() override {
    BIO_free(bio_);
    ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  void close_peer() {
    ::close(fds_[1]);
    fds_[1] = -1;
  }

  int fds_[2] = {-1, -1};
  BIO* bio_ = nullptr;
};

TEST_F(SocketBio, BytesGoBothWays) {
  ASSERT_EQ(BIO_write(bio_, "hello", 5), 5);
  char got[16] = {};
  ASSERT_EQ(::read(fds_[1], got, sizeof got), 5);
  EXPECT_EQ(std::string(got, 5), "hello");

  ASSERT_EQ(::write(fds_[1], "world!", 6), 6);
  char back[16] = {};
  ASSERT_EQ(BIO_read(bio_, back, sizeof back), 6);
  EXPECT_EQ(std::string(back, 6), "world!");
  EXPECT_EQ(BIO_eof(bio_), 0);
}

// A read that got less than it asked for emptied the socket: the next one
// asks for a retry without a recv (which would only say EAGAIN) until a wait
// has found the socket readable.
TEST_F(SocketBio, AfterAShortReadTheNextWaitsForReadiness) {
  ASSERT_EQ(::write(fds_[1], "abc", 3), 3);
  char buf[16] = {};
  ASSERT_EQ(BIO_read(bio_, buf, sizeof buf), 3);

  ASSERT_EQ(::write(fds_[1], "defg", 4), 4);
  EXPECT_EQ(BIO_read(bio_, buf, sizeof buf), -1);
  EXPECT_TRUE(BIO_should_retry(bio_));
  EXPECT_TRUE(BIO_should_read(bio_));
  char peek[8] = {};
  EXPECT_EQ(::recv(fds_[0], peek, sizeof peek, MSG_PEEK), 4);  // still in the socket

  socket_bio_readable(bio_);
  ASSERT_EQ(BIO_read(bio_, buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "defg");
}

TEST_F(SocketBio, AfterAFullReadTheNextAsksTheSocket) {
  ASSERT_EQ(::write(fds_[1], "12345678", 8), 8);
  char buf[8] = {};
  ASSERT_EQ(BIO_read(bio_, buf, sizeof buf), 8);
  ASSERT_EQ(::write(fds_[1], "9", 1), 1);
  ASSERT_EQ(BIO_read(bio_, buf, sizeof buf), 1);
  EXPECT_EQ(buf[0], '9');
}

TEST_F(SocketBio, NothingToReadAsksForARetryNotAnEnd) {
  char buf[8];
  EXPECT_EQ(BIO_read(bio_, buf, sizeof buf), -1);
  EXPECT_TRUE(BIO_should_retry(bio_));
  EXPECT_TRUE(BIO_should_read(bio_));
  EXPECT_EQ(BIO_eof(bio_), 0);
}

TEST_F(SocketBio, AFullSocketAsksForAWriteRetry) {
  const std::string block(64 * 1024, 'x');
  int written = 0;
  for (int i = 0; i < 1000 && (written = BIO_write(bio_, block.data(), 64 * 1024)) > 0; ++i) {
  }
  EXPECT_EQ(written, -1);
  EXPECT_TRUE(BIO_should_retry(bio_));
  EXPECT_TRUE(BIO_should_write(bio_));
}

TEST_F(SocketBio, ThePeerClosingIsAnEndOfFile) {
  close_peer();
  char buf[8];
  EXPECT_EQ(BIO_read(bio_, buf, sizeof buf), 0);
  EXPECT_FALSE(BIO_should_retry(bio_));
  EXPECT_EQ(BIO_eof(bio_), 1);  // what OpenSSL checks to report an unexpected EOF
}

// OpenSSL's own socket BIO writes with write(2): this would raise SIGPIPE
// and end the whole test process. Here it is an error the caller sees.
TEST_F(SocketBio, WritingToAClosedPeerIsAnErrorNotASignal) {
  close_peer();
  EXPECT_EQ(BIO_write(bio_, "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
  EXPECT_FALSE(BIO_should_retry(bio_));
  EXPECT_EQ(BIO_write(bio_, "y", 1), -1);  // and again: still no signal
}

}  // namespace
}  // namespace s3loop::net
