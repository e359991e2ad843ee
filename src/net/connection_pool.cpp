#include "s3loop/net/connection_pool.hpp"

#include "connection.hpp"
#include "content_range.hpp"
#include "deadline_watch.hpp"
#include "net_errors.hpp"
#include "resolve.hpp"
#include "s3loop/utc_text.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <string_view>

namespace s3loop::net::detail {
// asio::async_read_until's match condition for the end of a reply's header,
// a blank line: CRLF CRLF, or LF LF as Python's http.client also takes it
// (what botocore's proxy code reads proxies with).
struct EndOfHead {
  template <typename Iterator>
  std::pair<Iterator, bool> operator()(Iterator begin, Iterator end) const {
    for (Iterator at = begin; at != end; ++at) {
      if (*at != '\n') continue;
      Iterator next = std::next(at);
      if (next != end && *next == '\r') ++next;
      if (next != end && *next == '\n') return {std::next(next), true};
    }
    // Not found: read on from the last byte, which may start one.
    return {begin == end ? end : std::prev(end), false};
  }
};
}  // namespace s3loop::net::detail

template <>
struct boost::asio::is_match_condition<s3loop::net::detail::EndOfHead> : std::true_type {};

namespace s3loop::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kBodyStep = 64 * 1024;  // a body kept whole grows by this
// Trust a Content-Length this far when sizing a body held whole (beyond it
// the body grows as it arrives).
constexpr std::uint64_t kMaxReserve = 256u << 20;
// An error reply is held whole for its message (S3's are under 1 KiB); a
// longer one (a proxy's page, a misbehaving server's stream) is cut here and
// its connection closed, so that each request in flight holds no more.
constexpr std::uint64_t kMaxErrorBody = 1u << 20;
// Interim (1xx) replies read before the final one; S3 sends at most one
// (100 Continue).
constexpr int kMaxInterimReplies = 32;
constexpr const char* kUserAgent = "s3loop/0.1";

// RFC 6761: "localhost" and every name under it are loopback. Resolving them
// ourselves lets virtual-hosted buckets (bucket.localhost) work against a
// local server without touching /etc/hosts.
bool is_loopback_name(const std::string& host) {
  constexpr std::string_view suffix = ".localhost";
  return host == "localhost" ||
         (host.size() > suffix.size() &&
          host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0);
}

// A CR, LF or NUL in the Host header or another header's name or value
// would end that header early and pass what follows as headers of the
// server's reading (request splitting); Beast writes values as they are.
// Such text can only come from where it should not be -- an ETag in a broken
// listing -- and the request is not sent.
std::optional<Error> unsendable_header(const Request& req) {
  constexpr std::string_view kBreaks("\r\n\0", 3);
  auto breaks = [&](std::string_view text) { return text.find_first_of(kBreaks) != text.npos; };
  auto refuse = [&](std::string_view what) {
    return make_error(ErrorKind::protocol, req.action + " failed: " + std::string(what) +
                                               " holds a line break or NUL byte: not sent");
  };
  if (breaks(req.method) || breaks(req.target)) return refuse("the request line");
  if (breaks(req.host)) return refuse("the Host header");
  for (const auto& [name, value] : req.headers) {
    if (breaks(name) || breaks(value)) return refuse("the " + name + " header");
  }
  return std::nullopt;
}

// An error after the transparent resend of a request whose first send, on a
// connection the server closed, was written whole: read before the close,
// it may have been carried out (see ConnectionPool::send).
Error unanswered_if(bool resent_unanswered, Error error) {
  error.sent_unanswered = error.sent_unanswered || resent_unanswered;
  return error;
}

struct ExchangeState {
  bool keep_alive = false;
  bool response_started = false;  // any byte of the reply was read
  unsigned reply_status = 0;      // once the reply's header was read
  Phase failed_phase = Phase::write;
  boost::system::error_code ec;
};

// Watched from construction until destruction: unwatched however an
// exchange ends, even if its coroutine frame is destroyed.
class Watched {
 public:
  Watched(DeadlineWatch& watch, Connection& conn) : watch_(watch), conn_(conn) {
    watch_.watch(conn_);
  }
  ~Watched() { watch_.unwatch(conn_); }
  Watched(const Watched&) = delete;
  Watched& operator=(const Watched&) = delete;

 private:
  DeadlineWatch& watch_;
  Connection& conn_;
};

// The deadline an exchange's phase had.
std::chrono::milliseconds deadline_of(Phase phase, const Timeouts& timeouts) {
  switch (phase) {
    case Phase::write:
      return timeouts.write;
    case Phase::read_header:
      return timeouts.first_byte;
    case Phase::read_body:
      return timeouts.idle_read;
    default:
      return std::chrono::milliseconds(0);
  }
}

// An operation the DeadlineWatch cancelled failed by timing out.
boost::system::error_code timed_out_as_timeout(const Connection& conn,
                                               boost::system::error_code ec) {
  if (ec == asio::error::operation_aborted && conn.timed_out) return beast::error::timeout;
  return ec;
}

// `forward`: the forwarding proxy (HTTP_PROXY) the request goes to, which
// wants the URL whole and its credentials; nullptr: sent to the server.
http::request<http::string_body> to_beast(const Request& req, const Proxy* forward) {
  http::request<http::string_body> out;
  out.method_string(req.method);
  out.target(forward != nullptr ? absolute_form_target(req.host, req.target) : req.target);
  out.version(11);
  out.set(http::field::host, req.host);
  out.set(http::field::user_agent, kUserAgent);
  for (const auto& [name, value] : req.headers) out.insert(name, value);
  if (forward != nullptr) {
    if (std::string authorization = proxy_authorization(*forward); !authorization.empty()) {
      out.set(http::field::proxy_authorization, std::move(authorization));
    }
  }
  out.body() = req.body;
  // Content-Length for every body-carrying verb, even when empty (PUT of a
  // zero-byte object); none for GET/HEAD/DELETE without a body.
  if (!req.body.empty() || req.method == "PUT" || req.method == "POST") {
    out.content_length(req.body.size());
  }
  out.keep_alive(true);
  return out;
}

template <class Stream>
awaitable<std::optional<Response>> exchange(Stream& stream, Connection& conn, const Request& req,
                                            const Proxy* forward, const BodySink* sink,
                                            const Timeouts& timeouts, ExchangeState& state,
                                            Error& sink_error) {
  auto beast_request = to_beast(req, forward);
  http::request_serializer<http::string_body> serializer(beast_request);
  boost::system::error_code write_ec;
  // The write deadline is on progress, not on the whole request: a large
  // body takes as long as the link needs, and only a server that takes no
  // data for that long times out (one deadline for it all failed every
  // attempt of a body the link could not carry in 30 s). A small request
  // goes in one write.
  while (!serializer.is_done()) {
    conn.expires_after(timeouts.write);
    auto [ec, written] = co_await http::async_write_some(stream, serializer, nothrow);
    if (ec) {
      write_ec = timed_out_as_timeout(conn, ec);
      break;
    }
  }
  // A server that refuses the session once the handshake is done (TLS 1.3's
  // certificate_required) sends its alert and closes: a client slow to send
  // its first request (seen under the sanitizers) meets the close, and would
  // report a closed connection and retry. The alert already received says
  // why: read it, briefly, on a new TLS connection only.
  if (write_ec && !conn.reused && conn.tls() != nullptr && !conn.interrupted &&
      write_ec != beast::error::timeout) {
    http::response_parser<http::empty_body> alert_probe;
    conn.expires_after(std::chrono::milliseconds(500));
    auto [read_ec, ignored] =
        co_await http::async_read_header(stream, conn.buffer, alert_probe, nothrow);
    if (read_ec.category() == asio::error::get_ssl_category()) {
      state.ec = read_ec;
      state.failed_phase = Phase::read_header;
      co_return std::nullopt;
    }
  }
  if (write_ec) {
    state.ec = write_ec;
    state.failed_phase = Phase::write;
    co_return std::nullopt;
  }

  // A 1xx reply (100 Continue, 103 Early Hints) is interim: the final one
  // follows, and a client reads past any number of them, asked for or not
  // (RFC 9110 15.2) -- taken for the reply, a 100 would pass for success and
  // the real one, a 500 say, would be lost. One deadline for them all.
  std::optional<http::response_parser<http::buffer_body>> final_parser;
  conn.expires_after(timeouts.first_byte);
  for (int interim = 0;; ++interim) {
    // A server that sends interim replies without end: each read completes
    // at once, so the deadline (which cuts off a pending wait) and a stop
    // are checked here, and a bound ends the rest. (It ran for ever.)
    if (conn.timed_out || conn.interrupted || interim > kMaxInterimReplies) {
      state.ec = conn.interrupted ? boost::system::error_code(asio::error::operation_aborted)
                 : conn.timed_out ? boost::system::error_code(beast::error::timeout)
                                  : boost::system::error_code(http::error::bad_status);
      state.failed_phase = Phase::read_header;
      co_return std::nullopt;
    }
    auto& next = final_parser.emplace();
    next.body_limit(boost::none);  // bodies stream through a fixed buffer
    next.header_limit(64 * 1024);
    if (req.method == "HEAD") next.skip(true);
    auto [header_ec, header_bytes] =
        co_await http::async_read_header(stream, conn.buffer, next, nothrow);
    header_ec = timed_out_as_timeout(conn, header_ec);
    state.response_started = state.response_started || header_bytes > 0 || conn.buffer.size() > 0;
    if (header_ec) {
      state.ec = header_ec;
      state.failed_phase = Phase::read_header;
      co_return std::nullopt;
    }
    if (next.get().result_int() / 100 != 1) break;
  }
  auto& parser = *final_parser;
  // Three digits, but no status there is (RFC 9110 15: 100-599): "099" was
  // read as a final reply. No reply of HTTP's, as a garbled status line is.
  if (parser.get().result_int() < 100 || parser.get().result_int() > 599) {
    state.ec = http::error::bad_status;
    state.failed_phase = Phase::read_header;
    co_return std::nullopt;
  }

  Response response;
  response.status = parser.get().result_int();
  state.reply_status = response.status;
  for (const auto& field : parser.get().base()) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }

  // Error replies are small XML documents the caller needs whole to say
  // what went wrong; only a successful body is streamed.
  const bool keep_whole = sink == nullptr || response.status >= 300;
  // Hands one piece of the body to where it goes (already in place when
  // kept whole); false when the sink refused it.
  auto deliver = [&](std::string_view piece) {
    if (keep_whole || piece.empty()) return true;
    if (auto r = (*sink)(piece); !r) {
      sink_error = r.error();
      return false;
    }
    return true;
  };
  // The sink's backpressure, if it has any: no read until it has room.
  const bool paced = !keep_whole && sink->pace;
  // Where a body passes through when it does not go straight to its place:
  // allocated only then, not in every exchange's coroutine frame.
  std::unique_ptr<char[]> chunk;

  const bool error_reply = response.status >= 300;
  const auto length = parser.content_length();
  // A reply refused for what it is (not retried into the same): the
  // request fails saying `why`, its connection closed with the rest unread.
  auto refuse = [&](const std::string& why) {
    sink_error = make_error(ErrorKind::protocol, req.action + " failed: " + why);
    state.keep_alive = false;
    return std::nullopt;
  };
  // A reply kept whole beyond the request's bound: a range's length, or what
  // any reply document of S3 holds.
  const auto range_asked = std::find_if(req.headers.begin(), req.headers.end(), [](const auto& h) {
    return beast::iequals(h.first, "range");
  });
  const bool ranged = range_asked != req.headers.end();
  auto too_long = [&] {
    if (ranged) {
      return refuse(fmt::format(
          "the server's {} reply to a range of {} bytes holds more than the range (is {} an S3 "
          "server?)",
          response.status, req.max_whole_body, req.host));
    }
    return refuse(fmt::format(
        "the server's {} reply is longer than {} MiB, more than any reply document of S3 (is {} "
        "an S3 server?)",
        response.status, req.max_whole_body >> 20, req.host));
  };
  // A socket that always has bytes never makes a read wait, which is where
  // the stop cuts a connection off: a body's reads look at it in between.
  auto cut_off_by_stop = [&] {
    if (!conn.interrupted) return false;
    state.ec = asio::error::operation_aborted;
    state.failed_phase = Phase::read_body;
    return true;
  };
  // A ranged GET answered 200 carries the whole object (a server that
  // ignores Range, or a proxy that strips it): read, it would be taken for
  // the range -- select read the whole object for every range, then
  // blamed a change of the object. (S3 answers 206 to every range it can
  // serve; s3loop asks only for such ranges.)
  // (An empty one carries nothing to misread: an empty object's, say.)
  if (response.status == 200 && req.method == "GET" && !parser.is_done() && ranged) {
    co_return refuse(fmt::format(
        "the server answered a ranged GET with 200 and the whole object, not 206 and the range "
        "(does {} ignore the Range header?)",
        req.host));
  }
  if (response.status == 206 && ranged) {
    if (auto problem =
            content_range_problem(range_asked->second, response.header("Content-Range"))) {
      co_return refuse(*problem);
    }
  }
  // (A HEAD's Content-Length is the object's: no body follows it.)
  if (keep_whole && !error_reply && !parser.is_done() && length && *length > req.max_whole_body) {
    co_return too_long();
  }
  if (!parser.is_done() && !parser.chunked() && length &&
      (!keep_whole || *length <= kMaxReserve || error_reply)) {
    // The common case, a Content-Length body: read it from the stream
    // straight to where it goes, not through Beast's buffer and parser (two
    // copies of every byte fewer). A body kept whole is reserved once:
    // growing it by doubling copies it again and again and, past glibc's
    // mmap threshold, maps fresh pages each time. It is sized (which
    // zero-fills, touching the pages) a step at a time as bytes arrive, so a
    // slow range holds only what came.
    const bool cut = error_reply && *length > kMaxErrorBody;
    std::uint64_t remaining = cut ? kMaxErrorBody : *length;
    if (keep_whole) {
      response.body.reserve(static_cast<std::size_t>(remaining));
    } else {
      chunk = std::make_unique_for_overwrite<char[]>(kReadChunk);
    }
    std::size_t filled = 0;  // of response.body
    // Body bytes that arrived with the header.
    if (conn.buffer.size() > 0) {
      const auto take =
          static_cast<std::size_t>(std::min<std::uint64_t>(conn.buffer.size(), remaining));
      const std::string_view piece(static_cast<const char*>(conn.buffer.data().data()), take);
      if (keep_whole) response.body.assign(piece);
      filled += take;
      remaining -= take;
      const bool accepted = deliver(piece);
      conn.buffer.consume(take);
      if (!accepted) co_return std::nullopt;
    }
    while (remaining > 0) {
      if (cut_off_by_stop()) co_return std::nullopt;
      if (keep_whole && filled == response.body.size()) {
        response.body.resize(
            filled + static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kBodyStep)));
      }
      char* into = keep_whole ? response.body.data() + filled : chunk.get();
      const std::size_t room =
          keep_whole ? response.body.size() - filled
                     : static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kReadChunk));
      conn.expires_after(timeouts.idle_read);
      auto [body_ec, got] = co_await stream.async_read_some(asio::buffer(into, room), nothrow);
      body_ec = timed_out_as_timeout(conn, body_ec);
      if (body_ec) {
        state.ec = body_ec;
        state.failed_phase = Phase::read_body;
        co_return std::nullopt;
      }
      filled += got;
      remaining -= got;
      if (!deliver(std::string_view(into, got))) co_return std::nullopt;
      if (paced && remaining > 0) co_await sink->pace();
    }
    state.keep_alive = !cut && parser.get().keep_alive();  // the rest unread: closed
    co_return response;
  }

  // Chunked or read-until-close bodies (and huge ones kept whole) go
  // through Beast's parser. (radosgw sends every CopyObject reply chunked:
  // the buffer is not zeroed, a 16 KiB memset per copy for bytes that are
  // always written before they are read.)
  if (!parser.is_done()) chunk = std::make_unique_for_overwrite<char[]>(kReadChunk);
  // A range read until the connection closes ends wherever the close came:
  // short of what its Content-Range says is a transfer cut off, not the end
  // (taken for the end, select blamed a change of the object and gave up).
  const auto range_length = response.status == 206 && ranged
                                ? content_range_length(response.header("Content-Range"))
                                : std::nullopt;
  std::uint64_t body_read = 0;
  while (!parser.is_done()) {
    if (cut_off_by_stop()) co_return std::nullopt;
    parser.get().body().data = chunk.get();
    parser.get().body().size = kReadChunk;
    // One read at a time, each with the idle deadline: a body trickling in
    // small chunks is progress (reading until the buffer was full under one
    // deadline failed it as "no data" while chunks came every 0.2 s).
    conn.expires_after(timeouts.idle_read);
    auto [body_ec, body_bytes] =
        co_await http::async_read_some(stream, conn.buffer, parser, nothrow);
    body_ec = timed_out_as_timeout(conn, body_ec);
    if (body_ec == http::error::need_buffer) body_ec = {};
    if (body_ec) {
      state.ec = body_ec;
      state.failed_phase = Phase::read_body;
      co_return std::nullopt;
    }
    const std::string_view piece(chunk.get(), kReadChunk - parser.get().body().size);
    body_read += piece.size();
    if (keep_whole) response.body.append(piece);
    if (keep_whole && !error_reply && response.body.size() > req.max_whole_body) {
      co_return too_long();
    }
    if (error_reply && response.body.size() >= kMaxErrorBody && !parser.is_done()) {
      response.body.resize(kMaxErrorBody);
      state.keep_alive = false;  // the rest unread: closed
      co_return response;
    }
    if (!deliver(piece)) co_return std::nullopt;
    if (paced && !parser.is_done()) co_await sink->pace();
  }
  if (range_length && body_read < *range_length) {
    state.ec = asio::error::eof;
    state.failed_phase = Phase::read_body;
    co_return std::nullopt;
  }
  state.keep_alive = parser.get().keep_alive();
  co_return response;
}

}  // namespace

ConnectionPool::ConnectionPool(asio::any_io_executor executor, Endpoint endpoint,
                               std::shared_ptr<TlsContext> tls, Timeouts timeouts,
                               Counters& counters, const std::atomic<bool>* stop,
                               std::optional<Proxy> proxy)
    : executor_(std::move(executor)),
      endpoint_(std::move(endpoint)),
      tls_(std::move(tls)),
      timeouts_(timeouts),
      counters_(counters),
      stop_(stop),
      proxy_(std::move(proxy)),
      server_key_(endpoint_.host_port()),
      // What fails on the wire through a proxy -- a tunnel it cuts, a request
      // it forwards -- may be its doing: the messages name it.
      wire_where_(proxy_ ? server_key_ + " through " + proxy_->described() : server_key_),
      forwarded_by_(proxy_ && !endpoint_.tls ? proxy_->described() : std::string()),
      watch_(std::make_unique<DeadlineWatch>(
          executor_,
          DeadlineWatch::tick_for(std::min(
              {timeouts_.first_byte, timeouts_.idle_read, timeouts_.write, timeouts_.handshake})),
          stop_)) {}

ConnectionPool::~ConnectionPool() = default;

awaitable<Result<std::unique_ptr<Connection>>> ConnectionPool::connect(
    bool stop_grace, std::chrono::steady_clock::time_point grace_from) {
  // Never plain HTTP to an https:// endpoint: signed requests (a session
  // token too) would go out in clear text. Only a pool its owner made
  // without a context can lack one.
  if (endpoint_.tls && tls_ == nullptr) {
    co_return make_error(ErrorKind::tls, "no TLS context for the https:// endpoint " + server_key_ +
                                             ": the connection pool was made without one");
  }
  FailureContext failure;
  failure.where = server_key_;
  failure.deadline = timeouts_.connect;
  // Through a proxy, the TCP connection is to the proxy, and so are the
  // errors until its tunnel is open.
  const std::string& host = proxy_ ? proxy_->host : endpoint_.host;
  const std::uint16_t port = proxy_ ? proxy_->port : endpoint_.port;
  if (proxy_) {
    failure.where = proxy_->described();
    failure.proxy_source = proxy_->source;
  }
  tcp::resolver::results_type endpoints;
  if (is_loopback_name(host)) {
    endpoints = tcp::resolver::results_type::create(
        tcp::endpoint(asio::ip::address_v4::loopback(), port), host, std::to_string(port));
  } else {
    // Within the connect deadline, and cut short by a stop (resolve.hpp) --
    // for a request with a grace (an abort after Ctrl-C), by its grace.
    const bool graced_stop = stop_grace && stop_ != nullptr && stop_->load();
    const auto within = graced_stop ? std::min<std::chrono::milliseconds>(timeouts_.connect,
                                                                          DeadlineWatch::kStopGrace)
                                    : timeouts_.connect;
    auto [ec, results] =
        co_await resolve(executor_, host, port, within, stop_grace ? nullptr : stop_);
    if (ec == asio::error::operation_aborted) co_return interrupted_error(Phase::resolve, failure);
    if (ec) co_return network_error(ec, Phase::resolve, failure);
    endpoints = std::move(results);
  }

  auto conn = std::make_unique<Connection>(executor_, endpoint_.tls ? tls_.get() : nullptr);
  conn->stop_grace = stop_grace;
  conn->grace_from = grace_from;
  // Watched from the start, so that a stop cuts off the connect too. (Its
  // own deadline stays the stream's: the watch's is for the handshake.)
  Watched watched(*watch_, *conn);
  conn->tcp().expires_after(timeouts_.connect);  // one deadline for every address
  boost::system::error_code connect_ec = asio::error::host_not_found;
  for (const auto& entry : endpoints) {
    // The socket is opened here, not by the connect: Asio's connect over a
    // list of addresses reports a socket it could not open (EMFILE: out of
    // descriptors) as operation_aborted, which reads as a Ctrl-C.
    auto& socket = conn->tcp().socket();
    boost::system::error_code ignored;
    socket.close(ignored);
    socket.open(entry.endpoint().protocol(), connect_ec);
    if (connect_ec) break;  // no other address would get a descriptor either
    auto [ec] = co_await conn->tcp().async_connect(entry.endpoint(), nothrow);
    connect_ec = ec;
    if (!ec || conn->interrupted || ec == beast::error::timeout) break;
  }
  if (connect_ec && conn->interrupted) co_return interrupted_error(Phase::connect, failure);
  if (connect_ec) co_return network_error(connect_ec, Phase::connect, failure);
  conn->tcp().expires_never();  // exchanges are watched by the pool's DeadlineWatch
  counters_.connections++;
  // Small requests must not wait for Nagle against the peer's delayed ACK.
  conn->tcp().socket().set_option(tcp::no_delay(true));
  // (A plain-HTTP endpoint's proxy forwards each request: no tunnel.)
  if (proxy_ && endpoint_.tls) {
    if (auto refused = co_await open_tunnel(*conn)) co_return std::move(*refused);
    failure.where = server_key_;  // from here on, the endpoint's
    failure.proxy_source.clear();
    failure.tunnel_through = proxy_->described();
  }

  if (auto* tls = conn->tls()) {
    SSL* ssl = tls->native_handle();
    if (!endpoint_.is_ip_literal()) {
      // SNI. (SSL_set_tlsext_host_name is this call behind a C-style cast.)
      SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(endpoint_.host.c_str()));
    }
    if (tls_->verify_peer()) {
      // Let OpenSSL check the name (or IP SAN) as part of chain verification,
      // so a mismatch surfaces as a verify error with its own reason.
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (endpoint_.is_ip_literal()) {
        X509_VERIFY_PARAM_set1_ip_asc(param, endpoint_.host.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, endpoint_.host.c_str(), endpoint_.host.size());
      }
    }
    tls_->prepare(ssl, &server_key_);
    failure.deadline = timeouts_.handshake;
    if (auto ec = tls->attach()) co_return network_error(ec, Phase::handshake, failure);
    conn->expires_after(timeouts_.handshake);
    auto [ec] = co_await tls->async_handshake(nothrow);
    const boost::system::error_code hs_ec = timed_out_as_timeout(*conn, ec);
    if (hs_ec && conn->interrupted) co_return interrupted_error(Phase::handshake, failure);
    if (hs_ec) {
      const long verify = SSL_get_verify_result(ssl);
      if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        // OpenSSL checks the name only once the chain is trusted: the CA is
        // fine, the name is not.
        failure.tls_detail = X509_verify_cert_error_string(verify);
        failure.tls_wrong_name = endpoint_.host;
      } else if (verify == X509_V_ERR_CERT_NOT_YET_VALID || verify == X509_V_ERR_CERT_HAS_EXPIRED) {
        failure.tls_detail = std::string(X509_verify_cert_error_string(verify)) +
                             "; this machine's clock says " + format_utc(std::time(nullptr));
        failure.tls_out_of_date = true;
      } else if (verify != X509_V_OK) {
        failure.tls_detail = std::string(X509_verify_cert_error_string(verify)) + "; trusting " +
                             tls_->trust_source();
        failure.tls_cert_unfit = is_unfit_certificate(verify);
      }
      co_return network_error(hs_ec, Phase::handshake, failure);
    }
    counters_.tls_handshakes++;
    if (SSL_session_reused(ssl)) counters_.tls_resumed++;
  }
  co_return std::move(conn);
}

awaitable<std::optional<Error>> ConnectionPool::open_tunnel(Connection& conn) {
  FailureContext failure;
  failure.where = proxy_->described();
  failure.proxy_source = proxy_->source;
  failure.deadline = timeouts_.connect;
  // The CONNECT exchange within the connect deadline; a stop cuts it off as
  // it does the connect (the pool's watch closes the socket).
  conn.tcp().expires_after(timeouts_.connect);
  const std::string request = connect_request(*proxy_, endpoint_);
  auto [write_ec, written] = co_await asio::async_write(conn.tcp(), asio::buffer(request), nothrow);
  (void)written;
  // A proxy's reply to CONNECT is a header alone: 16 KiB is far beyond one.
  constexpr std::size_t kMaxReplyHead = 16 * 1024;
  std::string head;
  boost::system::error_code read_ec;
  std::size_t head_size = 0;
  if (!write_ec) {
    auto [ec, size] = co_await asio::async_read_until(
        conn.tcp(), asio::dynamic_buffer(head, kMaxReplyHead), detail::EndOfHead{}, nothrow);
    read_ec = ec;
    head_size = size;
  }
  conn.tcp().expires_never();
  const boost::system::error_code ec = write_ec ? write_ec : read_ec;
  if (ec && conn.interrupted) co_return interrupted_error(Phase::tunnel, failure);
  if (ec == asio::error::not_found) {
    co_return make_error(ErrorKind::protocol,
                         proxy_->described() +
                             " answered CONNECT with a header longer than 16 KiB: is it an "
                             "HTTP proxy? check " +
                             proxy_->source);
  }
  if (ec) co_return network_error(ec, Phase::tunnel, failure);
  if (auto refused =
          connect_reply_problem(std::string_view(head).substr(0, head_size), *proxy_, endpoint_)) {
    co_return refused;
  }
  // Nothing may come before the server's side of the TLS handshake, which
  // the client starts: bytes here would be read as none of it.
  if (head.size() > head_size) {
    co_return make_error(ErrorKind::protocol, proxy_->described() +
                                                  " sent bytes after its reply to CONNECT, before "
                                                  "the TLS handshake: is it an HTTP proxy? check " +
                                                  proxy_->source);
  }
  co_return std::nullopt;
}

awaitable<Result<Response>> ConnectionPool::send(const Request& request, const BodySink* sink) {
  // A plain-HTTP endpoint's proxy is sent every request, to forward.
  const Proxy* forward = proxy_ && !endpoint_.tls ? &*proxy_ : nullptr;
  FailureContext failure;
  failure.where = wire_where_;
  failure.request = request.action;
  failure.plain_http = !endpoint_.tls;
  if (forward != nullptr) {
    failure.forwarded_by = forwarded_by_;
    failure.proxy_source = forward->source;
  }
  if (auto refused = unsendable_header(request)) co_return std::move(*refused);
  // Once the run is stopping, nothing new goes out but cleanup.
  if (stopping() && request.on_stop != OnStop::cleanup) {
    co_return interrupted_error(Phase::write, failure);
  }
  const bool stop_grace = request.on_stop != OnStop::cut;
  const auto grace_from = std::chrono::steady_clock::now();
  // At most one transparent resend: for a pooled connection that the server
  // closed while idle, before any byte of the reply arrived. Likely unread,
  // but a request written whole may have been read before the close: if the
  // resend fails, its error says that an attempt went unanswered.
  bool resent_unanswered = false;
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> conn;
    // The resend after a stale connection takes a fresh one: the idle ones
    // beside it were likely closed by the same server at the same moment.
    while (attempt == 0 && !conn && !idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->closed_by_peer(std::chrono::steady_clock::now())) {
        counters_.stale_reconnects++;
        conn.reset();
      }
    }
    if (!conn) {
      auto fresh = co_await connect(stop_grace, grace_from);
      if (!fresh) co_return unanswered_if(resent_unanswered, fresh.error());
      conn = std::move(*fresh);
    }
    counters_.requests++;
    conn->stop_grace = stop_grace;
    conn->grace_from = grace_from;

    ExchangeState state;
    Error sink_error;
    std::optional<Response> response;
    {
      Watched watched(*watch_, *conn);
      if (auto* tls = conn->tls()) {
        response =
            co_await exchange(*tls, *conn, request, forward, sink, timeouts_, state, sink_error);
      } else {
        response = co_await exchange(*conn->plain(), *conn, request, forward, sink, timeouts_,
                                     state, sink_error);
      }
    }
    if (response) {
      // One the stop touched may have had an operation cut off in between:
      // its state is unknown.
      if (state.keep_alive && !conn->interrupted && !conn->has_bytes_after_reply()) {
        conn->reused = true;
        conn->idle_since = std::chrono::steady_clock::now();
        idle_.push_back(std::move(conn));
      }
      if (forward != nullptr) {
        if (auto refused = forwarded_reply_problem(response->status, *forward, request.host)) {
          co_return std::move(*refused);
        }
      }
      response->resent_unanswered = resent_unanswered;
      response->forwarded_by = forwarded_by_;
      co_return std::move(*response);
    }
    if (!state.ec) co_return sink_error;  // the sink refused the body
    // Not resent either, however it failed.
    if (conn->interrupted) {
      co_return unanswered_if(resent_unanswered, interrupted_error(state.failed_phase, failure));
    }
    const bool stale =
        conn->reused && !state.response_started &&
        (state.failed_phase == Phase::write || state.failed_phase == Phase::read_header) &&
        is_stale_connection_error(state.ec);
    if (stale && attempt == 0) {  // nothing reached the sink yet either
      counters_.stale_reconnects++;
      resent_unanswered = state.failed_phase == Phase::read_header;
      continue;
    }
    failure.deadline = deadline_of(state.failed_phase, timeouts_);
    failure.fresh_connection = !conn->reused;
    failure.reply_started = state.response_started;
    failure.reply_status = state.reply_status;
    co_return unanswered_if(resent_unanswered,
                            network_error(state.ec, state.failed_phase, failure));
  }
}

}  // namespace s3loop::net
