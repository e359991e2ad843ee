"""Buckets in another region: S3 names the bucket's region in its answer (301
PermanentRedirect with x-amz-bucket-region, or 400 AuthorizationHeaderMalformed with <Region>),
and s3loop sends that bucket's requests there from then on, signed for its region, as
botocore does -- so a copy can list its source in one region and write in another. bench's
fault proxy, in front of the real server, plays S3's part (--bucket-region); radosgw checks
each signature for whichever region it names, so what it answers is real."""
import importlib.util
import json
import os
import unittest

import s3env

REGION = "eu-west-1"


class OtherRegionBuckets(s3env.E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("region-src")
        for i, k in enumerate(s3env.SPECIAL_KEYS):
            cls.s3.put_object(Bucket=cls.src, Key="data/" + k, Body=s3env.seeded_bytes(i, 300 + i))
        cls.s3.put_object(Bucket=cls.src, Key="t.csv", Body=b"id,v\n1,a\n2,b\n3,c\n")
        cls.initial = s3env.object_map(cls.s3, cls.src, "data/")

    def proxy(self, *buckets, reply="redirect"):
        flags = []
        for bucket in buckets:
            flags += ["--bucket-region", f"{bucket}={REGION}"]
        return s3env.fault_proxy(*flags, "--wrong-region-reply", reply)

    def test_the_proxys_redirect_names_the_bucket(self):
        # Its <Bucket> said "{bucket}" (a piece of the reply without the f of its f-string).
        spec = importlib.util.spec_from_file_location(
            "fault_proxy", os.path.join(s3env.REPO, "bench", "fault_proxy.py"))
        fault_proxy = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(fault_proxy)
        reply = fault_proxy.wrong_region_reply("GET", "my-bucket", REGION, "redirect").decode()
        self.assertIn("<Bucket>my-bucket</Bucket>", reply)
        self.assertIn(f"<Endpoint>my-bucket.s3.{REGION}.amazonaws.com</Endpoint>", reply)

    def test_listing_follows_the_bucket_to_its_region(self):
        for reply in ("redirect", "malformed"):
            with self.subTest(reply=reply), self.proxy(self.src, reply=reply) as proxy:
                p = s3env.run(["ls", "-r", f"s3://{self.src}/data/", "--endpoint-url",
                               proxy.endpoint, "--json"])
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                listed = {json.loads(line)["key"] for line in p.stdout.splitlines()}
                self.assertEqual(listed, {"data/" + k for k in self.initial}, s3env.describe(p))
                # One answer naming the region, then every request went there.
                self.assertEqual(proxy.fault_stats()["wrong_region"], 1)

    def test_copy_from_and_to_buckets_in_other_regions(self):
        # The source in eu-west-1 and the destination at home, then the other way round.
        for strategy in ("serial", "async"):
            for case in ("source elsewhere", "destination elsewhere"):
                with self.subTest(strategy=strategy, case=case):
                    dst = self.bucket("region-dst")
                    elsewhere = self.src if case == "source elsewhere" else dst
                    with self.proxy(elsewhere) as proxy:
                        p = s3env.run(["cp", f"s3://{self.src}/data/", f"s3://{dst}/copy/",
                                       "--strategy", strategy, "--verify", "--json",
                                       "--endpoint-url", proxy.endpoint])
                        self.assertEqual(p.returncode, 0, s3env.describe(p))
                        summary = s3env.parse_json_summary(self, p)
                        self.assertEqual((summary["failed"], summary["retries"]), (0, 0))
                        self.assertEqual(summary["verify"]["matched"], len(self.initial))
                        # Learnt once, by the check that the bucket exists; for every
                        # worker and thread.
                        self.assertEqual(proxy.fault_stats()["wrong_region"], 1)
                    self.assertEqual(s3env.object_map(self.s3, dst, "copy/"), self.initial)

    def test_select_heads_and_reads_an_object_in_another_region(self):
        # A HEAD's answer carries the region in its header only: a 301, or a bare 400 to a
        # signature for the wrong region.
        for reply in ("redirect", "malformed"):
            with self.subTest(reply=reply), self.proxy(self.src, reply=reply) as proxy:
                p = s3env.run(["select", f"s3://{self.src}/t.csv", "-e",
                               "SELECT v FROM S3Object WHERE id <> '2'", "--engine", "local",
                               "--endpoint-url", proxy.endpoint])
                self.assertEqual((p.returncode, p.stdout), (0, "a\nc\n"), s3env.describe(p))
                self.assertEqual(proxy.fault_stats()["wrong_region"], 1)

    def test_virtual_hosted_requests_are_followed_too(self):
        # The bucket in the Host name (*.localhost resolves to 127.0.0.1 here, as in
        # test_addressing).
        with self.proxy(self.src) as proxy:
            port = proxy.endpoint.rsplit(":", 1)[1]
            p = s3env.run(["ls", "-r", f"s3://{self.src}/data/", "--endpoint-url",
                           f"https://s3.localhost:{port}", "--addressing-style", "virtual"])
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            self.assertEqual(len(p.stdout.splitlines()), len(self.initial), s3env.describe(p))
            self.assertEqual(proxy.fault_stats()["wrong_region"], 1)

    def test_debug_names_the_region_followed(self):
        with self.proxy(self.src) as proxy:
            p = s3env.run(["ls", f"s3://{self.src}/", "--endpoint-url", proxy.endpoint,
                           "--debug"])
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            self.assertIn(f"s3loop: debug: bucket {self.src} is in region {REGION}: sending its "
                          "requests there\n", p.stderr)
            # The request after it is signed for that region.
            after = p.stderr.split("sending its requests there\n", 1)[1]
            self.assertIn(f"/{REGION}/s3/aws4_request", after.splitlines()[0])


if __name__ == "__main__":
    unittest.main()
