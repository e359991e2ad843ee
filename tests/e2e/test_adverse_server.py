"""Servers that answer wrongly in ways radosgw never does (a review's findings): s3loop must
end with a clear error, not loop for ever or answer for data it never saw."""
import http.client
import json
import http.server
import os
import socket
import ssl
import threading
import time
import unittest
from urllib.parse import urlsplit

import s3env

PAGE = (b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<Name>bkt</Name><Prefix>src/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
        b"<IsTruncated>true</IsTruncated><NextContinuationToken>same</NextContinuationToken>"
        b"<Contents><Key>src/a.csv</Key><LastModified>2026-12-05T00:00:00.000Z</LastModified>"
        b'<ETag>"0123456789abcdef0123456789abcdef"</ETag><Size>6</Size>'
        b"<StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>")


OBJECT = b"id,v\n" + b"".join(b"%d,%d\n" % (i, i % 7) for i in range(1, 2000))
BIG_OBJECT = b"id,v\n" + b"".join(b"%d,%d\n" % (i, i % 7) for i in range(1, 50000))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # each reply ends with its connection

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests += 1
        if self.path.startswith("/bkt/endless-range/"):
            # 206 for the range asked, then bytes without end (no length: until the close).
            self.send_response(206)
            self.send_header("ETag", '"0123456789abcdef0123456789abcdef"')
            self.end_headers()
            block = b"id,v\n" + b"1,2\n" * (1 << 16)
            try:
                while not self.server.stopping:
                    self.wfile.write(block)
            except OSError:
                pass
            return
        if self.path.startswith("/bkt/short/"):
            # A 206 read until the close (HTTP/1.0, no length) whose connection closes half
            # way, the first time a read from a 16 KiB boundary (or the byte before) is asked.
            first, last = (int(n) for n in
                           self.headers["Range"].removeprefix("bytes=").split("-"))
            last = min(last, len(BIG_OBJECT) - 1)
            body = BIG_OBJECT[first:last + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {first}-{last}/{len(BIG_OBJECT)}")
            self.send_header("ETag", '"0123456789abcdef0123456789abcdef"')
            self.end_headers()
            shorted = self.server.__dict__.setdefault("shorted", set())
            cut = first % 16384 in (0, 16383) and first not in shorted
            self.wfile.write(body[:len(body) // 2] if cut else body)
            shorted.add(first)
            return
        if self.path.startswith("/bkt/shifted/"):
            # 206 of the length asked for, but 7 bytes further on (a stray or broken
            # middlebox): the Content-Range says so.
            first, last = (int(n) for n in
                           self.headers["Range"].removeprefix("bytes=").split("-"))
            last = min(last, len(OBJECT) - 1)
            first, last = min(first + 7, len(OBJECT) - 1), min(last + 7, len(OBJECT) - 1)
            body = OBJECT[first:last + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {first}-{last}/{len(OBJECT)}")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", '"0123456789abcdef0123456789abcdef"')
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/bkt/rng/"):
            # Range ignored: 200 and the whole object.
            self.send_response(200)
            self.send_header("Content-Length", str(len(OBJECT)))
            self.send_header("ETag", '"0123456789abcdef0123456789abcdef"')
            self.end_headers()
            self.wfile.write(OBJECT)
            return
        if "prefix=flood" in self.path:
            # A reply with no end: no length, its bytes until the connection closes.
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(PAGE[:PAGE.index(b"<Contents>")])
            comment = b"<!--" + b"x" * (1 << 20) + b"-->"
            try:
                while not self.server.stopping:
                    self.wfile.write(comment)
            except OSError:
                pass
            return
        if "prefix=endless-chunk" in self.path:
            # A chunk size line whose extension never ends: Beast limits a header, not this.
            self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10;")
            try:
                while not self.server.stopping:
                    self.wfile.write(b"e" * 65536)
            except OSError:
                pass
            return
        if "prefix=interim" in self.path:
            # Interim replies without end, as fast as they go.
            try:
                while not self.server.stopping:
                    self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n" * 1000)
            except OSError:
                pass
            return
        if "prefix=status099" in self.path:
            # A status no HTTP has (100-599 only).
            self.wfile.write(b"HTTP/1.1 099 Weird\r\nContent-Length: 0\r\n\r\n")
            return
        if "prefix=one" in self.path:
            page = PAGE.replace(b"<IsTruncated>true</IsTruncated>",
                                b"<IsTruncated>false</IsTruncated>")
            page = page.replace(b"src/a.csv", b"one/a.csv").replace(b"src/", b"one/")
            self.send_response(200)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if "prefix=outside" in self.path:
            # A page whose key lies outside the prefix asked for (its next token differs).
            page = PAGE.replace(b"<Prefix>src/</Prefix>", b"<Prefix>outside/</Prefix>")
            page = page.replace(b"src/a.csv", b"0zz/a.csv").replace(b">same<", b">next<")
            self.send_response(200)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if "prefix=stub" in self.path:
            # A 200 listing that does not say whether it is the last page (a proxy's stub).
            page = b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult/>'
            self.send_response(200)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if "prefix=huge" in self.path:
            self.send_response(200)
            self.send_header("Content-Length", str(100 << 20))
            self.end_headers()
            return
        # Every ListObjectsV2 page says "more, from token 'same'", whatever it was asked.
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def do_PUT(self):
        # CopyObject's reply in 1-byte chunks, one every 0.2 s: slow, but never idle.
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = (b'<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult>'
                b"<LastModified>2026-12-05T00:00:00.000Z</LastModified>"
                b'<ETag>"0123456789abcdef0123456789abcdef"</ETag></CopyObjectResult>')
        first = body[:-20]
        self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                         b"Connection: close\r\n\r\n" + b"%x\r\n" % len(first) + first + b"\r\n")
        self.wfile.flush()
        for i in range(len(body) - 20, len(body)):
            time.sleep(0.2)
            self.wfile.write(b"1\r\n" + body[i:i + 1] + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def do_HEAD(self):
        # An object's HEAD with no Content-Length: its size is unknown, not 0.
        self.send_response(200)
        if self.path.startswith(("/bkt/rng/", "/bkt/shifted/")):
            self.send_header("Content-Length", str(len(OBJECT)))
        if self.path.startswith("/bkt/short/"):
            self.send_header("Content-Length", str(len(BIG_OBJECT)))
        if self.path.startswith("/bkt/endless-range/"):
            self.send_header("Content-Length", str(10 << 30))
        self.send_header("ETag", '"0123456789abcdef0123456789abcdef"')
        self.send_header("Content-Type", "text/csv")
        self.end_headers()


class AdverseServer(unittest.TestCase):
    def setUp(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.requests = 0
        self.httpd.stopping = False
        self.addCleanup(setattr, self.httpd, "stopping", True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.addCleanup(self.httpd.server_close)
        self.addCleanup(self.httpd.shutdown)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def run_s3loop(self, *args):
        return s3env.run([*args, "--endpoint-url", self.endpoint, "--max-attempts", "1"],
                         timeout=60)

    def test_a_line_without_end_or_interim_replies_without_end_fail_at_once(self):
        # A review's findings: an endless chunk extension grew the read buffer to 5.5 GiB,
        # with no deadline or first Ctrl-C ending it (each read completed at once); endless
        # 100 Continue replies ran for ever. Both fail at once with one line, memory small.
        for prefix, said in (("endless-chunk", "the reply has a line longer than 256 KiB"),
                             ("interim", "no final reply (a status line that is not HTTP's, "
                                         "or more than 32 interim 1xx replies)")):
            with self.subTest(prefix=prefix):
                started = time.monotonic()
                p = self.run_s3loop("ls", f"s3://bkt/{prefix}/", "--read-timeout", "30",
                                    "--json")
                took = time.monotonic() - started
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 1, s3env.describe(p))
                self.assertIn(said, p.stderr, s3env.describe(p))
                self.assertLess(took, 20, s3env.describe(p))

    def test_a_status_no_http_has_is_no_reply(self):
        # "HTTP/1.1 099" was read as a final reply (an error with status 99).
        p = self.run_s3loop("ls", "s3://bkt/status099/")
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("no final reply (a status line that is not HTTP's", p.stderr,
                      s3env.describe(p))

    def test_a_continuation_token_given_back_ends_the_listing(self):
        # ls, ls -r listing one page after another, and a serial copy looped for ever (one
        # copy copied the same object 69,074 times in 20 s).
        for args in (["ls", "s3://bkt/src/"],
                     ["ls", "-r", "s3://bkt/src/", "--list-concurrency", "1"]):
            with self.subTest(args=args):
                self.httpd.requests = 0
                p = self.run_s3loop(*args)
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 1, s3env.describe(p))
                self.assertIn("gave back the NextContinuationToken it was asked with",
                              p.stderr, s3env.describe(p))
                self.assertLessEqual(self.httpd.requests, 3)

    def test_a_key_outside_the_prefix_is_refused(self):
        # A review: taken for the end of a parallel listing's range, such a key ended it (ls
        # -r printed 999 of 3,500 keys, cp copied 999, exit 0); a sequential listing printed it.
        for args in (["ls", "s3://bkt/outside/"],
                     ["ls", "-r", "s3://bkt/outside/", "--list-concurrency", "1"],
                     ["ls", "-r", "s3://bkt/outside/"],
                     ["cp", "s3://bkt/outside/", "s3://bkt/dst/"]):
            with self.subTest(args=args):
                p = self.run_s3loop(*args)
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 1, s3env.describe(p))
                self.assertIn('ListObjectsV2 reply has a key outside the prefix asked for '
                              '("0zz/a.csv")', p.stderr, s3env.describe(p))
                self.assertNotIn("0zz", p.stdout, s3env.describe(p))

    def test_a_listing_page_that_does_not_say_it_is_the_last_ends_nothing(self):
        # A listing without <IsTruncated> read as a complete, empty one: ls and cp exited 0,
        # cp having copied nothing.
        for args in (["ls", "s3://bkt/stub/"], ["ls", "-r", "s3://bkt/stub/"],
                     ["cp", "s3://bkt/stub/", "s3://bkt/dst/"]):
            with self.subTest(args=args):
                p = self.run_s3loop(*args)
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 1, s3env.describe(p))
                self.assertIn("ListObjectsV2 reply has no <IsTruncated>, so whether the listing "
                              "is complete is unknown", p.stderr, s3env.describe(p))
                self.assertEqual(p.stdout, "", s3env.describe(p))

    def test_a_reply_document_without_end_is_refused_not_held(self):
        # An endless ListObjectsV2 reply was held whole: 8 GiB, deaf to Ctrl-C. A reply
        # document is cut at 64 MiB; one that says it is longer is refused at its header.
        for prefix in ("flood", "huge"):
            with self.subTest(prefix=prefix):
                p = s3env.run(["-f", "%M", s3env.s3loop_bin(), "ls", f"s3://bkt/{prefix}/",
                               "--endpoint-url", self.endpoint, "--max-attempts", "1"],
                              binary="/usr/bin/time", timeout=120)
                self.assertEqual(p.returncode, 1, s3env.describe(p))
                self.assertIn(f"ListObjectsV2 s3://bkt/{prefix}/ failed: the server's 200 reply "
                              "is longer than 64 MiB", p.stderr, s3env.describe(p))
                peak_kib = int(p.stderr.strip().splitlines()[-1])
                self.assertLess(peak_kib, 400 * 1024, s3env.describe(p))

    def test_a_range_read_whole_holds_no_more_than_the_range(self):
        # select reads the object's first bytes whole (its header line): a server answering
        # that range with 206 and bytes without end grew the process to a gigabyte (a security
        # review). A range kept whole is bounded by its length.
        p = s3env.run(["-f", "%M", s3env.s3loop_bin(), "select", "s3://bkt/endless-range/a.csv",
                       "-e", "SELECT COUNT(*) FROM S3Object", "--engine", "local",
                       "--endpoint-url", self.endpoint, "--max-attempts", "1"],
                      binary="/usr/bin/time", timeout=120)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertRegex(p.stderr, r"GetObject s3://bkt/endless-range/a\.csv failed: the "
                                   r"server's 206 reply to a range of \d+ bytes holds more than "
                                   r"the range", s3env.describe(p))
        peak_kib = int(p.stderr.strip().splitlines()[-1])
        self.assertLess(peak_kib, 200 * 1024, s3env.describe(p))

    def test_a_reply_trickling_in_small_chunks_is_progress_not_idle(self):
        # The idle deadline covered filling a 16 KiB buffer: 1-byte chunks every 0.2 s
        # failed as "no data for 1 s"; the trickle takes 4 s.
        p = self.run_s3loop("cp", "s3://bkt/one/", "s3://bkt/dst/", "--read-timeout", "2",
                            "--json")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.parse_json_summary(self, p)["copied"], 1, s3env.describe(p))

    def test_a_server_that_ignores_range_is_said_so(self):
        # Each range read the whole object, then the select blamed a change of the object.
        p = self.run_s3loop("select", "s3://bkt/rng/a.csv", "--engine", "local",
                            "--chunk-size", "4KiB", "-e", "SELECT COUNT(*) FROM S3Object")
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertEqual(p.stdout, "")
        self.assertIn("the server answered a ranged GET with 200 and the whole object",
                      p.stderr, s3env.describe(p))

    def test_a_range_the_server_did_not_send_is_refused(self):
        # A review: 206s of other bytes than asked (same length) were read as the ranges
        # asked for; select printed records lost and repeated, exit 0.
        p = self.run_s3loop("select", "s3://bkt/shifted/a.csv", "--engine", "local",
                            "--chunk-size", "4KiB", "-e", "SELECT COUNT(*) FROM S3Object")
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertEqual(p.stdout, "")
        self.assertIn("(its Content-Range), not the range asked for, bytes 0-", p.stderr,
                      s3env.describe(p))

    def test_a_range_read_until_the_close_that_ends_short_is_resumed(self):
        # A review: it was taken for the range's end, and select failed asking whether the
        # object changed (a changed object fails If-Match with 412), not retried.
        p = s3env.run(["select", "s3://bkt/short/a.csv", "--engine", "local", "--chunk-size",
                       "16KiB", "-e", "SELECT COUNT(*) FROM S3Object", "--json",
                       "--endpoint-url", self.endpoint], timeout=60)
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stdout.strip(), str(BIG_OBJECT.count(b"\n") - 1))
        self.assertGreater(json.loads(p.stderr.strip().splitlines()[-1])["retries"], 5)
        # With no attempt left: a broken read, named so, exit 1.
        self.httpd.shorted = set()
        p = self.run_s3loop("select", "s3://bkt/short/a.csv", "--engine", "local",
                            "--chunk-size", "16KiB", "-e", "SELECT COUNT(*) FROM S3Object")
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("while reading the reply body", p.stderr, s3env.describe(p))
        self.assertNotIn("did the object change", p.stderr, s3env.describe(p))

    def test_a_head_without_content_length_is_no_empty_object(self):
        # select answered COUNT(*) 0, exit 0, "the object is empty".
        p = self.run_s3loop("select", "s3://bkt/src/a.csv", "--engine", "local",
                            "-e", "SELECT COUNT(*) FROM S3Object")
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertEqual(p.stdout, "")
        self.assertIn("the reply has no valid Content-Length (none)", p.stderr,
                      s3env.describe(p))


# --- a stray reply after a real one, over TLS, in front of the real server ---------------

EMPTY_LAST_PAGE = (b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>'
                   b"<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>")
STRAY_REPLY = (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(EMPTY_LAST_PAGE)
               + EMPTY_LAST_PAGE)


class StrayReplyProxy:
    """A TLS proxy (the local server's certificate: AWS_CA_BUNDLE verifies it) in front of
    the server's plain-HTTP port that passes every request on and, after the reply to a
    listing's first page, sends in the same write a second reply nobody asked for: an
    empty last page. A client that read it as the next request's reply would end the
    listing after one page."""

    def __init__(self):
        cert_dir = os.environ.get("S3LOOP_S3_DIR")
        if not cert_dir:
            raise s3env.SetupError("S3LOOP_S3_DIR is not set: run through scripts/test.sh")
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(f"{cert_dir}/server.pem", f"{cert_dir}/server.key")
        upstream = urlsplit(s3env.server().http_endpoint)
        self.upstream = (upstream.hostname, upstream.port)
        self.strays = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"https://127.0.0.1:{self.sock.getsockname()[1]}"
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def close(self):
        self.closed = True
        self.sock.close()

    def accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                reader = tls.makefile("rb")
                while True:
                    line = reader.readline()
                    if not line:
                        return
                    method, target, _ = line.decode("latin-1").split(" ", 2)
                    headers = []
                    while (header := reader.readline()) not in (b"\r\n", b""):
                        name, _, value = header.decode("latin-1").partition(":")
                        headers.append((name, value.strip()))
                    length = int(dict((n.lower(), v) for n, v in headers).get("content-length", 0))
                    body = reader.read(length) if length else None
                    upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
                    upstream.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                    for name, value in headers:
                        upstream.putheader(name, value)
                    upstream.endheaders(body)
                    reply = upstream.getresponse()
                    data = reply.read()
                    upstream.close()
                    out = b"HTTP/1.1 %d %s\r\n" % (reply.status, reply.reason.encode())
                    for name, value in reply.getheaders():
                        if name.lower() not in ("content-length", "transfer-encoding",
                                                "connection"):
                            out += b"%s: %s\r\n" % (name.encode(), value.encode("latin-1"))
                    if method == "HEAD":
                        out += b"Content-Length: %s\r\n\r\n" % reply.getheader(
                            "Content-Length", "0").encode()
                    else:
                        out += b"Content-Length: %d\r\n\r\n" % len(data) + data
                    if "list-type=2" in target and "continuation-token" not in target:
                        out += STRAY_REPLY
                        self.strays += 1
                    tls.sendall(out)
        except (OSError, ValueError):
            pass


class StrayReply(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = s3env.client()
        cls.bucket = s3env.unique_bucket("stray")
        s3env.make_bucket(cls.s3, cls.bucket)
        # More than one listing page.
        s3env.datagen(f"s3://{cls.bucket}/src/", 1100, max_size=0)

    @classmethod
    def tearDownClass(cls):
        s3env.discard_bucket(cls.s3, cls.bucket)

    def test_bytes_after_a_reply_are_not_taken_for_the_next_reply(self):
        # RFC 9112 6.3. The stray reply stayed in OpenSSL's read-ahead and answered the
        # next page's request: ls printed 1,000 of 1,100 keys, exit 0; a copy took a
        # listing page for its CopyObject result.
        proxy = StrayReplyProxy()
        self.addCleanup(proxy.close)
        for args in (["ls", "-r", f"s3://{self.bucket}/src/", "--list-concurrency", "1"],
                     ["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/dst/",
                      "--list-concurrency", "1", "--concurrency", "4"]):
            with self.subTest(command=args[0]):
                p = s3env.run([*args, "--endpoint-url", proxy.endpoint], timeout=120)
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                if args[0] == "ls":
                    self.assertEqual(len(p.stdout.splitlines()), 1100, s3env.describe(p))
        self.assertGreaterEqual(proxy.strays, 2)
        source = s3env.object_map(self.s3, self.bucket, "src/")
        self.assertEqual(len(source), 1100)
        self.assertEqual(s3env.object_map(self.s3, self.bucket, "dst/"), source)


if __name__ == "__main__":
    unittest.main()
