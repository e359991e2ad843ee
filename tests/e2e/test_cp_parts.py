"""End-to-end tests of a multipart copy's parts in flight at once: the async strategies copy
several parts of one object together on the slots the run's bound leaves free (at most 10 per
object, as aws cli's max_concurrent_requests), serial and threads one after another. Which parts were in
flight together is read from --debug's request and reply lines.

Run: /usr/bin/python3 -m unittest -v test_cp_parts   (from tests/e2e, with the server's
AWS_* variables set; see s3env.py).
"""

import unittest

import s3env
from s3env import MiB

PART = 5 * MiB
# 4 parts, the smallest S3 allows but the last: kept small because the suite's other modules
# (fault_bulk's 2 s read timeouts) share the server. The limit of 10 per object is checked by
# tests/unit/test_lent_slots.cpp.
SIZE = 17 * MiB
PARTS = 4


def most_parts_at_once(stderr):
    """The highest number of UploadPartCopy requests sent and not yet answered."""
    open_now = most = 0
    for line in stderr.splitlines():
        if "partNumber=" not in line:
            continue
        if line.startswith("s3loop: debug: -> PUT"):
            open_now += 1
            most = max(most, open_now)
        elif line.startswith("s3loop: debug: <- PUT"):
            open_now -= 1
    return most


class CopyPartsAtOnce(s3env.E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("parts-src")
        cls.data = s3env.seeded_bytes("parts", SIZE)
        cls.s3.put_object(Bucket=cls.src, Key="src/big.bin", Body=cls.data,
                          Metadata={"origin": "parts"})
        cls.source_sha = s3env.sha256_of(cls.s3, cls.src, "src/big.bin")

    def copy(self, *args, read_back=False):
        dst = self.bucket("parts-dst")
        p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/out", "--debug",
                       "--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB", *args])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        head = self.s3.head_object(Bucket=dst, Key="out/big.bin")
        # Parts completed in whatever order still make the object of 5 MiB parts in order.
        self.assertEqual(head["ETag"].strip('"'), s3env.multipart_etag(self.data, PART))
        self.assertEqual(head["ContentLength"], SIZE)
        self.assertEqual(head["Metadata"], {"origin": "parts"})
        if read_back:  # (the ETag above is already the MD5s of the parts' bytes)
            self.assertEqual(s3env.sha256_of(self.s3, dst, "out/big.bin"), self.source_sha)
        self.assertEqual(s3env.multipart_uploads(self.s3, dst), [])
        sent = [line for line in p.stderr.splitlines()
                if line.startswith("s3loop: debug: -> PUT") and "partNumber=" in line]
        self.assertEqual(len(sent), PARTS, "one UploadPartCopy per part, no retry expected")
        return most_parts_at_once(p.stderr)

    def test_async_copies_parts_at_once(self):
        for strategy in ("async", "async-pool"):
            with self.subTest(strategy=strategy):
                most = self.copy("--strategy", strategy, read_back=strategy == "async")
                self.assertGreater(most, 1, "the parts were copied one at a time")
                self.assertLessEqual(most, PARTS)

    def test_the_concurrency_bound_covers_the_parts(self):
        self.assertLessEqual(self.copy("--concurrency", "3"), 3)
        self.assertEqual(self.copy("--concurrency", "1"), 1)

    def test_serial_and_threads_copy_one_part_at_a_time(self):
        self.assertEqual(self.copy("--strategy", "serial"), 1)
        self.assertEqual(self.copy("--strategy", "threads", "--threads", "4"), 1)


if __name__ == "__main__":
    unittest.main()
