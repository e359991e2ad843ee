// A TLS stream that lets OpenSSL read and write the socket itself. Private to
// net; a Beast AsyncReadStream/AsyncWriteStream, used where
// boost::beast::ssl_stream would be.
//
// Why not asio::ssl::stream: it routes every byte through a BIO pair and two
// buffers of its own, 68 KiB per connection allocated for its whole life
// (two 17 KiB vectors and a 17 KiB buffer on each side of the pair) and one
// more copy of each byte. At hundreds of connections that was most of the
// process's memory. Here OpenSSL reads the socket straight into its record
// buffer (read-ahead, so one recv per burst, not one per record header) and
// SSL_MODE_RELEASE_BUFFERS frees that buffer whenever a connection has
// nothing pending -- which is most of the time a connection waits for a
// server-side copy to finish.
//
// Each operation tries its OpenSSL call first and waits for the socket to
// become readable or writable only when OpenSSL asks for it (the pattern of
// Asio's "third party library" example). Cancelling the socket (the pool's
// DeadlineWatch does) ends a pending wait with operation_aborted. One
// thread per stream, as everywhere in net.
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string>

namespace s3loop::net {

class TlsStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using next_layer_type = boost::beast::tcp_stream;

  // Throws std::bad_alloc when OpenSSL cannot allocate the connection.
  TlsStream(const executor_type& executor, SSL_CTX* context);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  executor_type get_executor() { return tcp_.get_executor(); }
  boost::beast::tcp_stream& next_layer() { return tcp_; }
  SSL* native_handle() { return ssl_; }

  // Once the TCP connection is up: OpenSSL takes over the socket.
  boost::system::error_code attach();

  // For a connection idle since its last reply: what the peer has sent since,
  // no application data taken. OpenSSL reads it (a non-blocking peek), takes
  // what is its own (TLS 1.3 session tickets) and tells close_notify apart --
  // which TLS 1.3 sends encrypted, in what the socket shows as an application
  // data record, just like a ticket: a raw peek at the socket cannot.
  enum class IdleInput { nothing, closed, data };
  IdleInput idle_input();

  // void(error_code)
  template <class Token>
  auto async_handshake(Token&& token) {
    return async_step<void(boost::system::error_code), false>([this] { return handshake_step(); },
                                                              std::forward<Token>(token));
  }

  // void(error_code, std::size_t): reads into the first non-empty buffer.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    boost::asio::mutable_buffer target;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::mutable_buffer piece = *it;  // (Beast's iterators have no ->)
      if (piece.size() != 0) {
        target = piece;
        break;
      }
    }
    // Right after a request went out its reply is almost never here yet:
    // wait for the socket first instead of asking OpenSSL, whose recv would
    // only say EAGAIN (one syscall per request saved; a reply that is already
    // here ends the wait at once). Bytes OpenSSL already holds are read now.
    const bool wait_first = awaiting_reply_ && SSL_has_pending(ssl_) == 0;
    awaiting_reply_ = false;
    return async_step<void(boost::system::error_code, std::size_t), true>(
        [this, target] { return read_step(target.data(), target.size()); },
        std::forward<Token>(token), wait_first);
  }

  // void(error_code, std::size_t): writes a prefix of the buffers. Beast's
  // serializer hands over a request as a sequence of small pieces; they go
  // out as one TLS record (and one send) rather than one each.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    const boost::asio::const_buffer source = gather(buffers);
    return async_step<void(boost::system::error_code, std::size_t), true>(
        [this, source] { return write_step(source.data(), source.size()); },
        std::forward<Token>(token));
  }

 private:
  enum class Want { done, readable, writable };
  struct Step {
    Want want = Want::done;
    boost::system::error_code ec;
    std::size_t bytes = 0;
  };

  Step handshake_step();
  Step read_step(void* data, std::size_t size);
  Step write_step(const void* data, std::size_t size);
  Step step_result(int ret, std::size_t bytes);
  void note_readable();
  // Before every wait for the socket to become readable: hands OpenSSL's
  // record buffers back. SSL_MODE_RELEASE_BUFFERS frees the 16.7 KiB read
  // buffer only once application data has emptied it, so a connection that
  // has read only handshake messages since -- the handshake itself, or the
  // TLS 1.3 session tickets that arrive before its first reply -- kept it for
  // the whole wait for that reply: at C=256, up to 180 connections at once
  // (heaptrack: peak heap 12.6 -> 9.9 MiB; peak RSS at C=1024 -9%).
  void release_buffers();

  // The first buffer alone when it is big; else the small pieces at the
  // front copied together into gather_ (up to a record's worth).
  template <class ConstBuffers>
  boost::asio::const_buffer gather(const ConstBuffers& buffers) {
    constexpr std::size_t kRecord = 16 * 1024;
    auto it = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    boost::asio::const_buffer first;
    for (; it != end; ++it) {
      first = *it;  // (Beast's iterators have no ->)
      if (first.size() != 0) break;
    }
    if (it == end) return {};
    if (first.size() >= kRecord / 2 || std::next(it) == end) return first;
    gather_.clear();
    for (; it != end && gather_.size() < kRecord; ++it) {
      const boost::asio::const_buffer piece = *it;
      const std::size_t take = std::min(piece.size(), kRecord - gather_.size());
      gather_.append(static_cast<const char*>(piece.data()), take);
    }
    return {gather_.data(), gather_.size()};
  }

  // Runs `step` until it is done, waiting for the socket in between.
  template <class Signature, bool kWithBytes, class StepFn, class Token>
  auto async_step(StepFn step, Token&& token, bool wait_first = false) {
    return boost::asio::async_compose<Token, Signature>(
        StepOp<StepFn, kWithBytes>{*this, std::move(step), wait_first}, token, tcp_.socket());
  }

  template <class StepFn, bool kWithBytes>
  struct StepOp {
    TlsStream& stream;
    StepFn step;
    bool wait_first = false;        // wait until readable before the first step
    bool waited = false;            // completing now would not be inside the initiation
    bool waiting_readable = false;  // the wait in progress is for readability
    bool finished = false;          // result holds the outcome; only completion is left
    Step result{};

    template <class Self>
    void operator()(Self& self, boost::system::error_code wait_ec = {}) {
      if (!finished) {
        if (wait_ec) {
          result = Step{Want::done, wait_ec, 0};
        } else {
          if (waiting_readable) stream.note_readable();
          result = wait_first ? Step{Want::readable, {}, 0} : step();
          wait_first = false;
          if (result.want != Want::done) {
            waited = true;
            waiting_readable = result.want == Want::readable;
            if (waiting_readable) stream.release_buffers();
            const auto wait = waiting_readable ? boost::asio::socket_base::wait_read
                                               : boost::asio::socket_base::wait_write;
            stream.tcp_.socket().async_wait(wait, std::move(self));
            return;
          }
        }
        finished = true;
        if (!waited) {
          // Never complete inside the initiating call (Asio's rule: callers
          // loop on it and would recurse); a post costs no syscall.
          boost::asio::post(stream.get_executor(), std::move(self));
          return;
        }
      }
      complete(self);
    }

    template <class Self>
    void complete(Self& self) {
      if constexpr (kWithBytes) {
        self.complete(result.ec, result.bytes);
      } else {
        self.complete(result.ec);
      }
    }
  };

  boost::beast::tcp_stream tcp_;
  SSL* ssl_ = nullptr;
  std::string gather_;
  bool awaiting_reply_ = false;  // a write completed; no read since
};

}  // namespace s3loop::net
