"""Virtual-hosted and path-style addressing end to end.

Virtual-hosted names (bucket.s3.localhost) are resolved to 127.0.0.1 by s3loop itself; boto3
cannot resolve them, so results are checked with the usual path-style boto3 client. That the
requests really were virtual-hosted is checked on the wire, through a plain-HTTP proxy.

Run: /usr/bin/python3 -m unittest -v test_addressing   (from tests/e2e; see s3env.py).
"""

import json
import unittest

import s3env
from s3env import MiB


class Addressing(s3env.E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("addr-src")
        s3env.datagen(f"s3://{cls.src}/src/", count=200, max_size=8192, seed=31,
                      special_keys=True)
        cls.big = s3env.seeded_bytes("addr", 6 * MiB + 123)
        cls.s3.put_object(Bucket=cls.src, Key="src/big/six.bin", Body=cls.big,
                          ContentType="text/x-e2e", Metadata={"k": "v"})
        cls.source = s3env.object_map(cls.s3, cls.src, "src/")

    def assert_copy_of_source(self, bucket, prefix):
        """Keys and sizes as the source's, by an independent listing; ETags too, but the big
        object's when copied in parts (then its bytes)."""
        copied = s3env.object_map(self.s3, bucket, prefix)
        self.assertEqual(set(copied), set(self.source))
        for rel, (size, etag) in self.source.items():
            self.assertEqual(copied[rel][0], size, rel[:80])
            if rel != "big/six.bin":
                self.assertEqual(copied[rel][1], etag, rel[:80])
        self.assertEqual(s3env.sha256_of(self.s3, bucket, prefix + "big/six.bin"),
                         s3env.sha256_of(self.s3, self.src, "src/big/six.bin"))

    def test_virtual_hosted_cp_https(self):
        dst = self.bucket("addr-vh")
        p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/out", "--json",
                       "--endpoint-url", self.srv.virtual_endpoint, "--addressing-style", "virtual",
                       "--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.parse_json_summary(self, p)["objects"], len(self.source))
        self.assert_copy_of_source(dst, "out/")
        head = self.s3.head_object(Bucket=dst, Key="out/big/six.bin")
        self.assertRegex(head["ETag"], r'^"[0-9a-f]{32}-2"$')
        self.assertEqual((head["ContentType"], head["Metadata"]), ("text/x-e2e", {"k": "v"}))
        self.assertEqual(s3env.sha256_of(self.s3, dst, "out/big/six.bin"),
                         s3env.sha256_of(self.s3, self.src, "src/big/six.bin"))
        self.assertEqual(s3env.multipart_uploads(self.s3, dst), [])

    def test_virtual_hosted_ls_https(self):
        p = s3env.run(["ls", "-r", "--json", f"s3://{self.src}/src/", "--endpoint-url",
                       self.srv.virtual_endpoint, "--addressing-style", "virtual"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        keys = [json.loads(line)["key"] for line in p.stdout.splitlines()]
        self.assertEqual(keys, [k for k, *_ in s3env.list_objects(self.s3, self.src, "src/")])

    def dotted_bucket(self, tag):
        """A fresh bucket whose name has dots (s3env's names have none), deleted afterwards."""
        name = s3env.unique_bucket(tag).replace("-", ".", 2)
        self.addCleanup(s3env.discard_bucket, self.s3, name)
        s3env.make_bucket(self.s3, name)
        return name

    def test_dotted_bucket_virtual_https_falls_back_to_path(self):
        # bucket.with.dots.s3.localhost is not covered by *.s3.localhost: as botocore, s3loop
        # addresses such a bucket path style over https instead of failing the name check.
        dotted = self.dotted_bucket("addr-dot")
        self.s3.put_object(Bucket=dotted, Key="in/one", Body=b"1")
        virtual = ["--endpoint-url", self.srv.virtual_endpoint, "--addressing-style", "virtual"]
        p = s3env.run(["ls", "-r", f"s3://{dotted}/in/", *virtual])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn("in/one", p.stdout)
        p = s3env.run(["cp", f"s3://{self.src}/src/big", f"s3://{dotted}/out", *virtual])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.sha256_of(self.s3, dotted, "out/six.bin"),
                         s3env.sha256_of(self.s3, self.src, "src/big/six.bin"))

    def test_a_legacy_bucket_name_is_reached_path_style(self):
        # A us-east-1 bucket from before 2018 (upper case, '_'): aws cli reaches it, so
        # s3loop must too -- path style, since no host name can carry it -- while its mb
        # creates only names of today's rules.
        legacy = "E2E_Legacy_" + s3env.unique_bucket("legacy").split("-")[-1]
        self.addCleanup(s3env.discard_bucket, self.s3, legacy)
        s3env.make_bucket(self.s3, legacy)
        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{legacy}/in",
                           "--endpoint-url", f"http://s3.localhost:{proxy.port}",
                           "--addressing-style", "virtual"])
            s3env.assert_no_crash(self, p)
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            to_legacy = [(h.get("host"), t) for _, t, h in proxy.requests
                         if t.startswith(f"/{legacy}")]
            self.assertGreater(len(to_legacy), len(self.source), proxy.requests[:3])
            self.assertEqual({host for host, _ in to_legacy}, {f"s3.localhost:{proxy.port}"})
        self.assert_copy_of_source(legacy, "in/")
        dst = self.bucket("addr-from-legacy")
        p = s3env.run(["cp", f"s3://{legacy}/in/", f"s3://{dst}/out/", "--verify",
                       "--endpoint-url", self.srv.virtual_endpoint, "--addressing-style",
                       "virtual"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assert_copy_of_source(dst, "out/")
        p = s3env.run(["ls", f"s3://{legacy}/in/big/"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn("six.bin", p.stdout)
        p = s3env.run(["mb", f"s3://{legacy}_New"])
        s3env.assert_clean_error(self, p, 2, "contains 'E'", "only lower-case letters")

    def test_dotted_bucket_virtual_http_stays_virtual(self):
        # No certificate to match over plain http: the dots stay in the host name.
        dotted = self.dotted_bucket("addr-dot-http")
        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            p = s3env.run(["cp", f"s3://{self.src}/src/big", f"s3://{dotted}/out",
                           "--endpoint-url", f"http://s3.localhost:{proxy.port}",
                           "--addressing-style", "virtual"])
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            hosts = {h.get("host") for _, _, h in proxy.requests}
        self.assertIn(f"{dotted}.s3.localhost:{proxy.port}", hosts)
        self.assertEqual(s3env.sha256_of(self.s3, dotted, "out/six.bin"),
                         s3env.sha256_of(self.s3, self.src, "src/big/six.bin"))

    def test_requests_on_the_wire(self):
        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            endpoint = f"http://s3.localhost:{proxy.port}"
            for style in ("virtual", "path", "auto"):
                with self.subTest(style=style):
                    dst = self.bucket(f"addr-wire-{style}")
                    proxy.requests.clear()
                    p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/out",
                                   "--endpoint-url", endpoint, "--addressing-style", style,
                                   "--multipart-threshold", "5MiB",
                                   "--multipart-chunksize", "5MiB"])
                    self.assertEqual(p.returncode, 0, s3env.describe(p))
                    self.assertEqual(set(s3env.object_map(self.s3, dst, "out/")),
                                     set(self.source))
                    hosts = {h.get("host") for _, _, h in proxy.requests}
                    targets = [t for _, t, _ in proxy.requests]
                    if style == "virtual":
                        self.assertEqual(hosts, {f"{self.src}.s3.localhost:{proxy.port}",
                                                 f"{dst}.s3.localhost:{proxy.port}"})
                        self.assertFalse([t for t in targets
                                          if t.startswith((f"/{self.src}", f"/{dst}"))])
                    else:
                        # auto is virtual only on AWS: path style here.
                        self.assertEqual(hosts, {f"s3.localhost:{proxy.port}"})
                        self.assertTrue(all(t.startswith((f"/{self.src}", f"/{dst}"))
                                            for t in targets), targets[:5])
                    copy_sources = {h.get("x-amz-copy-source") for _, _, h in proxy.requests
                                    if "x-amz-copy-source" in h}
                    self.assertEqual(len(copy_sources), len(self.source),
                                     "one copy source per object")


if __name__ == "__main__":
    unittest.main()
