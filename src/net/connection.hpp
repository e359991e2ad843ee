// One TCP (optionally TLS) connection and its read buffer. Private to net.
#pragma once

#include "s3loop/net/tls.hpp"
#include "tls_stream.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/ssl.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <optional>

#include <sys/socket.h>

namespace s3loop::net {

class Connection {
 public:
  Connection(const boost::asio::any_io_executor& executor, TlsContext* tls) {
    if (tls != nullptr) {
      tls_.emplace(executor, tls->native().native_handle());
    } else {
      plain_.emplace(executor);
    }
  }

  ~Connection() {
    // Closing without a TLS close_notify makes OpenSSL treat the session as
    // bad and unresumable. Connections end because we are done with them, not
    // because the session went wrong: mark the shutdown as done.
    if (tls_) SSL_set_shutdown(tls_->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  boost::beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : *plain_; }
  TlsStream* tls() { return tls_ ? &*tls_ : nullptr; }
  boost::beast::tcp_stream* plain() { return plain_ ? &*plain_ : nullptr; }

  // Bytes read and not parsed yet: a header (64 KiB at most) or a chunk's
  // size line and a read ahead. Bounded, so that a server sending a line
  // without end (a chunk extension, say) fails the read with
  // buffer_overflow rather than growing it until memory runs out: Beast
  // limits a header, not a chunk's size line. (One read never returned, so
  // no deadline or Ctrl-C could end it either.)
  static constexpr std::size_t kMaxUnparsed = 256 * 1024;
  boost::beast::flat_buffer buffer{kMaxUnparsed};
  bool reused = false;  // has completed at least one exchange

  // For an idle connection: whether the server has closed it. Servers close
  // idle keep-alive connections after a few seconds (nginx: 75 s, S3: ~20 s),
  // often all at once; a request sent on one could only fail. A non-blocking
  // peek: end of stream or an error, a close_notify (read by OpenSSL: see
  // TlsStream::idle_input), application data on a TLS connection or any byte
  // on a plain one (a "408 Request Timeout" some servers send before
  // closing) all mean closed. A TLS 1.3 session ticket is not data: open.
  //
  // A connection back in the pool for less than kFreshIdle is not asked: no
  // server closes keep-alive connections that soon after a reply that kept
  // them open, the peek is one syscall per request, and a request that meets
  // a closed one anyway is resent once on a fresh connection.
  static constexpr std::chrono::milliseconds kFreshIdle{1000};
  std::chrono::steady_clock::time_point idle_since{};
  bool closed_by_peer(std::chrono::steady_clock::time_point now) {
    if (holds_read_bytes()) return true;
    if (now - idle_since < kFreshIdle) return false;
    if (tls_) return tls_->idle_input() != TlsStream::IdleInput::nothing;
    // Plain HTTP: any byte is one no request asked for.
    return peek() != Peeked::nothing;
  }

  // Whether bytes follow the end of the reply just read: bytes already read
  // (in the parse buffer, or in OpenSSL's, decrypted or read ahead) or, on a
  // plain connection, waiting in the socket. HTTP/1.1 has no place for them
  // (RFC 9112 6.3: never a response of their own): an extra reply from a
  // broken server or middlebox would be taken for the next request's -- an
  // empty last page ending a listing early, a listing page as a copy's
  // result. Such a connection is not used again. (TLS bytes still in the
  // socket are not asked for: OpenSSL's read-ahead took what had come by
  // the reply's last read, and a peek cannot tell data from a session
  // ticket.)
  bool has_bytes_after_reply() {
    if (holds_read_bytes()) return true;
    if (tls_) return false;
    const Peeked peeked = peek();
    // (The end of the stream is a close, which reuse looks for: closed_by_peer.)
    return peeked == Peeked::byte || peeked == Peeked::failed;
  }

  // The current exchange phase's deadline, enforced by the pool's
  // DeadlineWatch; timed_out once it passed and the socket was cancelled.
  void expires_after(std::chrono::steady_clock::duration timeout) {
    deadline = std::chrono::steady_clock::now() + timeout;
    timed_out = false;
  }
  static constexpr std::size_t kNotWatched = static_cast<std::size_t>(-1);
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool timed_out = false;
  // The exchange on it may outlive a stop by a grace (Request::on_stop is
  // not OnStop::cut); any other is cut off at once.
  bool stop_grace = false;
  // Its socket operations were cancelled because the run is stopping (the
  // pool's stop flag). Never reset: it goes back to no pool.
  bool interrupted = false;
  std::size_t watch_slot = kNotWatched;  // index in DeadlineWatch's list
  // When the send it carries began (its connect, handshake, exchange and a
  // resend alike): a stop's grace counts from the later of the stop and
  // this, so a cleanup sent after the stop has the whole grace, once.
  std::chrono::steady_clock::time_point grace_from;

 private:
  // What the socket holds, left in it: a non-blocking peek at one byte.
  enum class Peeked { nothing, byte, closed, failed };
  Peeked peek() {
    unsigned char first = 0;
    const ssize_t n = ::recv(tcp().socket().native_handle(), &first, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return Peeked::byte;
    if (n == 0) return Peeked::closed;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? Peeked::nothing
                                                                     : Peeked::failed;
  }

  // Bytes read and not part of any reply parsed yet.
  bool holds_read_bytes() {
    return buffer.size() > 0 || (tls_ && SSL_has_pending(tls_->native_handle()) == 1);
  }

  std::optional<TlsStream> tls_;
  std::optional<boost::beast::tcp_stream> plain_;
};

}  // namespace s3loop::net
