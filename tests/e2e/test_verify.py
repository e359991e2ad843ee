"""cp --verify compares an independent listing of the destination with the
source after the copy and says what it found; a missing object fails the run."""

import json
import unittest

import s3env
from s3env import LONG_SPECIAL_KEY


class Verify(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = s3env.client()
        cls.bucket = s3env.make_bucket(cls.s3, s3env.unique_bucket("verify"))
        s3env.datagen(f"s3://{cls.bucket}/src/", 120, max_size=2048, seed=4, special_keys=True)
        cls.source = s3env.object_map(cls.s3, cls.bucket, "src/")

    @classmethod
    def tearDownClass(cls):
        s3env.discard_bucket(cls.s3, cls.bucket)

    def test_a_complete_copy_verifies(self):
        # An object already in the destination that is not from the source is
        # reported, but does not fail the copy.
        self.s3.put_object(Bucket=self.bucket, Key="ok/extra-object", Body=b"x")
        p = s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/ok/", "--verify"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"verified: {len(self.source)} matched, 0 missing, 0 differ, 1 unexpected",
                      p.stdout)
        self.assertIn("unexpected: ok/extra-object", p.stderr)

    def test_json_carries_the_verification(self):
        p = s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/js/", "--verify",
                       "--json"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = json.loads(p.stdout)
        self.assertEqual(summary["verify"], {"matched": len(self.source),
                                             "matched_by_size_only": 0, "missing": 0,
                                             "mismatched": 0, "unexpected": 0})

    def test_a_match_by_size_alone_says_so(self):
        # A multipart copy of a single-part object gets a multipart ETag: the same bytes, but
        # the ETags cannot show it, so the match is by key and size only -- and said to be.
        self.s3.put_object(Bucket=self.bucket, Key="big/one", Body=s3env.seeded_bytes(9, 11 << 20))
        p = s3env.run(["cp", f"s3://{self.bucket}/big/", f"s3://{self.bucket}/bigcopy/",
                       "--verify", "--multipart-threshold", "5MiB", "--multipart-chunksize",
                       "5MiB"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn("verified: 1 matched (1 by key and size only: multipart ETags, content not "
                      "compared), 0 missing", p.stdout)
        p = s3env.run(["cp", f"s3://{self.bucket}/big/", f"s3://{self.bucket}/bigcopy2/",
                       "--verify", "--multipart-threshold", "5MiB", "--multipart-chunksize",
                       "5MiB", "--json"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(json.loads(p.stdout)["verify"]["matched_by_size_only"], 1)

    def test_a_missing_object_fails_verification(self):
        # The 1,000-byte key cannot exist under a long destination prefix (S3 keys
        # are at most 1,024 bytes): that copy fails and verify reports it missing.
        dst = "v" * 40 + "/"
        p = s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/{dst}", "--verify"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn(f"verified: {len(self.source) - 1} matched, 1 missing", p.stdout)
        self.assertIn("missing: " + dst + LONG_SPECIAL_KEY[:40], p.stderr)


if __name__ == "__main__":
    unittest.main()
