#include "tls_stream.hpp"

#include "socket_bio.hpp"

#include <openssl/err.h>
#include <boost/asio/error.hpp>

#include <cerrno>
#include <new>

namespace s3loop::net {

namespace asio = boost::asio;

TlsStream::TlsStream(const executor_type& executor, SSL_CTX* context)
    : tcp_(executor), ssl_(SSL_new(context)) {
  if (ssl_ == nullptr) throw std::bad_alloc();
  // Partial writes and a moving buffer: Beast may resume a write from another
  // address (gather_ is rebuilt from the same bytes). Release buffers: no
  // record buffer is held while a connection has nothing pending.
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                         SSL_MODE_RELEASE_BUFFERS);
  // Read whatever the socket has (up to a record buffer) in one recv, not a
  // 5-byte header and then the record.
  SSL_set_read_ahead(ssl_, 1);
}

TlsStream::~TlsStream() {
  SSL_free(ssl_);
}

boost::system::error_code TlsStream::attach() {
  boost::system::error_code ec;
  auto& socket = tcp_.socket();
  socket.native_non_blocking(true, ec);  // OpenSSL's reads must not block the loop
  if (ec) return ec;
  BIO* bio = new_socket_bio(socket.native_handle());
  if (bio == nullptr) return asio::error::no_memory;
  SSL_set_bio(ssl_, bio, bio);  // one reference, owned by ssl_ from here
  SSL_set_connect_state(ssl_);
  return ec;
}

TlsStream::Step TlsStream::handshake_step() {
  ERR_clear_error();
  errno = 0;  // so that SSL_ERROR_SYSCALL reports this call's errno, not an old one
  return step_result(SSL_do_handshake(ssl_), 0);
}

TlsStream::Step TlsStream::read_step(void* data, std::size_t size) {
  if (size == 0) return {};
  ERR_clear_error();
  errno = 0;  // so that SSL_ERROR_SYSCALL reports this call's errno, not an old one
  std::size_t got = 0;
  const int ret = SSL_read_ex(ssl_, data, size, &got);
  return step_result(ret, got);
}

TlsStream::Step TlsStream::write_step(const void* data, std::size_t size) {
  if (size == 0) return {};
  ERR_clear_error();
  errno = 0;  // so that SSL_ERROR_SYSCALL reports this call's errno, not an old one
  std::size_t sent = 0;
  const int ret = SSL_write_ex(ssl_, data, size, &sent);
  if (ret > 0) awaiting_reply_ = true;
  return step_result(ret, sent);
}

TlsStream::IdleInput TlsStream::idle_input() {
  note_readable();  // ask the socket, whatever the last read found there
  ERR_clear_error();
  unsigned char first = 0;
  std::size_t got = 0;
  const int ret = SSL_peek_ex(ssl_, &first, 1, &got);
  const int error = ret > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_, ret);
  ERR_clear_error();  // an error here ends the connection, not the next request
  switch (error) {
    case SSL_ERROR_NONE:
      return IdleInput::data;
    case SSL_ERROR_WANT_READ:  // (a partial record stays in OpenSSL's buffer)
    case SSL_ERROR_WANT_WRITE:
      release_buffers();
      return IdleInput::nothing;
    default:  // close_notify, the end of the stream, a reset, a bad record
      return IdleInput::closed;
  }
}

void TlsStream::release_buffers() {
  // Refused (and harmless) while a partial record is buffered. Nothing
  // decrypted is left unread here: OpenSSL asks to wait only when it has no
  // data to return.
  SSL_free_buffers(ssl_);
}

void TlsStream::note_readable() {
  socket_bio_readable(SSL_get_rbio(ssl_));
}

// The outcome of one OpenSSL call, mapped as asio::ssl::stream maps it so
// that callers see the same error codes: a close_notify is eof, an end of
// the connection without one is stream_truncated, a socket error keeps its
// errno, anything else is an OpenSSL error in Asio's ssl category.
TlsStream::Step TlsStream::step_result(int ret, std::size_t bytes) {
  const int saved_errno = errno;
  if (ret > 0) return {Want::done, {}, bytes};
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
      return {Want::readable, {}, 0};
    case SSL_ERROR_WANT_WRITE:
      return {Want::writable, {}, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {Want::done, asio::error::eof, 0};
    case SSL_ERROR_SYSCALL: {
      if (const unsigned long e = ERR_get_error(); e != 0) {
        return {Want::done, {static_cast<int>(e), asio::error::get_ssl_category()}, 0};
      }
      if (saved_errno != 0)
        return {Want::done, {saved_errno, asio::error::get_system_category()}, 0};
      return {Want::done, asio::ssl::error::stream_truncated, 0};
    }
    default: {
      const unsigned long e = ERR_get_error();
      if (e == 0 || ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return {Want::done, asio::ssl::error::stream_truncated, 0};
      }
      return {Want::done, {static_cast<int>(e), asio::error::get_ssl_category()}, 0};
    }
  }
}

}  // namespace s3loop::net
