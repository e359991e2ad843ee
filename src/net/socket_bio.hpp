// An OpenSSL BIO over a connected, non-blocking socket. Private to net.
//
// Why not OpenSSL's own socket BIO: it writes with write(2), which raises
// SIGPIPE when the peer has reset the connection, and a library must not
// kill its host process or change its signal dispositions. This one sends
// with MSG_NOSIGNAL and otherwise behaves like the socket BIO: EAGAIN asks
// the caller to retry, a read of 0 marks end of file (which OpenSSL turns
// into "unexpected EOF" when no close_notify came first).
#pragma once

#include <openssl/bio.h>

namespace s3loop::net {

// A BIO reading and writing `fd` (not owned: closing stays the socket's job).
// Null when OpenSSL cannot allocate it.
BIO* new_socket_bio(int fd);

// A wait found the socket readable: the next read asks the socket again.
// (After a short read the BIO answers "retry" without a recv until then.)
void socket_bio_readable(BIO* bio);

}  // namespace s3loop::net
