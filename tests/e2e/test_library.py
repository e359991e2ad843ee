"""s3loop as a library: examples/copy_prefix.cpp, a program of its own built on the public
headers (s3::setup_client, jobs::CopyJob, exec::make_strategy), copies a prefix with the
special keys under every strategy against the real server, checked by an independent listing."""

import unittest

import s3env
from s3env import SPECIAL_KEYS


class LibraryExample(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = s3env.client()
        cls.bucket = s3env.make_bucket(cls.s3, s3env.unique_bucket("library"))
        s3env.datagen(f"s3://{cls.bucket}/src/", 60, max_size=4096, seed=30, special_keys=True)
        cls.source = s3env.object_map(cls.s3, cls.bucket, "src/")
        assert len(cls.source) == 60 + len(SPECIAL_KEYS)

    @classmethod
    def tearDownClass(cls):
        s3env.discard_bucket(cls.s3, cls.bucket)

    def run_example(self, *args):
        return s3env.run(list(args), binary=s3env.example_copy_bin())

    def test_copies_a_prefix_under_every_strategy(self):
        for strategy in ("serial", "threads", "async", "async-pool"):
            with self.subTest(strategy=strategy):
                dst = f"{strategy}/"
                p = self.run_example(f"s3://{self.bucket}/src", f"s3://{self.bucket}/{dst}",
                                     strategy)
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                self.assertRegex(p.stdout, rf"^{strategy}: copied {len(self.source)} objects "
                                           rf"\(\d+ bytes\), 0 failed, ")
                self.assertEqual(s3env.object_map(self.s3, self.bucket, dst), self.source)

    def test_errors_come_back_as_results(self):
        # A usage error (the library's message, the program's exit code) and a job error: the
        # destination bucket does not exist, nothing is written anywhere.
        p = self.run_example(f"s3://{self.bucket}/src/", "s3://Bad_Bucket!/x/")
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 2, s3env.describe(p))
        self.assertIn("s3loop-example-copy: ", p.stderr)
        self.assertIn("Bad_Bucket!", p.stderr)  # the library's message names what is wrong
        p = self.run_example(f"s3://{self.bucket}/src/", f"s3://{self.bucket}/src/inside/")
        self.assertEqual(p.returncode, 2, s3env.describe(p))
        self.assertIn("inside", p.stderr)
        missing = s3env.unique_bucket("library-missing")
        p = self.run_example(f"s3://{self.bucket}/src/", f"s3://{missing}/x/")
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("NoSuchBucket", p.stderr)
        self.assertEqual(s3env.object_map(self.s3, self.bucket, "src/"), self.source)
        p = self.run_example(f"s3://{self.bucket}/src/", f"s3://{self.bucket}/x/", "fibers")
        self.assertEqual(p.returncode, 2, s3env.describe(p))
        self.assertIn("fibers", p.stderr)

    def test_a_key_with_line_breaks_and_escapes_fails_on_one_line(self):
        # The example is what programs copy: it shows keys and messages through one_line (a
        # review: a key holding "\nFAKE: ..." forged a line of its own, and a terminal escape
        # went out raw). The key is too long under the destination's longer prefix: it fails
        # alone, and its failure is one line that names it escaped.
        bucket = s3env.make_bucket(self.s3, s3env.unique_bucket("library-odd"))
        self.addCleanup(s3env.discard_bucket, self.s3, bucket)
        odd = "odd/line1\nFAKE: forged\x1b[31mred" + "k" * 990
        self.s3.put_object(Bucket=bucket, Key=odd, Body=b"x")
        self.s3.put_object(Bucket=bucket, Key="odd/fine", Body=b"y")
        p = self.run_example(f"s3://{bucket}/odd/", f"s3://{bucket}/a-longer-destination-prefix/")
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 1, s3env.describe(p))
        self.assertTrue(lines[0].startswith("failed: odd/line1\\nFAKE: forged\\x1b[31mred"),
                        s3env.describe(p))
        self.assertNotIn("\x1b", p.stderr)
        self.assertRegex(p.stdout, r": copied 1 objects .*, 1 failed, ")
        self.assertEqual(sorted(s3env.object_map(self.s3, bucket, "a-longer-destination-prefix/")),
                         ["fine"])  # (keys relative to the prefix)


if __name__ == "__main__":
    unittest.main()
