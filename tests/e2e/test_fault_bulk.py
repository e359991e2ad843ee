"""A bulk copy through every fault at once: 10,000 objects (2,500 under the sanitizers)
through bench's fault layer (the latency proxy answering 5% of requests with 503 SlowDown,
and the fault proxy in front of it resetting 2% of connections mid-reply and stalling 1%
past the client's read timeout). Every object arrives exactly once (an independent listing
equals the source: keys, sizes, ETags), the summary counts a retry for every fault, exit
code 0. On a source of 2,500: with more faults than the job's retry budget allows, exit
code 1, every failed key named, everything else intact (a failed key whose copy the server
carried out unanswered is whole, and its error says it may be there); killed with SIGKILL in
the middle of the faulty copy, then resumed with --journal: complete and verified.

Run: /usr/bin/python3 -m unittest -v test_fault_bulk   (from tests/e2e; see s3env.py).
"""

import os
import re
import signal
import subprocess
import tempfile
import unittest

import s3env

# A quarter under the sanitizers (scripts/test-sanitizers.sh): the same kinds of fault on
# the same code paths, in the same proportions (~125 503s, ~50 resets, ~25 stalls a copy),
# and a quarter of what was the suite's longest run.
OBJECTS = 2_500 if s3env.SANITIZED else 10_000
# The retry-budget and kill -9 tests copy a source of this many: a budget is spent, and a
# copy killed and resumed, the same way at a quarter of the size, for a quarter of the time
# (the 10,000 are the first test's).
FEW_OBJECTS = 2_500
# A stall holds the reply past this; the client drops the connection and retries.
READ_TIMEOUT = "2"


class FaultBulk(s3env.E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bkt = cls.class_bucket("fault-bulk")
        s3env.datagen(f"s3://{cls.bkt}/src/", count=OBJECTS, max_size=1024, seed=21,
                      special_keys=True, concurrency=128)
        cls.source = s3env.object_map(cls.s3, cls.bkt, "src/")
        assert len(cls.source) >= OBJECTS, len(cls.source)
        if FEW_OBJECTS == OBJECTS:
            cls.few, cls.few_source = "src", cls.source
        else:
            cls.few = "few"
            s3env.datagen(f"s3://{cls.bkt}/few/", count=FEW_OBJECTS, max_size=1024, seed=22,
                          special_keys=True, concurrency=128)
            cls.few_source = s3env.object_map(cls.s3, cls.bkt, "few/")
        assert len(cls.few_source) >= FEW_OBJECTS, len(cls.few_source)
        cls.tmp = tempfile.mkdtemp(prefix="s3loop-fault-bulk-")

    def faulty_endpoint(self, rate_503="0.05", reset_rate="0.02", stall_rate="0.01"):
        """The fault layer: s3loop -> fault proxy (resets, stalls) -> latency proxy (503s)
        -> radosgw. Returns (fault proxy, latency proxy)."""
        throttling = s3env.latency_proxy("--error-rate-503", rate_503)
        self.addCleanup(throttling.close)
        faults = s3env.fault_proxy("--reset-rate", reset_rate, "--stall-rate", stall_rate,
                                   "--stall-seconds", "60", "--seed", "21",
                                   upstream=throttling.endpoint)
        self.addCleanup(faults.close)
        return faults

    def cp(self, faults, dst, *args, src="src", timeout=900):
        p = s3env.run(["cp", f"s3://{self.bkt}/{src}/", f"s3://{self.bkt}/{dst}/",
                       "--endpoint-url", faults.endpoint, "--read-timeout", READ_TIMEOUT,
                       "--concurrency", "64", "--json", *args], timeout=timeout)
        s3env.assert_no_crash(self, p)
        return p

    def test_every_object_arrives_exactly_once_through_503s_resets_and_stalls(self):
        faults = self.faulty_endpoint()
        p = self.cp(faults, "all", "--max-attempts", "10")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = s3env.parse_json_summary(self, p)
        injected = faults.fault_stats()
        self.assertEqual((summary["copied"], summary["failed"]), (len(self.source), 0))
        # Each kind of fault happened, in about the proportion asked for.
        requests = injected["requests"]
        self.assertGreater(requests, len(self.source))
        self.assertGreater(injected["resets"], 0.01 * requests, injected)
        self.assertGreater(injected["stalls"], 0.004 * requests, injected)
        self.assertGreater(summary["throttled"], 0.03 * requests, summary)
        # Every fault cost exactly the client a retry, and the summary counts each.
        self.assertGreaterEqual(summary["retries"],
                                summary["throttled"] + injected["resets"] + injected["stalls"],
                                (summary, injected))
        self.assertEqual(summary["retry_budget_refusals"], 0)
        # Independently: exactly the source, each key once, same sizes and ETags.
        self.assertEqual(s3env.object_map(self.s3, self.bkt, "all/"), self.source)

    def test_faults_beyond_the_retry_budget_fail_those_keys_and_leave_the_rest_intact(self):
        # 60% 503s: the default budget (500 tokens, 5 per retry, 1 back per success) is soon
        # spent; after that an error fails its object at once. (Listing pages do not draw
        # from the budget; --max-attempts 20 gets each through.)
        faults = self.faulty_endpoint(rate_503="0.6", reset_rate="0", stall_rate="0")
        p = self.cp(faults, "budget", "--max-attempts", "20", src=self.few, timeout=600)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        summary = s3env.parse_json_summary(self, p)
        self.assertNotIn("error", summary)  # the listing got through: no job-wide error
        self.assertGreater(summary["retry_budget_refusals"], 0)
        failed = {f["key"] for f in summary["failures"]}  # source keys
        self.assertEqual(len(failed), summary["failed"])
        self.assertGreater(len(failed), 100)
        self.assertLess(len(failed), len(self.few_source))
        # Each failed key is named on stderr, with why.
        named = set(re.findall(rf"^s3loop: failed: s3://{self.bkt}/{self.few}/(.*) -> ", p.stderr,
                               re.MULTILINE))
        self.assertEqual({f"{self.few}/{k}" for k in named}, failed)
        self.assertIn("retry budget is spent", p.stderr)
        # Everything that did not fail arrived intact.
        copied = s3env.object_map(self.s3, self.bkt, "budget/")
        expected = {k: v for k, v in self.few_source.items() if k not in named}
        self.assertEqual({k: v for k, v in copied.items() if k in expected}, expected)
        self.assertEqual(summary["copied"], len(expected))
        # A failed key is there only when an attempt of its copy went out and its reply was
        # lost (a read timeout on a loaded machine: the server carried it out unseen), its
        # error says so, and the object is whole.
        errors = {f["key"]: f["error"] for f in summary["failures"]}
        for key, got in copied.items():
            if key in expected:
                continue
            self.assertIn(key, named)
            self.assertIn("it may have been carried out", errors[f"{self.few}/{key}"])
            self.assertEqual(got, self.few_source[key], key)

    def test_kill_9_in_the_middle_then_resume_with_the_journal(self):
        faults = self.faulty_endpoint()
        journal = os.path.join(self.tmp, "faulty.journal")
        cmd = [s3env.s3loop_bin(), "cp", f"s3://{self.bkt}/{self.few}/",
               f"s3://{self.bkt}/resumed/",
               "--endpoint-url", faults.endpoint, "--read-timeout", READ_TIMEOUT,
               "--max-attempts", "10", "--concurrency", "64", "--journal", journal]
        proc = subprocess.Popen(cmd, env=s3env.base_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        # (Killed after the deadline too: the resume is what is tested.)
        s3env.wait_for_journal_lines(journal, FEW_OBJECTS // 4, proc, timeout=300)
        self.assertIsNone(proc.poll(), "the copy ended before it could be killed")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertLess(len(s3env.object_map(self.s3, self.bkt, "resumed/")), len(self.few_source))

        p = self.cp(faults, "resumed", "--max-attempts", "10", "--journal", journal, "--verify",
                    src=self.few)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = s3env.parse_json_summary(self, p)
        self.assertGreater(summary["skipped"], FEW_OBJECTS // 4 - 64)
        self.assertEqual(summary["skipped"] + summary["copied"], len(self.few_source))
        self.assertEqual(summary["verify"]["missing"], 0)
        self.assertEqual(summary["verify"]["mismatched"], 0)
        self.assertEqual(s3env.object_map(self.s3, self.bkt, "resumed/"), self.few_source)


if __name__ == "__main__":
    unittest.main()
