#include "socket_bio.hpp"

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <climits>
#include <new>

namespace s3loop::net {

namespace {

struct SocketState {
  int fd = -1;
  bool eof = false;
  // The last recv returned less than it asked for: the socket had nothing
  // more at that moment. Until a wait says it is readable again, the next
  // recv would almost always be an EAGAIN, one syscall per reply piece.
  // Nothing that arrives meanwhile is missed: the wait asks the socket's
  // state anew when it starts (Asio's epoll reactor re-arms the descriptor
  // with EPOLL_CTL_MOD for every wait, which reports a socket that is
  // already readable; an io_uring poll does the same), not only for bytes
  // arriving after it.
  bool drained = false;
};

bool is_retry_errno(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == EINPROGRESS;
}

int clamp_length(int length) {
  return length < 0 ? 0 : length;
}

extern "C" int socket_bio_write(BIO* bio, const char* data, int length) {
  auto* state = static_cast<SocketState*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  const ssize_t sent =
      ::send(state->fd, data, static_cast<size_t>(clamp_length(length)), MSG_NOSIGNAL);
  if (sent < 0 && is_retry_errno(errno)) BIO_set_retry_write(bio);
  return static_cast<int>(sent);
}

extern "C" int socket_bio_read(BIO* bio, char* data, int length) {
  auto* state = static_cast<SocketState*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (state->drained && length > 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  const ssize_t got = ::recv(state->fd, data, static_cast<size_t>(clamp_length(length)), 0);
  if (got < 0 && is_retry_errno(errno)) BIO_set_retry_read(bio);
  if (got == 0 && length > 0) state->eof = true;
  if (got > 0 && got < length) state->drained = true;
  return static_cast<int>(got);
}

extern "C" int socket_bio_puts(BIO* bio, const char* text) {
  int length = 0;
  while (text[length] != '\0' && length < INT_MAX) ++length;
  return socket_bio_write(bio, text, length);
}

extern "C" long socket_bio_ctrl(BIO* bio, int command, long, void*) {
  auto* state = static_cast<SocketState*>(BIO_get_data(bio));
  switch (command) {
    case BIO_CTRL_EOF:
      return state->eof ? 1 : 0;
    case BIO_CTRL_FLUSH:  // nothing is buffered here
      return 1;
    default:  // no push/pop, no kTLS, no datagram controls
      return 0;
  }
}

extern "C" int socket_bio_create(BIO* bio) {
  BIO_set_data(bio, new (std::nothrow) SocketState);
  BIO_set_init(bio, 1);
  return BIO_get_data(bio) != nullptr ? 1 : 0;
}

extern "C" int socket_bio_destroy(BIO* bio) {
  delete static_cast<SocketState*>(BIO_get_data(bio));
  BIO_set_data(bio, nullptr);
  return 1;
}

int socket_bio_type() {
  static const int type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
  return type;
}

BIO_METHOD* socket_bio_method() {
  // Built once, never freed: OpenSSL keeps no per-process state to release.
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(socket_bio_type(), "s3loop socket");
    if (m == nullptr) return m;
    BIO_meth_set_write(m, socket_bio_write);
    BIO_meth_set_read(m, socket_bio_read);
    BIO_meth_set_puts(m, socket_bio_puts);
    BIO_meth_set_ctrl(m, socket_bio_ctrl);
    BIO_meth_set_create(m, socket_bio_create);
    BIO_meth_set_destroy(m, socket_bio_destroy);
    return m;
  }();
  return method;
}

}  // namespace

BIO* new_socket_bio(int fd) {
  BIO_METHOD* method = socket_bio_method();
  if (method == nullptr) return nullptr;
  BIO* bio = BIO_new(method);
  if (bio == nullptr) return nullptr;
  static_cast<SocketState*>(BIO_get_data(bio))->fd = fd;
  return bio;
}

void socket_bio_readable(BIO* bio) {
  if (bio == nullptr || BIO_method_type(bio) != socket_bio_type()) return;
  static_cast<SocketState*>(BIO_get_data(bio))->drained = false;
}

}  // namespace s3loop::net
