// Turns Asio/Beast/OpenSSL error codes into s3loop::Error with a message a
// user can act on. Private to net.
#pragma once

#include "s3loop/error.hpp"

#include <boost/system/error_code.hpp>

#include <string>

namespace s3loop::net {

enum class Phase { resolve, connect, handshake, write, read_header, read_body };

// `where` is "host:port"; `tls_detail` is OpenSSL's verify-result text when a
// certificate was rejected.
Error network_error(const boost::system::error_code& ec, Phase phase, const std::string& where,
                    const std::string& tls_detail = {});

// True for the errors a keep-alive connection shows when the server closed it
// while it sat idle: safe to resend on a fresh connection.
bool is_stale_connection_error(const boost::system::error_code& ec);

}  // namespace s3loop::net
