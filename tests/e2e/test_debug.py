"""--debug logs every request and reply on stderr, and no secret ever reaches the log or an
error message: not the secret key, not the session token, not the signature.

Run: /usr/bin/python3 -m unittest -v test_debug   (from tests/e2e; see s3env.py).
"""

import os
import re
import unittest

import s3env

TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENxyz"


class Debug(s3env.E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bkt = cls.class_bucket("debug")
        s3env.datagen(f"s3://{cls.bkt}/src/", count=5, max_size=256, seed=2)

    def secrets(self):
        return [os.environ["AWS_SECRET_ACCESS_KEY"], os.environ["AWS_ACCESS_KEY_ID"], TOKEN]

    def assert_no_secret(self, text):
        for secret in self.secrets():
            self.assertNotIn(secret, text)
        # No SigV4 signature (64 hex digits after "Signature=") either.
        self.assertIsNone(re.search(r"Signature=[0-9a-f]{16}", text), text[:2000])

    def test_requests_and_replies_are_logged_with_secrets_redacted(self):
        # radosgw ignores a session token it does not know, so the request still works.
        env = s3env.base_env(AWS_SESSION_TOKEN=TOKEN)
        p = s3env.run(["cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/dst/", "--debug"], env=env)
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        debug = [l for l in p.stderr.splitlines() if l.startswith("s3loop: debug: ")]
        requests = [l for l in debug if l.startswith("s3loop: debug: -> ")]
        replies = [l for l in debug if l.startswith("s3loop: debug: <- ")]
        # The bucket check (one bucket: source and destination), the listing, five copies.
        self.assertEqual(len(requests), 7, p.stderr)
        self.assertEqual(len(replies), 7)
        self.assertTrue(any(" PUT " in l and "x-amz-copy-source:" in l for l in requests))
        self.assertTrue(all("Signature=<redacted>" in l for l in requests))
        self.assertTrue(all("x-amz-security-token: <redacted>" in l for l in requests))
        self.assertTrue(all(re.search(r" 200 in [0-9.]+ ms", l) for l in replies), replies)
        self.assert_no_secret(p.stderr + p.stdout)

    def test_cp_reexecutes_itself_for_a_heap_of_huge_pages(self):
        try:
            with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
                thp = f.read()
        except OSError:
            thp = ""
        # The note quotes the environment the re-executed process started with.
        expected = ("2 MiB transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1:"
                    "glibc.malloc.tcache_count=1000, set by s3loop)"
                    if "[madvise]" in thp else None)
        env = s3env.base_env(GLIBC_TUNABLES=None)
        p = s3env.run(["cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/thp/", "--debug"],
                      env=env)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        heap = [l for l in p.stderr.splitlines() if l.startswith("s3loop: debug: heap: ")]
        self.assertEqual(len(heap), 1, p.stderr[:2000])
        if expected:
            self.assertEqual(heap[0], "s3loop: debug: heap: " + expected)
        # The user's own setting stands; ls does not re-execute.
        p = s3env.run(["cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/thp/", "--debug"],
                      env=s3env.base_env(GLIBC_TUNABLES="glibc.malloc.hugetlb=0"))
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn("s3loop: debug: heap: as GLIBC_TUNABLES sets glibc.malloc.hugetlb "
                      "(glibc.malloc.hugetlb=0)", p.stderr)
        p = s3env.run(["ls", f"s3://{self.bkt}/src/", "--debug"], env=env)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn("s3loop: debug: heap: 4 KiB pages", p.stderr)

    def test_errors_never_carry_secrets(self):
        env = s3env.base_env(AWS_SESSION_TOKEN=TOKEN, AWS_SECRET_ACCESS_KEY="wrong" + "x" * 35)
        p = s3env.run(["ls", f"s3://{self.bkt}/", "--debug"], env=env)
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("s3loop: error: the server rejected the credentials", p.stderr)
        self.assert_no_secret(p.stderr + p.stdout)
        self.assertNotIn("wrong" + "x" * 35, p.stderr)

    def test_configuration_line_names_each_source(self):
        # The line cli prints from the s3 layer's resolved configuration: where the
        # credentials, region and endpoint came from, and no secret.
        env = s3env.base_env(AWS_SESSION_TOKEN=TOKEN)
        p = s3env.run(["ls", f"s3://{self.bkt}/", "--debug"], env=env)
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        config = [l for l in p.stderr.splitlines() if l.startswith("s3loop: debug: config: ")]
        self.assertEqual(len(config), 1, p.stderr)
        host = re.sub(r"/+$", "", env["AWS_ENDPOINT_URL"])
        self.assertEqual(
            config[0],
            f"s3loop: debug: config: profile default (default), credentials from environment, "
            f"region {env['AWS_REGION']} (AWS_REGION), endpoint {host} (AWS_ENDPOINT_URL)")
        self.assert_no_secret(p.stderr + p.stdout)

        p = s3env.run(["ls", f"s3://{self.bkt}/", "--debug", "--endpoint-url",
                       env["AWS_ENDPOINT_URL"], "--region", "us-east-1"], env=env)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(", region us-east-1 (--region), ", p.stderr)
        self.assertIn(" (--endpoint-url)\n", p.stderr)


if __name__ == "__main__":
    unittest.main()
