// Keep-alive HTTP/1.1 (over TLS or plain TCP) connections to one endpoint,
// used from coroutines on one executor. Not thread-safe: each event loop (or
// each blocking worker thread) owns its own pool, as Beast's examples do.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/net/counters.hpp"
#include "s3loop/net/endpoint.hpp"
#include "s3loop/net/http.hpp"
#include "s3loop/net/options.hpp"
#include "s3loop/net/proxy.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace s3loop::net {

class TlsContext;
class Connection;
class DeadlineWatch;

class ConnectionPool {
 public:
  // `stop`, when given, is the run's stop flag (Ctrl-C; set from a signal
  // handler). Once it is set, no request but a cleanup one (OnStop::cleanup)
  // is sent, and every exchange in flight -- connecting, in the TLS
  // handshake, sending, waiting for the reply or reading its body -- is cut
  // off within a tick of the DeadlineWatch (at most 0.1 s) with an error of
  // kind cancelled ("... failed: interrupted"); one whose request says so
  // (Request::on_stop) gets a short grace first. A connection cut off is
  // closed, never pooled.
  //
  // With a `proxy` (ProxySettings::for_endpoint) every connection is to it:
  // to an https:// endpoint, a CONNECT tunnel through it, asked for within
  // the connect deadline, with TLS with the endpoint inside; to a plain-HTTP
  // one, every request is sent to the proxy to forward (its URL whole in the
  // request line, with the proxy's credentials), and a 407 from it is an
  // error naming the proxy.
  ConnectionPool(boost::asio::any_io_executor executor, Endpoint endpoint,
                 std::shared_ptr<TlsContext> tls, Timeouts timeouts, Counters& counters,
                 const std::atomic<bool>* stop = nullptr, std::optional<Proxy> proxy = {});
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // One request/response exchange. With a sink the body is streamed to it and
  // Response::body stays empty; without one the body is collected (replies
  // that S3 sends whole: XML documents, small objects). A keep-alive
  // connection the server closed while idle is replaced transparently once.
  boost::asio::awaitable<Result<Response>> send(const Request& request,
                                                const BodySink* sink = nullptr);

  // Idle connections waiting for reuse (for tests and metrics).
  std::size_t idle_count() const { return idle_.size(); }

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  boost::asio::awaitable<Result<std::unique_ptr<Connection>>> connect(
      bool stop_grace, std::chrono::steady_clock::time_point grace_from);
  // Asks the proxy, over `conn` (connected to it), for the tunnel.
  boost::asio::awaitable<std::optional<Error>> open_tunnel(Connection& conn);
  bool stopping() const { return stop_ != nullptr && stop_->load(std::memory_order_relaxed); }

  boost::asio::any_io_executor executor_;
  Endpoint endpoint_;
  std::shared_ptr<TlsContext> tls_;
  Timeouts timeouts_;
  Counters& counters_;
  const std::atomic<bool>* stop_;
  std::optional<Proxy> proxy_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::string server_key_;  // "host:port" ("[v6]:port"): TLS sessions are resumed per server;
                            // errors name it
  // What errors on the wire name: server_key_, and through a proxy the proxy
  // too ("host:port through proxy p:3128 (HTTPS_PROXY)"). Made once, not per
  // request.
  std::string wire_where_;
  // Proxy::described() of a plain-HTTP endpoint's forwarding proxy; empty
  // when requests go to the server (net::Response::forwarded_by).
  std::string forwarded_by_;
  std::unique_ptr<DeadlineWatch> watch_;  // the deadlines of exchanges in flight
};

}  // namespace s3loop::net
