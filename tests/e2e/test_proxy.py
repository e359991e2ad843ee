"""HTTPS_PROXY and HTTP_PROXY: s3loop reaches an https:// endpoint through an HTTP proxy's
CONNECT tunnel, as aws cli does, with TLS to the endpoint itself inside it (the endpoint's
certificate is still verified), and sends a plain-HTTP endpoint's requests to the proxy, which
forwards them; NO_PROXY names hosts reached directly. The proxy (connect_proxy.py) records every
tunnel and forwarded request, so a test can tell what went through it from what did not."""

import time
import unittest
from urllib.parse import urlsplit

import s3env
from connect_proxy import ConnectProxy

KEYS = ["a.txt", "dir with space/b+c%20~.csv", "unicode/é✓.bin", "double//slash", "trailing/"]


class ProxyTestCase(s3env.E2ETestCase):

    def proxy(self, **options):
        proxy = ConnectProxy(**options)
        self.addCleanup(proxy.close)
        return proxy

    def run_with(self, args, **env):
        return s3env.run(args, env=s3env.base_env(**env))

    def endpoint_host_port(self):
        return f"{self.srv.host}:{self.srv.port}"

    def put_keys(self, bucket):
        """Every key of KEYS under src/, each of its own size."""
        for i, key in enumerate(KEYS):
            self.s3.put_object(Bucket=bucket, Key="src/" + key, Body=b"x" * (100 * i))

    def assert_every_key_copied(self, bucket):
        """dst/ holds what src/ holds, by an independent listing (straight to the server)."""
        src = [(k[len("src/"):], s, e) for k, s, e, _ in s3env.list_objects(self.s3, bucket, "src/")]
        dst = [(k[len("dst/"):], s, e) for k, s, e, _ in s3env.list_objects(self.s3, bucket, "dst/")]
        self.assertEqual(dst, src)
        self.assertEqual(len(dst), len(KEYS))


class ThroughAProxy(ProxyTestCase):

    def test_ls_and_cp_go_through_the_tunnel_and_copy_every_object(self):
        bucket = self.bucket("proxy")
        self.put_keys(bucket)
        proxy = self.proxy()
        p = self.run_with(["cp", f"s3://{bucket}/src/", f"s3://{bucket}/dst/",
                           "--concurrency", "4", "--debug"], HTTPS_PROXY=proxy.url())
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"s3loop: debug: proxy: connections to {self.endpoint_host_port()} are "
                      f"tunnelled through proxy 127.0.0.1:{proxy.port} (HTTPS_PROXY)", p.stderr)
        self.assert_every_key_copied(bucket)
        self.assertGreaterEqual(len(proxy.tunnels), 1)
        self.assertEqual(set(proxy.tunnels), {self.endpoint_host_port()})
        # ls too; the lower-case spelling wins over the upper-case one, as in Python's urllib.
        before = len(proxy.tunnels)
        p = self.run_with(["ls", "-r", f"s3://{bucket}/dst/"], https_proxy=proxy.url(),
                          HTTPS_PROXY=f"http://127.0.0.1:{s3env.free_port()}")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(len(p.stdout.splitlines()), len(KEYS), s3env.describe(p))
        self.assertGreater(len(proxy.tunnels), before)

    def test_the_proxy_user_and_password_are_sent_and_never_shown(self):
        bucket = self.bucket("proxy-auth")
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        proxy = self.proxy(credentials="user:p@ss word")
        p = self.run_with(["ls", f"s3://{bucket}/"],
                          HTTPS_PROXY=proxy.url("user:p%40ss%20word@"))
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(len(proxy.tunnels), 1)
        for userinfo, said in (("", "it wants a user and password: give them in HTTPS_PROXY "
                                    "(http://user:password@host:port)"),
                               ("user:wrong%20secret@", "the user and password in HTTPS_PROXY "
                                                        "were not accepted")):
            with self.subTest(userinfo=userinfo):
                p = self.run_with(["ls", f"s3://{bucket}/"], HTTPS_PROXY=proxy.url(userinfo))
                line = s3env.assert_clean_error(
                    self, p, 2, f"proxy 127.0.0.1:{proxy.port} (HTTPS_PROXY) refused the tunnel "
                    f"to {self.endpoint_host_port()}: 407 Proxy Authentication Required: {said}")
                self.assertNotIn("wrong", line)
                self.assertNotIn("secret", line)

    def test_a_proxy_that_is_down_refuses_or_never_answers_fails_at_once(self):
        bucket = self.bucket("proxy-down")
        port = s3env.free_port()
        p = self.run_with(["ls", f"s3://{bucket}/", "--max-attempts", "1"],
                          HTTPS_PROXY=f"127.0.0.1:{port}")
        s3env.assert_clean_error(self, p, 1, f"cannot connect to proxy 127.0.0.1:{port} "
                                 "(HTTPS_PROXY)", "(is the proxy up? check HTTPS_PROXY)")
        refusing = self.proxy(refuse="403 Forbidden")
        p = self.run_with(["cp", f"s3://{bucket}/a/", f"s3://{bucket}/b/"],
                          HTTPS_PROXY=refusing.url())
        s3env.assert_clean_error(
            self, p, 2, f"proxy 127.0.0.1:{refusing.port} (HTTPS_PROXY) refused the tunnel to "
            f"{self.endpoint_host_port()}: 403 Forbidden: it does not allow connections there "
            f"(NO_PROXY={self.srv.host} connects directly)")
        # Retried as a network failure: the proxy could not reach the server.
        failing = self.proxy(refuse="502 Bad Gateway")
        p = self.run_with(["ls", f"s3://{bucket}/", "--max-attempts", "2"],
                          HTTPS_PROXY=failing.url())
        s3env.assert_clean_error(self, p, 1, f"could not open a tunnel to "
                                 f"{self.endpoint_host_port()}: 502 Bad Gateway")
        self.assertEqual(failing.requests, 2)
        silent = self.proxy(silent=True)
        started = time.monotonic()
        p = self.run_with(["ls", f"s3://{bucket}/", "--connect-timeout", "1",
                           "--max-attempts", "1"], HTTPS_PROXY=silent.url())
        took = time.monotonic() - started
        s3env.assert_clean_error(self, p, 1, f"asking for a tunnel through proxy "
                                 f"127.0.0.1:{silent.port} (HTTPS_PROXY) timed out after 1 s "
                                 "(check HTTPS_PROXY, or raise --connect-timeout")
        self.assertLess(took, 15, s3env.describe(p))

    def test_a_reply_as_small_proxies_write_it_opens_the_tunnel(self):
        # No reason phrase, bare LF line ends: Python's http.client (aws cli) takes both.
        bucket = self.bucket("proxy-terse")
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        for established in (b"HTTP/1.1 200\r\n\r\n", b"HTTP/1.0 200 OK\n\n"):
            with self.subTest(established=established):
                proxy = self.proxy(established=established)
                p = self.run_with(["ls", f"s3://{bucket}/", "--connect-timeout", "5"],
                                  HTTPS_PROXY=proxy.url())
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                self.assertEqual(len(proxy.tunnels), 1)

    def test_a_tunnel_to_elsewhere_than_asked_fails_verification_naming_the_proxy(self):
        # Tunnelled to the plain-HTTP port: no advice to drop TLS, the proxy named.
        plain = urlsplit(self.srv.http_endpoint)
        proxy = self.proxy(tunnel_to=(plain.hostname, plain.port))
        p = self.run_with(["ls", "s3://any-bucket/", "--max-attempts", "1"],
                          HTTPS_PROXY=proxy.url())
        line = s3env.assert_clean_error(self, p, 1, f"through proxy 127.0.0.1:{proxy.port} "
                                        "(HTTPS_PROXY)")
        self.assertNotIn("use http://", line)

    def test_no_proxy_names_the_hosts_reached_directly(self):
        bucket = self.bucket("proxy-skip")
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        for no_proxy in (self.srv.host, f"localhost, {self.srv.host}:{self.srv.port}", "*"):
            with self.subTest(no_proxy=no_proxy):
                p = self.run_with(["ls", f"s3://{bucket}/"],
                                  HTTPS_PROXY=f"http://127.0.0.1:{s3env.free_port()}",
                                  NO_PROXY=no_proxy)
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                self.assertEqual(p.stderr, "")
        # A proxy s3loop cannot use stops no run that would not go through it (botocore
        # reads the URL only for a connection that does), nor does a port NO_PROXY does not
        # name exempt the endpoint.
        p = self.run_with(["ls", f"s3://{bucket}/"], HTTPS_PROXY="socks5h://127.0.0.1:1080",
                          NO_PROXY=self.srv.host)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        proxy = self.proxy()
        p = self.run_with(["ls", f"s3://{bucket}/"], HTTPS_PROXY=proxy.url(),
                          NO_PROXY=f"{self.srv.host}:{s3env.free_port()}")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(len(proxy.tunnels), 1)

    def test_a_proxy_url_s3loop_cannot_use_is_refused_before_any_request(self):
        for url, said in (("https://user:secret@proxy.example:3128",
                           "HTTPS_PROXY 'https://user:***@proxy.example:3128' is no proxy s3loop "
                           "can use: a proxy reached over TLS is not supported; give its http:// "
                           "address"),
                          ("socks5://127.0.0.1:1080", "the scheme must be http"),
                          ("http://127.0.0.1:99999", "the port is not a number from 1 to 65535"),
                          ("http://127.0.0.1:3128/path", "a path has no place in it"),
                          ("http://user:se/cret@127.0.0.1:3128", "'http://user:***@127.0.0.1:3128' "
                           "is no proxy s3loop can use: a '/', '?' or '#' in its user or "
                           "password must be written %2F, %3F or %23")):
            with self.subTest(url=url):
                p = self.run_with(["ls", "s3://any-bucket/"], HTTPS_PROXY=url)
                line = s3env.assert_clean_error(self, p, 2, said)
                self.assertNotIn("secret", line)


class PlainHttpEndpoint(ProxyTestCase):
    """A plain-HTTP endpoint's requests go to HTTP_PROXY, as aws cli sends them: each with its
    whole URL in the request line, for the proxy to forward, with the proxy's credentials;
    HTTPS_PROXY is not for it, nor HTTP_PROXY for an https:// endpoint."""

    def setUp(self):
        super().setUp()
        self.endpoint = self.srv.http_endpoint
        self.authority = urlsplit(self.endpoint).netloc

    def run_plain(self, args, **env):
        return self.run_with(args + ["--endpoint-url", self.endpoint], **env)

    def test_cp_and_ls_requests_are_forwarded_and_every_object_copied(self):
        bucket = self.bucket("proxy-fwd")
        self.put_keys(bucket)
        proxy = self.proxy()
        p = self.run_plain(["cp", f"s3://{bucket}/src/", f"s3://{bucket}/dst/",
                            "--concurrency", "4", "--debug"], HTTP_PROXY=proxy.url())
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"s3loop: debug: proxy: requests to {self.authority} are forwarded by "
                      f"proxy 127.0.0.1:{proxy.port} (HTTP_PROXY)", p.stderr)
        self.assert_every_key_copied(bucket)
        # Every request went through the proxy, its URL whole, its Host header kept (signed).
        self.assertEqual(proxy.tunnels, [])
        self.assertEqual(len([m for m, _, _ in proxy.forwarded if m == "PUT"]), len(KEYS))
        for method, url, host in proxy.forwarded:
            self.assertTrue(url.startswith(f"http://{self.authority}/{bucket}"), url)
            self.assertEqual(host, self.authority)
        # ls too; the lower-case spelling wins over the upper-case one, as in Python's urllib.
        before = len(proxy.forwarded)
        p = self.run_plain(["ls", "-r", f"s3://{bucket}/dst/"], http_proxy=proxy.url(),
                           HTTP_PROXY=f"http://127.0.0.1:{s3env.free_port()}")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(len(p.stdout.splitlines()), len(KEYS), s3env.describe(p))
        self.assertGreater(len(proxy.forwarded), before)

    def test_the_proxy_user_and_password_are_sent_and_a_407_is_named(self):
        bucket = self.bucket("proxy-fwd-auth")
        self.s3.put_object(Bucket=bucket, Key="src/k", Body=b"x")
        proxy = self.proxy(credentials="user:p@ss word")
        p = self.run_plain(["ls", f"s3://{bucket}/"], HTTP_PROXY=proxy.url("user:p%40ss%20word@"))
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(len(p.stdout.splitlines()), 1, s3env.describe(p))
        for userinfo, said in (("", "it wants a user and password: give them in HTTP_PROXY "
                                    "(http://user:password@host:port)"),
                               ("user:wrong%20secret@", "the user and password in HTTP_PROXY "
                                                        "were not accepted")):
            with self.subTest(userinfo=userinfo):
                p = self.run_plain(["cp", f"s3://{bucket}/src/", f"s3://{bucket}/copy/"],
                                   HTTP_PROXY=proxy.url(userinfo))
                line = s3env.assert_clean_error(
                    self, p, 2, f"proxy 127.0.0.1:{proxy.port} (HTTP_PROXY) refused to forward "
                    f"the request to {self.authority}: 407 Proxy Authentication Required: {said}")
                self.assertNotIn("wrong", line)
                self.assertNotIn("secret", line)
        self.assertEqual([k for k, _, _, _ in s3env.list_objects(self.s3, bucket, "")], ["src/k"])

    def test_a_407_after_the_first_requests_stops_the_whole_job_once(self):
        # The listing passes, every copy is refused (proxy credentials expiring mid-run): one
        # error line and exit 2, not one line per object (a review's finding: 400 lines).
        bucket = self.bucket("proxy-fwd-mid")
        for i in range(40):
            self.s3.put_object(Bucket=bucket, Key=f"src/{i:03}", Body=b"x")
        proxy = self.proxy(refuse="407 Proxy Authentication Required", refuse_only="PUT")
        p = self.run_plain(["cp", f"s3://{bucket}/src/", f"s3://{bucket}/dst/",
                            "--concurrency", "8"], HTTP_PROXY=proxy.url())
        s3env.assert_clean_error(self, p, 2, f"proxy 127.0.0.1:{proxy.port} (HTTP_PROXY) refused "
                                 "to forward the request", "407 Proxy Authentication Required")
        self.assertEqual(s3env.list_objects(self.s3, bucket, "dst/"), [])

    def test_a_proxy_that_is_down_or_cannot_reach_the_server_is_named(self):
        bucket = self.bucket("proxy-fwd-down")
        port = s3env.free_port()
        p = self.run_plain(["ls", f"s3://{bucket}/", "--max-attempts", "1"],
                           HTTP_PROXY=f"127.0.0.1:{port}")
        s3env.assert_clean_error(self, p, 1, f"cannot connect to proxy 127.0.0.1:{port} "
                                 "(HTTP_PROXY)", "(is the proxy up? check HTTP_PROXY)")
        # A 502 from the proxy is retried, as a server's would be.
        failing = self.proxy(refuse="502 Bad Gateway")
        p = self.run_plain(["ls", f"s3://{bucket}/", "--max-attempts", "2"],
                           HTTP_PROXY=failing.url())
        s3env.assert_clean_error(self, p, 1, "502", f"a reply without an S3 error document, "
                                 f"through proxy 127.0.0.1:{failing.port} (HTTP_PROXY): it may be "
                                 "the proxy's own")
        self.assertEqual(len(failing.forwarded), 2)
        # A proxy's own refusal is not taken for the bucket's alone.
        refusing = self.proxy(refuse="403 Forbidden")
        p = self.run_plain(["ls", f"s3://{bucket}/"], HTTP_PROXY=refusing.url())
        s3env.assert_clean_error(self, p, 1, f"access denied to s3://{bucket}/ (Forbidden) (a "
                                 f"reply without an S3 error document, through proxy "
                                 f"127.0.0.1:{refusing.port} (HTTP_PROXY): it may be the proxy's "
                                 "own)")
        # select's HeadObject answered by the proxy (no x-amz-request-id): not taken for the
        # object's absence alone.
        self.s3.put_object(Bucket=bucket, Key="t.csv", Body=b"a,b\n1,2\n")
        missing = self.proxy(refuse="404 Not Found", refuse_only="HEAD")
        p = self.run_plain(["select", f"s3://{bucket}/t.csv", "-e", "SELECT * FROM s3object"],
                           HTTP_PROXY=missing.url())
        s3env.assert_clean_error(self, p, 1, f"object s3://{bucket}/t.csv does not exist "
                                 f"(NoSuchKey) (a reply without an S3 error document, through "
                                 f"proxy 127.0.0.1:{missing.port} (HTTP_PROXY): it may be the "
                                 "proxy's own)")
        # A proxy that closes the connection on a request is named with the server.
        hanging_up = self.proxy(hang_up=True)
        p = self.run_plain(["ls", f"s3://{bucket}/", "--max-attempts", "1"],
                           HTTP_PROXY=hanging_up.url())
        s3env.assert_clean_error(self, p, 1, f"connection closed by {self.authority} through "
                                 f"proxy 127.0.0.1:{hanging_up.port} (HTTP_PROXY)")

    def test_which_proxy_is_for_which_endpoint_and_no_proxy(self):
        bucket = self.bucket("proxy-http")
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        unused = f"http://127.0.0.1:{s3env.free_port()}"
        # HTTPS_PROXY is not for a plain-HTTP endpoint, not even read (a socks5:// one stops
        # nothing); HTTP_PROXY is not for an https:// one.
        for run, env in ((self.run_plain, {"HTTPS_PROXY": "socks5://127.0.0.1:1080"}),
                         (self.run_with, {"HTTP_PROXY": "socks5://127.0.0.1:1080"}),
                         (self.run_with, {"HTTP_PROXY": unused}),
                         (self.run_plain, {"HTTP_PROXY": unused, "NO_PROXY": self.authority}),
                         (self.run_plain, {"HTTP_PROXY": "socks5://127.0.0.1:1080",
                                           "no_proxy": self.srv.host})):
            with self.subTest(endpoint=run.__name__, env=env):
                p = run(["ls", f"s3://{bucket}/"], **env)
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                self.assertEqual(p.stderr, "")
                self.assertEqual(len(p.stdout.splitlines()), 1, s3env.describe(p))
        # --debug says which.
        p = self.run_plain(["ls", f"s3://{bucket}/", "--debug"], HTTP_PROXY=unused,
                           NO_PROXY=self.srv.host)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"s3loop: debug: proxy: proxy {urlsplit(unused).netloc} (HTTP_PROXY) is not "
                      f"used for {self.authority} (NO_PROXY names it)", p.stderr)
        # One it would go through, and cannot use, is refused before any request.
        p = self.run_plain(["ls", f"s3://{bucket}/"], HTTP_PROXY="socks5://127.0.0.1:1080")
        s3env.assert_clean_error(self, p, 2, "HTTP_PROXY 'socks5://127.0.0.1:1080' is no proxy "
                                 "s3loop can use", "the scheme must be http")


if __name__ == "__main__":
    unittest.main()
