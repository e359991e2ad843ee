"""End-to-end tests of the parallel listing (`--list-concurrency`) against the real local S3
server: for every shape of key space, `s3loop ls -r` listing key ranges concurrently prints
exactly what a sequential listing prints (same keys, same order), and that is what boto3's
own listing says; `cp` copies every key once whatever order the ranges arrive in.

Run: /usr/bin/python3 -m unittest -v test_parallel_list   (from tests/e2e; see s3env.py).
"""

import os
import re
import select
import signal
import subprocess
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import s3env

LONG = "long/" + "x" * 200 + "/"
# The flat prefix: 20,000 keys k000000... (20 pages); a quarter under the sanitizers
# (scripts/test-sanitizers.sh): the same splitting on the same code paths, and a quarter of
# the module's uploads, the suite's largest.
FLAT_KEYS = 5_000 if s3env.SANITIZED else 20_000


# "2024-11-25 13:00:00       1234 some/key" (as in test_ls).
OBJECT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+ (.*)$", re.S)


def keys_in(out):
    """The keys of `ls -r` text output, in printed order."""
    assert out == "" or out.endswith("\n"), "output must end with a newline"
    keys = []
    for line in out.split("\n")[:-1]:
        m = OBJECT_LINE.match(line)
        assert m, f"unparsable ls line {line[:200]!r}"
        keys.append(m.group(1))
    return keys


def keys_of(p):
    return keys_in(p.stdout)


class ParallelListTests(s3env.E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.b = cls.class_bucket("plist")
        b = cls.b
        # Uploaded once for the module, 0-byte objects, many PUTs in flight.
        jobs = [
            dict(url=f"s3://{b}/flat/", count=FLAT_KEYS, flat=True),
            # hierarchical, sub-prefixes of very uneven sizes (datagen adds part-NN/ below)
            dict(url=f"s3://{b}/h/a/", count=1),
            dict(url=f"s3://{b}/h/b/", count=2000),
            dict(url=f"s3://{b}/h/c/", count=7),
            dict(url=f"s3://{b}/h/d/deep/er/", count=600),
            # (with bytes: a copy that mixed keys up would show in sizes and ETags)
            dict(url=f"s3://{b}/h/f/", count=40, seed=2, min_size=1, max_size=4096),
            # keys sharing a 206-byte prefix, flat and one level down
            dict(url=f"s3://{b}/{LONG}", count=1500, flat=True),
            dict(url=f"s3://{b}/{LONG}y/", count=1200, flat=True),
            # unicode and special keys among generated ones
            dict(url=f"s3://{b}/special/", count=1100, special_keys=True),
        ]

        def upload(job):
            s3env.datagen(job.pop("url"), **{"min_size": 0, "max_size": 0, "concurrency": 128,
                                             **job})

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(upload, jobs))
        # Directory markers, keys at the level of the sub-prefixes, and keys right next to
        # the prefixes (outside them).
        for key in ("h/", "h/e/", "h/top-level", "h/b", "h0", "flat", "flat0", "flat/"):
            cls.s3.put_object(Bucket=b, Key=key, Body=b"")

    def ls(self, url, *flags, code=0):
        p = s3env.run(["ls", "-r", url, *flags])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, code, s3env.describe(p))
        self.assertEqual(p.stderr, "", "nothing on stderr" + s3env.describe(p))
        return p

    _truth = {}
    _sequential = {}  # prefix -> the CompletedProcess of ls --list-concurrency 1

    def truth(self, prefix):
        """boto3's listing of prefix (once per prefix: botocore parses slowly)."""
        if prefix not in self._truth:
            self._truth[prefix] = [k for k, *_ in s3env.list_objects(self.s3, self.b, prefix)]
        return self._truth[prefix]

    def assert_same_as_sequential(self, prefix, concurrency=16):
        url = f"s3://{self.b}/{prefix}"
        truth = self.truth(prefix)
        # As aws s3 ls: nothing under a prefix exits 1 (the bucket root exits 0).
        code = 0 if truth or not prefix else 1
        if prefix not in self._sequential:
            sequential = self.ls(url, "--list-concurrency", "1", code=code)
            self.assertEqual(keys_of(sequential), truth, "the sequential listing is boto3's")
            self._sequential[prefix] = sequential
        sequential = self._sequential[prefix]
        parallel = self.ls(url, "--list-concurrency", str(concurrency), code=code)
        parallel_keys = keys_of(parallel)
        self.assertEqual(len(parallel_keys), len(truth),
                         f"{len(parallel_keys)} keys listed, {len(truth)} exist")
        self.assertEqual(parallel_keys, truth, "parallel listing differs (keys or order)")
        # Byte for byte the same output, sizes and dates included.
        self.assertEqual(parallel.stdout, sequential.stdout)
        return truth

    def test_flat_keys(self):
        truth = self.assert_same_as_sequential("flat/")
        self.assertEqual(len(truth), FLAT_KEYS + 1)  # and the "flat/" marker
        # other concurrencies, and a prefix ending inside the key names
        for c in (2, 7, 64):
            with self.subTest(concurrency=c):
                self.assert_same_as_sequential("flat/", concurrency=c)
        # k000000-k009999
        self.assertEqual(len(self.assert_same_as_sequential("flat/k00")), min(FLAT_KEYS, 10_000))

    def test_hierarchical_uneven(self):
        for prefix in ("h/", "h", "h/b/", "h/d/"):
            with self.subTest(prefix=prefix):
                self.assert_same_as_sequential(prefix)

    def test_long_shared_prefixes(self):
        self.assertEqual(len(self.assert_same_as_sequential(LONG)), 2700)
        self.assert_same_as_sequential("long/")

    def test_unicode_and_special_keys(self):
        truth = self.assert_same_as_sequential("special/")
        for k in s3env.SPECIAL_KEYS:
            self.assertIn("special/" + k, truth)
        for k in s3env.SPECIAL_KEYS:  # each by its own prefix
            with self.subTest(key=k[:60]):
                self.assert_same_as_sequential("special/" + k)

    def test_whole_bucket(self):
        self.assert_same_as_sequential("")

    def test_empty_prefix_and_single_key(self):
        self.assertEqual(self.assert_same_as_sequential("no-such-prefix/"), [])
        self.assertEqual(self.assert_same_as_sequential("h/top-level"), ["h/top-level"])
        last = f"flat/k{FLAT_KEYS - 1:06d}"
        self.assertEqual(self.assert_same_as_sequential(last), [last])
        empty = self.bucket("plist-empty")
        p = self.ls(f"s3://{empty}")
        self.assertEqual(p.stdout, "")

    def test_cp_copies_each_key_once(self):
        # A dry run names every key it would copy: each exactly once, whatever the order.
        p = s3env.run(["cp", f"s3://{self.b}/flat/", f"s3://{self.b}/dry-out/", "--dry-run",
                       "--list-concurrency", "16"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        named = [line.split(" ")[2] for line in p.stdout.splitlines()
                 if line.startswith("(dryrun) copy: ")]
        truth = [f"s3://{self.b}/{k}" for k in self.truth("flat/")]
        self.assertEqual(len(named), len(truth), "every key once")
        self.assertEqual(sorted(named), sorted(truth))
        if FLAT_KEYS >= 20_000:  # 5 pages may well come out in order
            self.assertNotEqual(named, truth,
                                "expected ranges to interleave (else: not parallel?)")
        # A real copy, verified by an independent listing of both sides.
        dst = self.bucket("plist-dst")
        p = s3env.run(["cp", f"s3://{self.b}/h/", f"s3://{dst}/copy/", "--list-concurrency", "8",
                       "--verify", "--json"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        want = s3env.object_map(self.s3, self.b, "h/")
        self.assertEqual(s3env.object_map(self.s3, dst, "copy/"), want)
        self.assertEqual(sum(1 for size, _ in want.values() if size > 0), 40)
        # Each once: as many copies as keys.
        self.assertEqual(s3env.parse_json_summary(self, p)["copied"], len(want))

    def test_missing_bucket_fails_cleanly(self):
        missing = s3env.unique_bucket("plist-missing")
        for flags in ([], ["--list-concurrency", "1"]):
            with self.subTest(flags=flags):
                p = s3env.run(["ls", "-r", f"s3://{missing}/x/", *flags], timeout=60)
                s3env.assert_clean_error(self, p, 1, "NoSuchBucket")

    def test_interrupt_stops_listing(self):
        # Nobody reads stdout: the pipe fills and ls blocks in a write with pages buffered.
        # SIGINT must end it promptly with 130, its output a prefix of the listing.
        cmd = [s3env.s3loop_bin(), "ls", "-r", f"s3://{self.b}/flat/", "--list-concurrency", "16"]
        proc = subprocess.Popen(cmd, env=s3env.base_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        first = b""
        try:
            # Wait for the first line rather than a fixed time: before its job starts, ls
            # has no handler yet and SIGINT ends it as any process (-2), which a slow start
            # under ASan on a loaded machine made happen after a fixed 1.5 s.
            ready, _, _ = select.select([proc.stdout], [], [], 120)
            self.assertTrue(ready, "ls printed nothing in 120 s")
            # Byte by byte with os.read: a buffered readline would keep bytes that
            # communicate() below (which reads the descriptor itself) never sees.
            while not first.endswith(b"\n"):
                byte = os.read(proc.stdout.fileno(), 1)
                if not byte:
                    break
                first += byte
            time.sleep(1.0)  # the pipe fills; ls blocks in a write
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
            out = first + out
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 130, err.decode(errors="replace"))
        for marker in s3env.CRASH_MARKERS:
            self.assertNotIn(marker, err.decode(errors="replace"))
        text = out.decode()
        printed = keys_in(text[:text.rfind("\n") + 1])  # whole lines only
        truth = self.truth("flat/")
        self.assertLess(len(printed), len(truth), "it stopped early")
        self.assertEqual(printed, truth[:len(printed)])


if __name__ == "__main__":
    unittest.main()
