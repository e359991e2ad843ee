"""End-to-end tests of `s3loop ls` against the real local S3 server, checked with boto3.

Run: /usr/bin/python3 -m unittest -v test_ls   (from tests/e2e; see s3env.py).
"""

import datetime
import fcntl
import json
import os
import re
import signal
import subprocess
import time
import unittest
import uuid
from concurrent.futures import ThreadPoolExecutor

import s3env

# "2024-11-25 13:00:00       1234 some/key" (aws s3 ls style; s3env sets TZ=UTC).
OBJECT_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) +(\d+) (.*)$", re.S)
PREFIX_LINE = re.compile(r"^ *PRE (.*)$", re.S)
# "2024-11-25 13:00:00 bucket-name" (aws s3 ls without a bucket, UTC).
# Names of today's rules, and a us-east-1 bucket's of before 2018 (upper case, "_"), which
# test_addressing makes, and leaves behind on a server that is to be removed.
BUCKET_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ([A-Za-z0-9._-]+)$")


def parse_text(tc, p):
    """ls text output -> ([prefixes], [(key, size, time)]) in printed order."""
    prefixes, objects = [], []
    out = p.stdout
    tc.assertTrue(out == "" or out.endswith("\n"), "output must end with a newline")
    for line in out.split("\n")[:-1]:
        m = PREFIX_LINE.match(line)
        if m:
            prefixes.append(m.group(1))
            continue
        m = OBJECT_LINE.match(line)
        tc.assertIsNotNone(m, f"unparsable ls line {line[:200]!r}" + s3env.describe(p))
        objects.append((m.group(3), int(m.group(2)), m.group(1)))
    return prefixes, objects


def parse_json_lines(tc, p):
    prefixes, objects = [], []
    for line in p.stdout.splitlines():
        try:
            d = json.loads(line)
        except ValueError as e:
            tc.fail(f"ls --json printed a line that is not JSON ({e}): {line[:200]!r}")
        tc.assertIsInstance(d, dict)
        if "prefix" in d:
            tc.assertEqual(set(d), {"prefix"}, f"bad prefix line {line[:200]!r}")
            prefixes.append(d["prefix"])
        else:
            tc.assertEqual(set(d), {"key", "size", "etag", "last_modified"},
                           f"bad object line {line[:200]!r}")
            objects.append(d)
    return prefixes, objects


def utc_text(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def parse_iso(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


class ListTests(s3env.E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.b = cls.class_bucket("ls")
        # 2,500 generated keys (3 pages of 1,000) plus the special keys under many/.
        s3env.datagen(f"s3://{cls.b}/many/", count=2500, min_size=0, max_size=64, seed=3,
                      special_keys=True, concurrency=64)
        # 1,050 sub-prefixes under wide/ (more than one page of CommonPrefixes), and an
        # object directly at that level.
        keys = [f"wide/d{i:05}/x" for i in range(1050)] + ["wide/top-level.txt"]
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda k: cls.s3.put_object(Bucket=cls.b, Key=k, Body=b"w"), keys))
        cls.s3.put_object(Bucket=cls.b, Key="empty-dir-lookalike", Body=b"")
        cls.empty = cls.class_bucket("ls-empty")

    def ls(self, *args, ok=True):
        p = s3env.run(["ls", *args])
        s3env.assert_no_crash(self, p)
        if ok:
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            self.assertEqual(p.stderr, "", "nothing on stderr" + s3env.describe(p))
        return p

    def test_recursive_pages_in_order(self):
        truth = s3env.list_objects(self.s3, self.b, "many/")
        self.assertEqual(len(truth), 2500 + len(s3env.SPECIAL_KEYS))
        p = self.ls("-r", f"s3://{self.b}/many/")
        prefixes, objects = parse_text(self, p)
        self.assertEqual(prefixes, [], "no PRE lines with -r")
        self.assertEqual([o[0] for o in objects], [t[0] for t in truth],
                         "keys differ from the server's listing (or their order does)")
        self.assertEqual([o[1] for o in objects], [t[1] for t in truth], "sizes differ")
        self.assertEqual([o[2] for o in objects], [utc_text(t[3]) for t in truth],
                         "times differ (expected UTC)")

    def test_summarize_and_human_readable_as_aws_cli(self):
        def human(n):  # awscli's human_readable_size
            if n == 1:
                return "1 Byte"
            if n < 1024:
                return f"{n} Bytes"
            for i, suffix in enumerate(("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")):
                if round(n / 1024 ** (i + 1)) < 1024:
                    return "%.1f %s" % (n / 1024 ** (i + 1), suffix)

        truth = s3env.list_objects(self.s3, self.b, "many/")
        total = sum(t[1] for t in truth)
        p = self.ls("-r", "--summarize", "--human-readable", f"s3://{self.b}/many/")
        lines = p.stdout.split("\n")
        self.assertEqual(lines[-4:], ["", f"Total Objects: {len(truth)}",
                                      f"   Total Size: {human(total)}", ""])
        # Every size as aws cli shows it, right-aligned in 10 columns.
        sizes = [line[20:30] for line in lines[:-4]]
        self.assertEqual(sizes, [human(t[1]).rjust(10) for t in truth])
        p = self.ls("-r", "--summarize", f"s3://{self.b}/many/")
        self.assertTrue(p.stdout.endswith(f"\nTotal Objects: {len(truth)}\n   Total Size: "
                                          f"{total}\n"), p.stdout[-200:])
        # Without -r only the objects at that level count (PRE lines do not).
        p = self.ls("--summarize", f"s3://{self.b}/wide/")
        self.assertTrue(p.stdout.endswith("\nTotal Objects: 1\n   Total Size: 1\n"),
                        p.stdout[-200:])
        # With --json, one closing object; sizes stay numbers.
        p = self.ls("-r", "--summarize", "--human-readable", "--json", f"s3://{self.b}/many/")
        last = json.loads(p.stdout.splitlines()[-1])
        self.assertEqual(last, {"total_objects": len(truth), "total_size": total})
        # A prefix with nothing under it: the summary, and exit 1, as aws s3 ls.
        p = self.ls("--summarize", f"s3://{self.b}/no-such-prefix/", ok=False)
        self.assertEqual((p.returncode, p.stdout), (1, "\nTotal Objects: 0\n   Total Size: 0\n"))

    def test_recursive_whole_bucket(self):
        truth = [t[0] for t in s3env.list_objects(self.s3, self.b)]
        for url in (f"s3://{self.b}", f"s3://{self.b}/"):
            with self.subTest(url=url):
                _, objects = parse_text(self, self.ls("--recursive", url))
                self.assertEqual([o[0] for o in objects], truth)

    def test_special_keys_print_exactly(self):
        _, objects = parse_text(self, self.ls("-r", f"s3://{self.b}/many/"))
        printed = {o[0] for o in objects}
        for k in s3env.SPECIAL_KEYS:
            with self.subTest(key=k[:60]):
                self.assertIn("many/" + k, printed)
        # and one at a time, by their own prefixes
        for k in s3env.SPECIAL_KEYS:
            with self.subTest(single=k[:60]):
                _, objects = parse_text(self, self.ls("-r", f"s3://{self.b}/many/{k}"))
                keys = [o[0] for o in objects]
                self.assertIn("many/" + k, keys)
                self.assertEqual(keys, [t[0] for t in s3env.list_objects(self.s3, self.b,
                                                                          "many/" + k)])

    def test_non_recursive_shows_prefixes(self):
        # As aws s3 ls without -r: names relative to the requested directory.
        for prefix in ("many/", "many/dir/", "many/double/", "many/double//",
                       "many/trailing-slash/", "many/unicode/", "many/with space/", ""):
            with self.subTest(prefix=prefix):
                url = f"s3://{self.b}/{prefix}"
                prefixes, objects = parse_text(self, self.ls(url))
                want_prefixes, want_objects = s3env.list_level(self.s3, self.b, prefix)
                self.assertEqual(len(prefixes), len(set(prefixes)), "a prefix printed twice")
                self.assertEqual(set(prefixes), {p[len(prefix):] for p in want_prefixes})
                self.assertEqual({o[0]: o[1] for o in objects},
                                 {k[len(prefix):]: size for k, size in want_objects.items()})
                self.assertEqual(len(objects), len(want_objects))
        prefixes, objects = parse_text(self, self.ls(f"s3://{self.b}/many/"))
        self.assertEqual(set(prefixes), {f"part-{i:02}/" for i in range(16)} | {
            "with space/", "unicode/", "double/", "trailing-slash/", "dir/"})
        self.assertEqual({o[0] for o in objects}, {k for k in s3env.SPECIAL_KEYS if "/" not in k})

    def test_non_recursive_names_below_a_partial_prefix(self):
        # s3://b/many/part-0 lists many/part-00/ ... many/part-09/ and prints what follows
        # "many/", as aws s3 ls does.
        prefixes, objects = parse_text(self, self.ls(f"s3://{self.b}/many/part-0"))
        self.assertEqual(sorted(prefixes), [f"part-{i:02}/" for i in range(10)])
        self.assertEqual(objects, [])
        prefixes, objects = parse_text(self, self.ls(f"s3://{self.b}/wide/top"))
        self.assertEqual((prefixes, [o[0] for o in objects]), ([], ["top-level.txt"]))

    def test_recursive_prints_whole_keys(self):
        _, objects = parse_text(self, self.ls("-r", f"s3://{self.b}/wide/d0000"))
        self.assertEqual([o[0] for o in objects], [f"wide/d{i:05}/x" for i in range(10)])

    def test_times_are_local(self):
        # aws s3 ls shows times in the local zone; TZ=IST-5:30 is UTC+05:30.
        truth = s3env.list_objects(self.s3, self.b, "wide/d0000")
        india = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
        p = s3env.run(["ls", "-r", f"s3://{self.b}/wide/d0000"],
                      env=s3env.base_env(TZ="IST-5:30"))
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        _, objects = parse_text(self, p)
        self.assertEqual([o[2] for o in objects],
                         [t[3].astimezone(india).strftime("%Y-%m-%d %H:%M:%S") for t in truth])

    def test_non_recursive_many_prefixes_page(self):
        prefixes, objects = parse_text(self, self.ls(f"s3://{self.b}/wide/"))
        self.assertEqual(sorted(prefixes), [f"d{i:05}/" for i in range(1050)])
        self.assertEqual(len(prefixes), 1050, "a prefix printed twice")
        self.assertEqual([o[0] for o in objects], ["top-level.txt"])

    def test_prefix_without_slash(self):
        # As in `aws s3 ls`: without -r and without a trailing '/', the last path segment is
        # a key prefix, so s3://b/many shows the directory itself.
        prefixes, objects = parse_text(self, self.ls(f"s3://{self.b}/many"))
        self.assertEqual(prefixes, ["many/"])
        self.assertEqual(objects, [])

    def test_json_lines(self):
        truth = s3env.list_objects(self.s3, self.b, "many/")
        p = self.ls("-r", "--json", f"s3://{self.b}/many/")
        prefixes, objects = parse_json_lines(self, p)
        self.assertEqual(prefixes, [])
        self.assertEqual([o["key"] for o in objects], [t[0] for t in truth])
        for o, (key, size, etag, modified) in zip(objects, truth):
            self.assertEqual(o["size"], size, key[:80])
            self.assertIsInstance(o["size"], int)
            self.assertEqual(o["etag"].strip('"'), etag, key[:80])
            self.assertEqual(parse_iso(o["last_modified"]), modified, key[:80])
        # non-recursive: prefix lines too
        p = self.ls("--json", f"s3://{self.b}/many/")
        prefixes, objects = parse_json_lines(self, p)
        want_prefixes, want_objects = s3env.list_level(self.s3, self.b, "many/")
        self.assertEqual(sorted(prefixes), sorted(want_prefixes))
        self.assertEqual({o["key"]: o["size"] for o in objects}, want_objects)

    def test_json_lines_survive_splitlines(self):
        # A review's finding: U+2028, U+2029 and U+0085 went out raw (valid JSON), and
        # Python's str.splitlines() cut such a key's line in two. They are \u escapes now.
        keys = ["breaks/a\u2028b", "breaks/c\u2029d", "breaks/e\u0085f", "breaks/g\u00e9h"]
        for key in keys:
            self.s3.put_object(Bucket=self.b, Key=key, Body=b"")
        p = self.ls("-r", "--json", f"s3://{self.b}/breaks/")
        self.assertEqual([json.loads(line)["key"] for line in p.stdout.splitlines()], keys)
        self.assertIn("\\u2028", p.stdout)

    def test_empty(self):
        # As aws s3 ls: nothing under a prefix exits 1, silently; an empty bucket exits 0.
        for args, code in (([f"s3://{self.b}/no-such-prefix/"], 1),
                           (["-r", f"s3://{self.b}/no-such-prefix/"], 1),
                           (["--json", "-r", f"s3://{self.b}/no-such-prefix"], 1),
                           (["--json", f"s3://{self.b}/no-such-prefix"], 1),
                           ([f"s3://{self.empty}"], 0), (["-r", f"s3://{self.empty}/"], 0),
                           (["-r", f"s3://{self.b}/empty-dir-lookalike/"], 1)):
            with self.subTest(args=args):
                p = self.ls(*args, ok=False)
                self.assertEqual(p.returncode, code, s3env.describe(p))
                self.assertEqual(p.stdout, "", "nothing to list: no output")
                self.assertEqual(p.stderr, "", "nothing to list: no message")
        # A prefix that names only a directory is not empty.
        self.assertEqual(self.ls(f"s3://{self.b}/wid").returncode, 0)

    def test_output_that_fails_stops_the_listing(self):
        # A full disk stops a long listing at the page that could not be written: the pages
        # after it are never asked for (2,500+ keys are three pages of 1,000).
        with open("/dev/full", "w") as full:
            p = subprocess.run([s3env.s3loop_bin(), "ls", "-r", f"s3://{self.b}/many/",
                                "--list-concurrency", "1", "--debug"], env=s3env.base_env(),
                               stdout=full, stderr=subprocess.PIPE, encoding="utf-8",
                               timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr[-2000:])
        self.assertTrue(p.stderr.splitlines()[-1].startswith(
            "s3loop: error: writing the output to stdout failed"), p.stderr[-2000:])
        sent = [line for line in p.stderr.splitlines() if line.startswith("s3loop: debug: -> GET")]
        self.assertLessEqual(len(sent), 2, "pages listed after the output failed:\n"
                             + "\n".join(sent))
        self.assertIn("(is the disk full?)", p.stderr.splitlines()[-1])

    def test_a_reader_gone_with_sigpipe_ignored_is_a_broken_pipe_not_a_full_disk(self):
        # `ls | head -1` under a parent that ignores SIGPIPE (some supervisors and CI runners
        # do; the ignore is inherited): the write fails with EPIPE, and the error said "is the
        # disk full?". (Python ignores SIGPIPE itself: restore_signals=False passes it on.)
        read_end, write_end = os.pipe()
        proc = subprocess.Popen([s3env.s3loop_bin(), "ls", "-r", f"s3://{self.b}/many/"],
                                env=s3env.base_env(), stdout=write_end, stderr=subprocess.PIPE,
                                encoding="utf-8", restore_signals=False)
        os.close(write_end)
        os.read(read_end, 1)  # the first byte, then the reader is gone
        os.close(read_end)
        _, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 1, err)
        self.assertEqual(err.splitlines()[-1],
                         "s3loop: error: writing the output to stdout failed (Broken pipe: the "
                         "reader of the output went away): what it holds is incomplete", err)


class MakeBucketTests(s3env.E2ETestCase):
    def test_a_region_the_endpoint_does_not_serve_is_named(self):
        # radosgw serves its zonegroup's region alone: InvalidLocationConstraint, with
        # nothing saying which region was asked for or where it was set.
        name = self.bucket("mb-region", create=False)
        p = s3env.run(["mb", f"s3://{name}", "--region", "eu-west-1"])
        s3env.assert_clean_error(self, p, 1, "InvalidLocationConstraint",
                                 "the bucket was to be made in eu-west-1, the region set by "
                                 "--region: choose one the endpoint serves (--region, "
                                 "AWS_REGION or the profile's region)")

    def test_text_and_json(self):
        for args, expected in (([], "make_bucket: {}\n"), (["--json"], '{{"bucket":"{}"}}\n')):
            with self.subTest(args=args):
                name = self.bucket("mb", create=False)
                p = s3env.run(["mb", f"s3://{name}", *args])
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                self.assertEqual(p.stdout, expected.format(name))
                self.s3.head_bucket(Bucket=name)  # raises unless it was made

    def test_a_reader_gone_is_the_lines_error_not_a_death_by_sigpipe(self):
        # A review's finding: `mb ... | true` made the bucket, then died of SIGPIPE (141).
        name = self.bucket("mb-pipe", create=False)
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            proc = subprocess.Popen([s3env.s3loop_bin(), "mb", f"s3://{name}"],
                                    env=s3env.base_env(), stdout=write_end,
                                    stderr=subprocess.PIPE, text=True)
        finally:
            os.close(write_end)
        err = proc.communicate(timeout=60)[1]
        self.assertEqual(proc.returncode, 1, err)
        self.assertEqual(err, "s3loop: error: writing the output to stdout failed (Broken pipe: "
                              "the reader of the output went away): what it holds is "
                              "incomplete\n")
        self.s3.head_bucket(Bucket=name)  # made all the same


class BucketListTests(s3env.E2ETestCase):
    """`s3loop ls` without a bucket lists the buckets, as `aws s3 ls` does. Other test modules
    create and delete buckets meanwhile, so only buckets that boto3 lists both before and after
    the command are required in its output."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plain = cls.class_bucket("ls-buckets")
        # Dots and digits, as S3 allows them (and path-style addressing needs).
        cls.dotted = f"e2e.2024.ls-buckets.{uuid.uuid4().hex[:10]}.01"
        cls.addClassCleanup(s3env.discard_bucket, cls.s3, cls.dotted)
        s3env.make_bucket(cls.s3, cls.dotted)
        cls.ours = (cls.plain, cls.dotted)

    def server_buckets(self):
        """[(name, creation datetime)] in the server's order, from boto3."""
        return [(b["Name"], b["CreationDate"]) for b in self.s3.list_buckets()["Buckets"]]

    def ls(self, *args):
        """Runs `s3loop ls args`; returns (process, boto3's buckets before, after)."""
        before = self.server_buckets()
        p = s3env.run(["ls", *args])
        after = self.server_buckets()
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stderr, "", "nothing on stderr" + s3env.describe(p))
        self.assertTrue(p.stdout.endswith("\n"), "output must end with a newline" + s3env.describe(p))
        return p, before, after

    def check_against_server(self, printed, before, after, p):
        """printed: [(name, "YYYY-MM-DD HH:MM:SS")] in printed order."""
        names = [n for n, _ in printed]
        self.assertEqual(len(names), len(set(names)), "a bucket printed twice" + s3env.describe(p))
        after_names = {n for n, _ in after}
        stable = [(n, utc_text(d)) for n, d in before if n in after_names]
        for name in self.ours:
            self.assertIn(name, [n for n, _ in stable], "test bucket vanished from the server")
            self.assertIn(name, names, "a bucket of ours is missing" + s3env.describe(p))
        # Every bucket that existed all along, with its creation date to the second, in the
        # server's order.
        stable_names = {n for n, _ in stable}
        self.assertEqual([b for b in printed if b[0] in stable_names], stable)

    def test_text(self):
        for args in ([], ["s3://"], ["-r"], ["--recursive", "s3://"],
                     ["--list-concurrency", "4", "-r"]):
            with self.subTest(args=args):
                p, before, after = self.ls(*args)
                printed = []
                for line in p.stdout.split("\n")[:-1]:
                    m = BUCKET_LINE.match(line)
                    self.assertIsNotNone(m, f"unparsable bucket line {line[:200]!r}"
                                         + s3env.describe(p))
                    printed.append((m.group(2), m.group(1)))
                self.check_against_server(printed, before, after, p)

    def test_json_lines(self):
        for args in (["--json"], ["--json", "s3://"], ["s3://", "--json", "-r"]):
            with self.subTest(args=args):
                p, before, after = self.ls(*args)
                printed = []
                for line in p.stdout.split("\n")[:-1]:
                    try:
                        d = json.loads(line)
                    except ValueError as e:
                        self.fail(f"ls --json printed a line that is not JSON ({e}): "
                                  f"{line[:200]!r}")
                    self.assertIsInstance(d, dict)
                    self.assertEqual(set(d), {"bucket", "creation_date"},
                                     f"bad bucket line {line[:200]!r}")
                    printed.append((d["bucket"], utc_text(parse_iso(d["creation_date"]))))
                self.check_against_server(printed, before, after, p)

    def test_bad_credentials(self):
        wrong_secret = s3env.base_env(AWS_SECRET_ACCESS_KEY="wrong" + self.srv.secret_key[5:])
        for args in ([], ["s3://", "--json"]):
            with self.subTest(args=args):
                p = s3env.run(["ls", *args], env=wrong_secret)
                line = s3env.assert_clean_error(self, p, 1, "rejected the credentials")
                self.assertNotIn(self.srv.secret_key[5:], line, "the secret must not be printed")
                self.assertEqual(p.stdout, "", "nothing listed" + s3env.describe(p))
        p = s3env.run(["ls"], env=s3env.base_env(AWS_ACCESS_KEY_ID="NOSUCHACCESSKEY00000"))
        s3env.assert_clean_error(self, p, 1, "credentials")
        self.assertEqual(p.stdout, "")
        # None at all: the user's to fix before any request, exit 2.
        p = s3env.run(["ls"], env=s3env.base_env(AWS_ACCESS_KEY_ID=None,
                                                 AWS_SECRET_ACCESS_KEY=None))
        s3env.assert_clean_error(self, p, 2, "credentials")

    def test_unreachable_endpoint(self):
        p = s3env.run(["ls", "--endpoint-url", "https://127.0.0.1:1"], timeout=30)
        s3env.assert_clean_error(self, p, 1, "cannot connect", "127.0.0.1:1")
        self.assertEqual(p.stdout, "")

    def test_interrupt_while_retrying_exits_130(self):
        # Ctrl-C cuts the retries short; the exit code says it was Ctrl-C (it said 1: the
        # request's error was taken for the listing's own failure), as cp and select do, and
        # nothing is said of the request it kept from its retry, as of one cut off in flight.
        for args in (["ls", "s3://some-bucket/"], ["ls", "-r", "s3://some-bucket/x/"]):
            with self.subTest(args=args):
                proc = subprocess.Popen(
                    [s3env.s3loop_bin(), *args, "--endpoint-url", "https://127.0.0.1:1",
                     "--max-attempts", "100"], env=s3env.base_env(), stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True)
                try:
                    self.assertTrue(s3env.wait_until_catching(proc, signal.SIGINT),
                                    "ls never caught SIGINT")
                    time.sleep(0.5)  # into the retries' back-off
                    proc.send_signal(signal.SIGINT)
                    out, err = proc.communicate(timeout=30)
                finally:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
                self.assertEqual(proc.returncode, 130, err)
                self.assertEqual((out, err), ("", ""))
                for marker in s3env.CRASH_MARKERS:
                    self.assertNotIn(marker, err)

    def test_a_signal_while_the_output_waits_for_its_reader_is_the_signals_exit(self):
        # A review's finding: a write blocked on a full pipe failed with EINTR when the
        # signal came (the handler did not ask for restarts), and ls said "writing the output
        # to stdout failed (is the disk full?)", exit 1, its last line cut in two.
        bucket = self.bucket("ls-blocked")
        s3env.datagen(f"s3://{bucket}/k/", 300, max_size=0, seed=4)  # ~18 KB of lines
        # A pipe full before ls starts: its first write (the first 4 KiB of the first page,
        # in its run) waits with nothing written, the write a signal failed.
        read_end, write_end = os.pipe()
        self.addCleanup(os.close, read_end)
        capacity = fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ
        os.write(write_end, b"x" * capacity)
        try:
            proc = subprocess.Popen([s3env.s3loop_bin(), "ls", "-r", f"s3://{bucket}/"],
                                    env=s3env.base_env(), stdout=write_end,
                                    stderr=subprocess.PIPE, text=True)
        finally:
            os.close(write_end)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            waits = []
            for task in os.listdir(f"/proc/{proc.pid}/task"):
                with open(f"/proc/{proc.pid}/task/{task}/wchan") as f:
                    waits.append(f.read())
            if any("pipe_write" in wait for wait in waits):
                break
            time.sleep(0.01)
        self.assertIsNone(proc.poll(), "ls ended before it wrote")
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)  # (the write still waits)
        out = b""
        while chunk := os.read(read_end, 65536):
            out += chunk
        err = proc.stderr.read()
        proc.wait(timeout=30)
        self.assertEqual(proc.returncode, 143, err)
        self.assertEqual(err, "")
        lines = out[capacity:].decode().splitlines(keepends=True)
        self.assertGreater(len(lines), 0)
        for line in lines:
            self.assertRegex(line, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +0 k/\S+\n$")

def stdout_on_terminal(test, args):
    """s3loop with stdout on a terminal (raw: no \\n -> \\r\\n); returns (exit, output)."""
    proc, out, err = s3env.run_on_terminal(args, on="stdout", raw=True)
    test.assertEqual(err, b"", err)
    return proc.returncode, out


class KeysOnATerminal(s3env.E2ETestCase):
    """A key's control characters reach a terminal as C escapes (a security review: a key
    holding ESC [2J cleared the screen, one holding a line break forged a listing row), as GNU
    ls shows them as '?' there; piped, keys go out as they are, as aws s3 ls writes them."""

    KEYS = ["esc/\x1b[2Jclear", "esc/line\n2026-01-01 00:00:00          1 forged", "esc/plain"]

    def test_ls_and_a_dry_run_escape_control_characters_on_a_terminal_only(self):
        bucket = self.bucket("ls-tty")
        for key in self.KEYS:
            self.s3.put_object(Bucket=bucket, Key=key, Body=b"x")
        rc, out = stdout_on_terminal(self, ["ls", "-r", f"s3://{bucket}/esc/"])
        self.assertEqual(rc, 0, out)
        self.assertEqual(len(out.decode().splitlines()), 3, out)  # one row a key, none forged
        self.assertNotIn(b"\x1b", out)
        self.assertIn(b"esc/\\x1b[2Jclear", out)
        self.assertIn(b"esc/line\\n2026-01-01 00:00:00          1 forged", out)
        rc, out = stdout_on_terminal(self, ["cp", f"s3://{bucket}/esc/", f"s3://{bucket}/d/",
                                            "--dryrun"])
        self.assertEqual(rc, 0, out)
        self.assertEqual(len(out.decode().splitlines()), 4, out)  # and the summary
        self.assertNotIn(b"\x1b", out)
        self.assertIn(f"(dryrun) copy: s3://{bucket}/esc/\\x1b[2Jclear to "
                      f"s3://{bucket}/d/\\x1b[2Jclear".encode(), out)
        # Piped: as they are.
        p = s3env.run(["ls", "-r", f"s3://{bucket}/esc/"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn("esc/\x1b[2Jclear\n", p.stdout)
        self.assertIn("esc/line\n2026-01-01 00:00:00          1 forged\n", p.stdout)


if __name__ == "__main__":
    unittest.main()
