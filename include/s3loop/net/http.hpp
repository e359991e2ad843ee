// Plain HTTP message types shared by net and s3, free of Beast so that the
// layers above do not compile it.
#pragma once

#include "s3loop/error.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace s3loop::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What a stop (a connection pool's stop flag: Ctrl-C) does to a request.
enum class OnStop {
  cut,  // not sent once stopping; in flight, cut off at once
  // Not sent once stopping; in flight, given a short grace
  // (DeadlineWatch::kStopGrace) to finish, because what comes back is
  // needed to clean up (CreateMultipartUpload's upload id).
  finish,
  cleanup,  // sent even once stopping, with the same grace (AbortMultipartUpload)
};

struct Request {
  std::string method = "GET";  // upper-case verb
  std::string host;            // Host header value (may differ from where we connect)
  std::string target;          // origin-form: encoded path plus "?query"
  HeaderList headers;          // besides Host, Content-Length and User-Agent
  std::string body;
  // What the request does, for error messages ("ListObjectsV2 s3://b/"): a
  // failure while it or its reply is on the wire starts "<action> failed: ".
  std::string action;
  OnStop on_stop = OnStop::cut;
  // A successful reply kept whole (sent with no BodySink) longer than this
  // fails the request: a document a caller parses (S3's XML replies) has a
  // size no server needs to pass, and memory must not grow with what a
  // broken one sends. (Error replies are cut at 1 MiB whatever this says.)
  std::uint64_t max_whole_body = std::numeric_limits<std::uint64_t>::max();
};

struct Response {
  unsigned status = 0;
  HeaderList headers;
  std::string body;  // empty when the body went to a BodySink
  // This reply is to a resend: the request went out whole once before, on a
  // kept-alive connection the server closed with no reply, and may have been
  // carried out then too (a CreateMultipartUpload: an upload nobody knows).
  bool resent_unanswered = false;
  // The forwarding proxy (HTTP_PROXY) the request went through, as
  // Proxy::described() says it; empty: none. An error reply that is not the
  // server's may be its own.
  std::string forwarded_by;

  // Case-insensitive lookup of the first header with this name.
  std::optional<std::string_view> header(std::string_view name) const;
};

// Receives a streamed response body chunk by chunk; returning an error stops
// the read and drops the connection (its remaining bytes are unknown). Only
// 2xx bodies are streamed; error replies land in Response::body as usual.
struct BodySink {
  BodySink() = default;
  template <class F,
            class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, BodySink> &&
                                     std::is_invocable_r_v<Result<void>, F&, std::string_view>>>
  BodySink(F write_chunk) : write(std::move(write_chunk)) {}  // NOLINT: a callable is a sink

  Result<void> operator()(std::string_view chunk) const { return write(chunk); }

  std::function<Result<void>(std::string_view chunk)> write;
  // Optional backpressure: awaited after each chunk, and the read goes on
  // only once it completes. A consumer that hands chunks on to other threads
  // keeps its queue bounded with it.
  std::function<boost::asio::awaitable<void>()> pace;
};

}  // namespace s3loop::net
