"""Transient failures are retried: cp through the fault proxy (nginx answering
a share of requests with 503 SlowDown or 500 InternalError) still copies
everything, and says how many retries it took; when every request fails, it
gives up after --max-attempts and reports each object."""

import unittest

import s3env

class Retries(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = s3env.client()
        cls.bucket = s3env.make_bucket(cls.s3, s3env.unique_bucket("retries"))
        s3env.datagen(f"s3://{cls.bucket}/src/", 300, max_size=2048, seed=9)
        cls.source = s3env.object_map(cls.s3, cls.bucket, "src/")

    @classmethod
    def tearDownClass(cls):
        s3env.discard_bucket(cls.s3, cls.bucket)

    def test_transient_errors_are_retried_until_everything_is_copied(self):
        proxy = s3env.latency_proxy("--error-rate-503", "0.15", "--error-rate-500", "0.05")
        try:
            p = s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/dst/",
                           "--endpoint-url", proxy.endpoint, "--concurrency", "32", "--json",
                           "--max-attempts", "10"])
        finally:
            proxy.close()
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = s3env.parse_json_summary(self, p)
        self.assertEqual(summary["objects"], len(self.source))
        self.assertGreater(summary["retries"], 10)
        self.assertEqual(summary["requests"],
                         sum(k["requests"] for k in summary["requests_by_kind"].values()))
        # Exactly the source, each object once: verified independently.
        self.assertEqual(s3env.object_map(self.s3, self.bucket, "dst/"), self.source)

    def test_gives_up_after_max_attempts_and_lists_the_failures(self):
        proxy = s3env.latency_proxy("--error-rate-500", "1.0")
        try:
            # Listing itself fails: one clear error, exit 1, nothing written.
            p = s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/none/",
                           "--endpoint-url", proxy.endpoint, "--max-attempts", "3"], timeout=120)
        finally:
            proxy.close()
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("InternalError", p.stderr)
        self.assertIn("gave up after 3 attempts", p.stderr)
        self.assertEqual(s3env.object_map(self.s3, self.bucket, "none/"), {})

    def test_adaptive_concurrency_lowers_its_limit_when_the_server_throttles(self):
        # The proxy serves at most 16 requests at once and answers the rest with 503 SlowDown
        # (+50 ms each, so that requests overlap). --adaptive starts at 32 requests in flight,
        # cuts to 70% on SlowDown and regrows; everything is still copied. (That it ends with
        # fewer 503s and sooner than a fixed limit is bench/throttle's claim, measured there.)
        proxy = s3env.latency_proxy("--max-concurrent", "16", "--delay-ms", "50")
        try:
            p = s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/adaptive/",
                           "--endpoint-url", proxy.endpoint, "--concurrency", "256",
                           "--max-attempts", "30", "--json", "--adaptive"], timeout=600)
        finally:
            proxy.close()
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = s3env.parse_json_summary(self, p)
        self.assertEqual(s3env.object_map(self.s3, self.bucket, "adaptive/"), self.source)
        self.assertGreater(summary["throttled"], 0)
        limit = summary["concurrency_limit"]
        self.assertGreaterEqual(limit["cuts"], 1)
        self.assertGreater(limit["min"], 0)
        self.assertLessEqual(limit["min"], 22)  # at least one cut from the first 32
        self.assertEqual(limit["history"][0], [0.0, 32])
        self.assertTrue(all(b[1] != a[1] for a, b in zip(limit["history"], limit["history"][1:])))
        # Without --adaptive the limit stays put and is not reported.
        self.assertNotIn("concurrency_limit", s3env.parse_json_summary(
            self, s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/plain/",
                             "--concurrency", "8", "--json"])))
        # Never cut, its lowest limit is the one it started at (it said 0: nothing in flight).
        p = s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/uncut/",
                       "--concurrency", "8", "--json", "--adaptive"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        limit = s3env.parse_json_summary(self, p)["concurrency_limit"]
        self.assertEqual((limit["cuts"], limit["min"]), (0, 8))

if __name__ == "__main__":
    unittest.main()
