// The error type every layer boundary returns, and the Result<T> that carries it.
#pragma once

#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>

#include <cerrno>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

namespace s3loop {

// What went wrong, coarse enough for the CLI to choose an exit code and for the
// retry policy to decide whether trying again can help.
enum class ErrorKind {
  usage,        // bad flag, bad URL: the user must change the command
  config,       // credentials/config files unreadable or inconsistent
  credentials,  // no credentials found, or the server rejected them
  network,      // resolve/connect/reset/EOF
  timeout,      // a connect, handshake or read deadline passed
  tls,          // handshake or certificate verification failed
  http,         // non-S3 HTTP failure (no parsable error body)
  s3,           // the server answered with an S3 error document
  protocol,     // the reply was malformed (bad XML, bad framing, bad CRC)
  cancelled,    // the job was stopped (SIGINT)
  io,           // local file I/O
  data,         // the object's data failed the query (a CAST of text, SUM of a word)
};

struct Error {
  ErrorKind kind = ErrorKind::protocol;
  // One human-readable line, never containing secrets. The server's words in
  // it are escaped (one_line.hpp); keys and flag values it names are quoted
  // as they are, so pass it through s3loop::one_line() to show it.
  std::string message;
  unsigned http_status = 0;
  std::string s3_code;     // e.g. "NoSuchBucket", "SlowDown"
  std::string request_id;  // x-amz-request-id or <RequestId>, for support tickets
  bool retryable = false;  // transient: another attempt may succeed
  // The request went out whole and its reply was lost (none came: a read
  // timeout, a reset while waiting; or a successful one was cut off): the
  // server may have carried it out all the same.
  bool sent_unanswered = false;
  // S3 said the bucket lives in this region (a redirect, or a signature for
  // another region refused): the request can be sent again there.
  std::string bucket_region;
  // The reply shows the endpoint is no S3 server at all (it is not HTTP, or
  // a 200 that is not XML): every request to it fails alike.
  bool not_s3_endpoint = false;
};

// Thrown by Result<T>::value() on error (found through ADL by boost::system::result).
struct ErrorException : std::runtime_error {
  explicit ErrorException(Error e) : std::runtime_error(e.message), error(std::move(e)) {}
  Error error;
};

[[noreturn]] inline void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw ErrorException(e);
}

template <class T>
using Result = boost::system::result<T, Error>;

inline Error make_error(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

// An errno of a resource the system refused: a thread (EAGAIN under a
// process limit), memory, descriptors.
inline bool is_refused_resource(int errno_value) {
  return errno_value == EAGAIN || errno_value == ENOMEM || errno_value == EMFILE ||
         errno_value == ENFILE;
}

// A resource the system refused (a thread: EAGAIN under a process limit).
inline Error refused_resource(const std::string& why) {
  return make_error(ErrorKind::io, "the system refused a resource (" + why +
                                       "): lower --concurrency, --threads or --loops, or raise "
                                       "the process's limits (ulimit -u, ulimit -v)");
}

// The Error for an exception a coroutine chain let through to a job's
// boundary (caught there with catch (...)). Running out of memory -- a
// `ulimit -v`, a container's limit -- says so and what to lower.
inline Error error_from_exception(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const std::bad_alloc&) {
    return make_error(ErrorKind::io,
                      "out of memory: lower --concurrency (for select also --chunk-size), or "
                      "give the process more memory (ulimit -v, the container's limit)");
  } catch (const boost::system::system_error& e) {
    // Asio's own resources: an event loop's epoll, eventfd or timerfd that
    // the system refused (EMFILE, ENFILE) when a loop or socket was made.
    if (is_refused_resource(e.code().value())) return refused_resource(e.code().message());
    return make_error(ErrorKind::protocol, std::string("internal error: ") + e.what());
  } catch (const std::system_error& e) {
    // A thread the system would not start (EAGAIN), say.
    if (is_refused_resource(e.code().value())) return refused_resource(e.code().message());
    return make_error(ErrorKind::protocol, std::string("internal error: ") + e.what());
  } catch (const std::exception& e) {
    return make_error(ErrorKind::protocol, std::string("internal error: ") + e.what());
  } catch (...) {
    return make_error(ErrorKind::protocol, "internal error: an exception of unknown type");
  }
}

}  // namespace s3loop
