/* bench/rss_floor.c: the smallest TLS client -- one verified connection with
 * OpenSSL and nothing else -- to measure the resident memory any process pays
 * for OpenSSL before it holds a single connection of its own. bench/rss-floor
 * builds and runs it.
 *
 *   rss_floor HOST PORT CA_FILE
 *
 * Prints, after each step, the process's resident KiB in total and in the
 * pages mapped from libcrypto (0 when linked statically), as
 * "step total_kib libcrypto_kib". Exit 1 when the connection fails. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

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

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: rss_floor HOST PORT CA_FILE\n");
    return 2;
  }
  const char* host = argv[1];
  char address[300];
  snprintf(address, sizeof address, "%s:%s", host, argv[2]);
  report("start");
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL) return 1;
  report("context");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  if (SSL_CTX_load_verify_locations(ctx, argv[3], NULL) != 1) {
    ERR_print_errors_fp(stderr);
    return 1;
  }
  report("trust");
  BIO* bio = BIO_new_ssl_connect(ctx);
  SSL* ssl = NULL;
  BIO_get_ssl(bio, &ssl);
  BIO_set_conn_hostname(bio, address);
  SSL_set_tlsext_host_name(ssl, host);
  /* The certificate must name the server: its IP address, or else its name. */
  if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1) {
    X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), host, 0);
  }
  if (BIO_do_connect(bio) != 1 || BIO_do_handshake(bio) != 1 ||
      SSL_get_verify_result(ssl) != X509_V_OK) {
    ERR_print_errors_fp(stderr);
    fprintf(stderr, "rss_floor: no verified TLS connection to %s\n", address);
    return 1;
  }
  report("connected");
  BIO_free_all(bio);
  SSL_CTX_free(ctx);
  return 0;
}
