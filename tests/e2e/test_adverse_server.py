"""Servers that answer wrongly in ways radosgw never does (a review's findings): s3loop must
end with a clear error, not loop for ever or answer for data it never saw."""
import http.server
import threading
import unittest

import s3env

PAGE = (b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<Name>bkt</Name><Prefix>src/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
        b"<IsTruncated>true</IsTruncated><NextContinuationToken>same</NextContinuationToken>"
        b"<Contents><Key>src/a.csv</Key><LastModified>2026-12-05T00:00:00.000Z</LastModified>"
        b'<ETag>"0123456789abcdef0123456789abcdef"</ETag><Size>6</Size>'
        b"<StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # each reply ends with its connection

    def log_message(self, *args):
        pass

    def do_GET(self):
        # Every ListObjectsV2 page says "more, from token 'same'", whatever it was asked.
        self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def do_HEAD(self):
        # An object's HEAD with no Content-Length: its size is unknown, not 0.
        self.send_response(200)
        self.send_header("ETag", '"0123456789abcdef0123456789abcdef"')
        self.send_header("Content-Type", "text/csv")
        self.end_headers()


class AdverseServer(unittest.TestCase):
    def setUp(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.requests = 0
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.addCleanup(self.httpd.server_close)
        self.addCleanup(self.httpd.shutdown)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def run_s3loop(self, *args):
        return s3env.run([*args, "--endpoint-url", self.endpoint, "--max-attempts", "1"],
                         timeout=60)

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

    def test_a_head_without_content_length_is_no_empty_object(self):
        # select answered COUNT(*) 0, exit 0, "the object is empty".
        p = self.run_s3loop("select", "s3://bkt/src/a.csv", "--engine", "local",
                            "-e", "SELECT COUNT(*) FROM S3Object")
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertEqual(p.stdout, "")
        self.assertIn("the reply has no valid Content-Length (none)", p.stderr,
                      s3env.describe(p))


if __name__ == "__main__":
    unittest.main()
