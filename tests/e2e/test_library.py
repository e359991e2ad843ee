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


if __name__ == "__main__":
    unittest.main()
