"""cp --journal and --skip-existing: a run killed with SIGKILL and restarted with the same journal
completes, every object copied and verified by an independent listing; the summary reports
copied and skipped separately; --skip-existing skips exactly the objects the destination
already has with the same size and ETag.

Run: /usr/bin/python3 -m unittest -v test_resume   (from tests/e2e; see s3env.py).
"""

import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

import s3env


class Resume(s3env.E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bkt = cls.class_bucket("resume")
        s3env.datagen(f"s3://{cls.bkt}/src/", count=1500, max_size=2048, seed=12,
                      special_keys=True)
        cls.source = s3env.object_map(cls.s3, cls.bkt, "src/")
        cls.tmp = tempfile.mkdtemp(prefix="s3loop-resume-")

    def journal(self, name):
        return os.path.join(self.tmp, name)

    def cp(self, dst, *args):
        p = s3env.run(["cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/{dst}/", "--json", *args])
        s3env.assert_no_crash(self, p)
        return p

    def test_kill_9_then_resume_with_the_journal(self):
        journal = self.journal("kill.journal")
        cmd = [s3env.s3loop_bin(), "cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/killed/",
               "--journal", journal, "--concurrency", "2", "--json"]
        proc = subprocess.Popen(cmd, env=s3env.base_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        # Kill it once a few batches are on disk, well before the end.
        deadline = time.monotonic() + 120
        lines = 0
        while time.monotonic() < deadline and proc.poll() is None:
            with open(journal, "rb") if os.path.exists(journal) else open(os.devnull, "rb") as f:
                lines = f.read().count(b"\n")
            if lines > 300:
                break
            time.sleep(0.02)
        self.assertIsNone(proc.poll(), "the copy finished before it could be killed; make it slower")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        copied_before = len(s3env.object_map(self.s3, self.bkt, "killed/"))
        self.assertLess(copied_before, len(self.source))

        p = self.cp("killed", "--journal", journal, "--verify")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(summary["failed"], 0)
        self.assertEqual(summary["copied"] + summary["skipped"], len(self.source))
        # What the journal had on disk was skipped without a request...
        self.assertGreaterEqual(summary["skipped"], 300)
        self.assertLessEqual(summary["skipped"], copied_before)
        self.assertEqual(summary["requests_by_kind"]["CopyObject"]["requests"], summary["copied"])
        # ...and the destination is complete and equal to the source.
        self.assertEqual(s3env.object_map(self.s3, self.bkt, "killed/"), self.source)

        # A third run has nothing left to do.
        p = self.cp("killed", "--journal", journal)
        summary = json.loads(p.stdout)
        self.assertEqual((summary["copied"], summary["skipped"]), (0, len(self.source)))
        self.assertNotIn("CopyObject", summary["requests_by_kind"])

    def test_skip_existing_copies_only_what_differs_or_is_missing(self):
        p = self.cp("sync")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        keys = sorted(self.source)
        removed = keys[:10]
        changed = keys[10:15]
        for key in removed:
            self.s3.delete_object(Bucket=self.bkt, Key="sync/" + key)
        for key in changed:
            self.s3.put_object(Bucket=self.bkt, Key="sync/" + key, Body=b"different")
        p = self.cp("sync", "--skip-existing")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = json.loads(p.stdout)
        self.assertEqual(summary["copied"], 15)
        self.assertEqual(summary["skipped"], len(self.source) - 15)
        self.assertEqual(s3env.object_map(self.s3, self.bkt, "sync/"), self.source)
        text = self.cp("sync", "--skip-existing")
        self.assertEqual(json.loads(text.stdout)["copied"], 0)

    def test_text_summary_says_skipped(self):
        journal = self.journal("text.journal")
        self.assertEqual(self.cp("txt", "--journal", journal).returncode, 0)
        p = s3env.run(["cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/txt/", "--journal", journal])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"copied 0 objects (0.0 MiB), {len(self.source)} skipped, 0 failed", p.stdout)

    def test_a_journal_of_another_copy_is_refused(self):
        journal = self.journal("other.journal")
        self.assertEqual(self.cp("one", "--journal", journal, "--dry-run").returncode, 0)
        p = s3env.run(["cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/two/", "--journal", journal])
        s3env.assert_clean_error(self, p, 2, "another copy", "--journal")
        self.assertBucketEmpty(self.bkt, "two/", "after a refused journal")


if __name__ == "__main__":
    unittest.main()
