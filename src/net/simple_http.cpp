#include "s3loop/net/simple_http.hpp"

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <optional>

namespace s3loop::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::size_t kMostBodyBytes = 64 * 1024;

}  // namespace

Result<SimpleReply> simple_http_request(std::string_view method, const std::string& url,
                                        const SimpleHeaders& headers,
                                        std::chrono::milliseconds timeout) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || parsed->scheme() != "http" || !parsed->has_authority() || parsed->host().empty()) {
    return make_error(ErrorKind::config,
                      fmt::format("'{}' is no http://host[:port]/path URL", url));
  }
  std::string host = parsed->host_type() == boost::urls::host_type::ipv6
                         ? std::string(parsed->encoded_host_address())
                         : std::string(parsed->host());
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
  std::string target = std::string(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  asio::io_context io;
  beast::tcp_stream stream(io);
  asio::ip::tcp::resolver resolver(io);
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, std::string(parsed->encoded_host_and_port()));
  request.set(http::field::user_agent, "s3loop");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMostBodyBytes);
  std::optional<boost::system::error_code> failed;
  bool replied = false;

  // The whole exchange runs on this thread's own loop, under one deadline:
  // the tcp_stream's for connect, write and read, and run_for as a backstop
  // for the lookup (an IP address, as metadata endpoints are, needs none).
  stream.expires_after(timeout);
  resolver.async_resolve(host, port, [&](boost::system::error_code resolved, auto results) {
    if (resolved) {
      failed = resolved;
      return;
    }
    stream.async_connect(results, [&](boost::system::error_code connected, const auto&) {
      if (connected) {
        failed = connected;
        return;
      }
      http::async_write(stream, request, [&](boost::system::error_code written, std::size_t) {
        if (written) {
          failed = written;
          return;
        }
        http::async_read(stream, buffer, parser, [&](boost::system::error_code read, std::size_t) {
          if (read) {
            failed = read;
            return;
          }
          replied = true;
        });
      });
    });
  });
  io.run_for(timeout + std::chrono::milliseconds(100));
  if (!replied) {
    if (!failed || *failed == beast::error::timeout) {
      return make_error(ErrorKind::timeout,
                        fmt::format("no reply from {} within {} ms", url, timeout.count()));
    }
    return make_error(ErrorKind::network, fmt::format("{}: {}", url, failed->message()));
  }
  SimpleReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.body = std::move(parser.get().body());
  return reply;
}

}  // namespace s3loop::net
