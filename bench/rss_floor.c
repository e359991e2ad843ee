/* bench/rss_floor.c: the smallest TLS client -- verified connections with
 * OpenSSL and nothing else -- to measure the resident memory any process pays
 * for OpenSSL before it holds a single connection of its own, and what each
 * further connection held open adds. bench/rss-floor builds and runs it.
 *
 *   rss_floor HOST PORT CA_FILE [CONNECTIONS]
 *
 * Opens CONNECTIONS (default 1) verified TLS connections, all held open at
 * once, as s3loop holds one per request in flight: each after the first
 * resumes the first's session, sends one HTTP request and reads the reply's
 * header (in TLS 1.3 the session tickets come then), with OpenSSL's record
 * buffers released while idle -- what s3loop does, so the floor is like for
 * like. Prints, after each step, the process's resident KiB in total and in
 * the pages mapped from libcrypto (0 when linked statically), as
 * "step total_kib libcrypto_kib". Exit 1 when a connection fails. */
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void report(const char* step) {
  FILE* maps = fopen("/proc/self/smaps", "r");
  char line[512];
  int in_libcrypto = 0;
  long total = 0, libcrypto = 0, kib = 0;
  if (maps == NULL) return;
  while (fgets(line, sizeof line, maps) != NULL) {
    unsigned long start, end;
    /* A mapping's header line: "start-end perms offset dev inode [path]". */
    if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, ' ') > strchr(line, '-')) {
      in_libcrypto = strstr(line, "/libcrypto.so") != NULL;
    } else if (sscanf(line, "Rss: %ld kB", &kib) == 1) {
      total += kib;
      if (in_libcrypto) libcrypto += kib;
    }
  }
  fclose(maps);
  printf("%s %ld %ld\n", step, total, libcrypto);
}

/* One verified connection, made over a socket connected to `server`, that
 * has sent one request and read its reply's header; NULL when it failed. */
static SSL* open_connection(SSL_CTX* ctx, const struct addrinfo* server, const char* host,
                            const char* address, SSL_SESSION* resume) {
  int fd = socket(server->ai_family, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, server->ai_addr, server->ai_addrlen) != 0) {
    if (fd >= 0) close(fd);
    return NULL;
  }
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, host);
  /* The certificate must name the server: its IP address, or else its name. */
  if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1) {
    X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), host, 0);
  }
  if (resume != NULL) SSL_set_session(ssl, resume);
  char request[400];
  snprintf(request, sizeof request, "HEAD / HTTP/1.1\r\nHost: %s\r\n\r\n", address);
  if (SSL_connect(ssl) != 1 || SSL_get_verify_result(ssl) != X509_V_OK ||
      SSL_write(ssl, request, (int)strlen(request)) != (int)strlen(request)) {
    SSL_free(ssl);
    close(fd);
    return NULL;
  }
  /* Read until the reply's header ends (a HEAD reply has no body). */
  char reply[4096];
  size_t have = 0;
  while (have < sizeof reply - 1) {
    int n = SSL_read(ssl, reply + have, (int)(sizeof reply - 1 - have));
    if (n <= 0) break;
    have += (size_t)n;
    reply[have] = '\0';
    if (strstr(reply, "\r\n\r\n") != NULL) return ssl;
  }
  SSL_free(ssl);
  close(fd);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: rss_floor HOST PORT CA_FILE [CONNECTIONS]\n");
    return 2;
  }
  const char* host = argv[1];
  int connections = argc == 5 ? atoi(argv[4]) : 1;
  if (connections < 1) {
    fprintf(stderr, "rss_floor: CONNECTIONS must be 1 or more\n");
    return 2;
  }
  char address[300];
  snprintf(address, sizeof address, "%s:%s", host, argv[2]);
  /* Resolved once, as a client with a pool of connections to one host does. */
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
  struct addrinfo* server = NULL;
  if (getaddrinfo(host, argv[2], &hints, &server) != 0) {
    fprintf(stderr, "rss_floor: cannot resolve %s\n", address);
    return 1;
  }
  report("start");
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL) return 1;
  /* Record buffers released while a connection is idle, as s3loop's are. */
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  report("context");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  if (SSL_CTX_load_verify_locations(ctx, argv[3], NULL) != 1) {
    ERR_print_errors_fp(stderr);
    return 1;
  }
  report("trust");
  SSL** held = calloc((size_t)connections, sizeof *held);
  SSL_SESSION* session = NULL;
  int resumed = 0;
  for (int i = 0; i < connections; i++) {
    held[i] = open_connection(ctx, server, host, address, session);
    if (held[i] == NULL) {
      ERR_print_errors_fp(stderr);
      fprintf(stderr, "rss_floor: no verified TLS connection %d to %s\n", i + 1, address);
      return 1;
    }
    if (i == 0) {
      session = SSL_get1_session(held[i]);
      report("connected");
    } else if (SSL_session_reused(held[i])) {
      resumed++;
    }
  }
  if (connections > 1) {
    char step[64];
    snprintf(step, sizeof step, "holding-%d-resumed-%d", connections, resumed);
    report(step);
  }
  for (int i = 0; i < connections; i++) {
    int fd = SSL_get_fd(held[i]);
    SSL_free(held[i]);
    close(fd);
  }
  free(held);
  SSL_SESSION_free(session);
  SSL_CTX_free(ctx);
  freeaddrinfo(server);
  return 0;
}
