"""Bad input end to end: every mistake gives one clear line on stderr, the documented exit code
(2 usage/config, 1 runtime failure), no crash, no hang, and nothing written.

Run: /usr/bin/python3 -m unittest -v test_bad_input   (from tests/e2e; see s3env.py).
"""

import http.server
import json
import os
import resource
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from urllib.parse import urlsplit

import s3env


class BannerServer:
    """A TCP listener on 127.0.0.1 that greets every connection with `banner`, as an SSH or SMTP
    server does, reads whatever comes until the client closes, and counts the connections."""

    def __init__(self, banner):
        self.banner = banner
        self.connections = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            self.connections += 1
            threading.Thread(target=self._greet, args=(conn,), daemon=True).start()

    def _greet(self, conn):
        with conn:
            try:
                conn.sendall(self.banner)
                while conn.recv(65536):
                    pass
            except OSError:
                pass

    def close(self):
        self._sock.close()


class OtherRegion:
    """A plain-HTTP stand-in for S3 that answers every request with one error reply (status,
    extra headers, XML body) and records each request line."""

    def __init__(self, status, headers, body):
        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self):
                requests.append(f"{self.command} {self.path}")
                data = body.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(0 if self.command == "HEAD" else len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = reply

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


class BadInput(s3env.E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("bad-src")
        s3env.datagen(f"s3://{cls.src}/src/", count=30, max_size=1024, seed=9)
        cls.source = s3env.object_map(cls.s3, cls.src, "src/")
        cls.dst = cls.class_bucket("bad-dst")
        cls.src_url = f"s3://{cls.src}/src"
        cls.dst_url = f"s3://{cls.dst}/out"

    def tearDown(self):
        # Whatever a test did, a failed command must not have written anything. (Leftovers are
        # removed first so that one failure does not fail every later test too.)
        left = [k for k, *_ in s3env.list_objects(self.s3, self.dst)]
        uploads = s3env.multipart_uploads(self.s3, self.dst)
        for key, upload_id in uploads:
            self.s3.abort_multipart_upload(Bucket=self.dst, Key=key, UploadId=upload_id)
        for key in left:
            self.s3.delete_object(Bucket=self.dst, Key=key)
        self.assertEqual(left, [], f"a failed command wrote to s3://{self.dst}")
        self.assertEqual(uploads, [], f"a failed command left multipart uploads in {self.dst}")
        self.assertEqual(s3env.object_map(self.s3, self.src, "src/"), self.source,
                         "the source was modified")

    def run_both(self, extra=(), env=None, timeout=60):
        """`ls` of the source and `cp` source -> destination with the same extra arguments."""
        ls = s3env.run(["ls", self.src_url + "/", *extra], env=env, timeout=timeout)
        cp = s3env.run(["cp", self.src_url, self.dst_url, *extra], env=env, timeout=timeout)
        return ls, cp

    # --- usage errors: exit 2 ---------------------------------------------------------------

    def test_more_connections_than_open_files_is_refused_before_any_request(self):
        # Each connection is a descriptor: past the limit, requests would fail halfway (EMFILE).
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (200, 200))

        key = next(iter(self.source))
        for args, words in (
                (["cp", self.src_url, self.dst_url, "--concurrency", "200"],
                 ["--concurrency 200 with --list-concurrency 16", "238 open files",
                  "limit of 200", "lower --concurrency to 162 or fewer",
                  "raise the limit (ulimit -n 238)"]),
                # A loop per worker, three descriptors each: 150 + 16 + 16 + 3 * 151.
                (["cp", self.src_url, self.dst_url, "--strategy", "threads", "--threads", "150"],
                 ["--threads 150", "635 open files", "limit of 200"]),
                (["ls", "-r", self.src_url + "/", "--list-concurrency", "190"],
                 ["--list-concurrency 190", "212 open files", "limit of 200"]),
                (["select", f"s3://{self.src}/{key}", "-c", "190", "-e",
                  "SELECT * FROM S3Object"], ["--concurrency 190", "209 open files", "limit of 200"])):
            p = s3env.run(args, preexec_fn=limit)
            s3env.assert_clean_error(self, p, 2, *words)
            self.assertEqual(p.stdout, "", args)

    def test_a_low_open_file_limit_still_runs_what_fits_in_it(self):
        # A review's finding: with 64 descriptors in all (`ulimit -n 64`), every command was
        # refused, even at one connection, while the message said to lower the connections.
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

        ls = s3env.run(["ls", "-r", self.src_url + "/"], preexec_fn=limit)
        self.assertEqual(ls.returncode, 0, s3env.describe(ls))
        self.assertEqual(len(ls.stdout.splitlines()), len(self.source), s3env.describe(ls))

        # Without -r, ls lists on one connection: the default --list-concurrency (16), which
        # it does not use, refused it under 30 descriptors (a review's finding).
        def lower():
            resource.setrlimit(resource.RLIMIT_NOFILE, (30, 30))

        ls = s3env.run(["ls", self.src_url + "/"], preexec_fn=lower)
        self.assertEqual(ls.returncode, 0, s3env.describe(ls))
        self.assertTrue(ls.stdout, s3env.describe(ls))
        cp = s3env.run(["cp", self.src_url, self.dst_url, "--concurrency", "8", "--dry-run"],
                       preexec_fn=limit)
        self.assertEqual(cp.returncode, 0, s3env.describe(cp))
        self.assertEqual(cp.stdout.count("(dryrun) copy:"), len(self.source), s3env.describe(cp))
        # The threads strategy's default, min(32, cores + 4) workers, is counted as it runs
        # (it was counted as 32, and refused here); more workers than fit are told how many do.
        if os.cpu_count() <= 4:
            p = s3env.run(["cp", self.src_url, self.dst_url, "--strategy", "threads",
                           "--dry-run"], preexec_fn=limit)
            self.assertEqual(p.returncode, 0, s3env.describe(p))
        p = s3env.run(["cp", self.src_url, self.dst_url, "--strategy", "threads", "--threads",
                       "40"], preexec_fn=limit)
        s3env.assert_clean_error(self, p, 2, "--threads 40 with --list-concurrency 16",
                                 "limit of 64", "lower --threads to 7 or fewer")
        p = s3env.run(["cp", self.src_url, self.dst_url, "--strategy", "threads", "--threads",
                       "7", "--dry-run"], preexec_fn=limit)
        self.assertEqual(p.returncode, 0, s3env.describe(p))

        # And a limit that leaves no room for a connection beside the listing's says to raise it.
        def lowest():
            resource.setrlimit(resource.RLIMIT_NOFILE, (30, 30))

        p = s3env.run(["cp", self.src_url, self.dst_url], preexec_fn=lowest)
        s3env.assert_clean_error(self, p, 2, "limit of 30", "raise the limit (ulimit -n 294)")
        self.assertNotIn("lower", p.stderr)

    def test_a_low_soft_open_file_limit_is_raised_to_the_hard_one(self):
        # Soft 64, hard as it is: 200 connections fit once s3loop raises the soft limit (as Go
        # programs such as rclone do), so the check above lets the (dry) run go.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 300:
            self.skipTest(f"the hard open-file limit ({hard}) is too low to show it")

        def low_soft_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))

        p = s3env.run(["cp", self.src_url, self.dst_url, "--concurrency", "200", "--dry-run"],
                      preexec_fn=low_soft_limit)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stdout.count("(dryrun) copy:"), len(self.source), s3env.describe(p))

    def test_malformed_urls(self):
        for url, words in (("bucket/x", ["invalid S3 URL", "bucket/x"]),
                           ("s3://", ["invalid S3 URL"]),
                           ("s3:///key", ["invalid S3 URL"]),
                           ("s3://A B/x", ["invalid S3 URL", "A B"]),
                           ("s3://ab", ["invalid S3 URL", "ab"]),
                           ("https://bucket/key", ["invalid S3 URL"]),
                           ("", ["invalid S3 URL"]),
                           ("s3://" + "b" * 256, ["invalid S3 URL"]),
                           ("s3://192.168.1.1/k", ["invalid S3 URL", "IP address"])):
            with self.subTest(url=url):
                if url != "s3://":  # `ls s3://` lists the buckets (test_ls.BucketListTests)
                    s3env.assert_clean_error(self, s3env.run(["ls", url]), 2, *words)
                s3env.assert_clean_error(self, s3env.run(["cp", url, self.dst_url]), 2, *words)
                s3env.assert_clean_error(self, s3env.run(["cp", self.src_url, url]), 2, *words)

    def test_a_local_path_to_cp_says_cp_is_s3_to_s3(self):
        # aws s3 cp uploads a local file; s3loop said only "expected s3://bucket[/key]", as
        # for a typo (a review's finding).
        words = ["invalid S3 URL '/tmp/f.csv'", "s3loop cp copies from S3 to S3, server-side",
                 "use aws s3 cp"]
        for args in (["cp", "/tmp/f.csv", self.dst_url], ["cp", self.src_url, "/tmp/f.csv"],
                     ["compare", "cp", "/tmp/f.csv", self.dst_url]):
            with self.subTest(args=args):
                s3env.assert_clean_error(self, s3env.run(args), 2, *words)
        # A URL of another scheme is no local path: no such advice.
        p = s3env.run(["cp", "https://bucket/key", self.dst_url])
        s3env.assert_clean_error(self, p, 2, "invalid S3 URL")
        self.assertNotIn("aws s3 cp", p.stderr)

    def test_a_key_that_is_not_utf8_is_refused_by_every_command(self):
        # S3 keys are UTF-8: a Latin-1 "café" names no object. ls said nothing and exited 1,
        # cp and select met a 400 from the server's HEAD. ("\udce9" is the byte 0xE9 as
        # Python passes it through to argv.)
        bucket = self.src_url[len("s3://"):].split("/")[0]
        bad = f"s3://{bucket}/caf\udce9"
        words = ["invalid S3 URL", "the key is not UTF-8 (byte \\xe9)", "check the encoding"]
        for args in (["ls", bad], ["cp", bad, self.dst_url], ["cp", self.src_url, bad + "/"],
                     ["select", bad, "-e", "SELECT COUNT(*) FROM s3object"]):
            with self.subTest(args=args[0]):
                s3env.assert_clean_error(self, s3env.run(args), 2, *words)

    def test_bad_flag_values(self):
        for args, words in ((["--concurrency", "0"], ["--concurrency"]),
                            (["--concurrency", "-5"], ["--concurrency"]),
                            (["--concurrency", "abc"],
                             ["--concurrency: expects a whole number, got 'abc'",
                              "s3loop cp --help"]),
                            # CLI11 alone reads hex, binary and exponents as numbers.
                            (["-c", "0x10"], ["--concurrency: expects a whole number"]),
                            (["--threads", "1e3"], ["--threads: expects a whole number"]),
                            (["--threads", "0"], ["--threads: must be between 1 and 1024, got 0"]),
                            (["--max-attempts", "101"], ["must be between 1 and 100, got 101"]),
                            (["-c", "99999999999"],
                             ["--concurrency: must be between 1 and 10000, got 99999999999"]),
                            (["-c", "0"], ["concurrency"]),
                            (["--strategy", "bogus"], ["strategy", "bogus"]),
                            (["--strategy", ""], ["strategy"]),
                            (["--multipart-chunksize", "1KiB"], ["--multipart-chunksize"]),
                            (["--multipart-chunksize", "6GiB"], ["--multipart-chunksize"]),
                            (["--multipart-chunksize", "lots"], ["--multipart-chunksize"]),
                            (["--multipart-threshold", "xyz"], ["--multipart-threshold", "xyz"]),
                            (["--multipart-threshold", "-1"], ["--multipart-threshold"]),
                            (["--multipart-threshold", "0"], ["--multipart-threshold"]),
                            (["--max-attempts", "0"], ["--max-attempts"]),
                            # NaN passed a plain range check, and a NaN timeout never fires.
                            (["--read-timeout", "nan"], ["--read-timeout", "seconds"]),
                            (["--connect-timeout", "NaN"], ["--connect-timeout", "seconds"]),
                            (["--connect-timeout", "inf"], ["--connect-timeout"]),
                            (["--read-timeout", "0"], ["--read-timeout"]),
                            (["--read-timeout", "5s"], ["--read-timeout", "seconds"]),
                            (["--addressing-style", "sideways"], ["addressing-style"]),
                            (["--no-such-flag"], ["--no-such-flag", "see s3loop cp --help"]),
                            (["--concurrency"], ["--concurrency"])):
            with self.subTest(args=args):
                p = s3env.run(["cp", self.src_url, self.dst_url, *args])
                s3env.assert_clean_error(self, p, 2, *words)

    def test_leading_zeros_are_decimal(self):
        # CLI11 read 010 as octal 8 (and 09 as no number), where aws cli and rclone read 10.
        for given, attempts in (("010", 10), ("09", 9)):
            with self.subTest(given=given):
                p = s3env.run(["ls", self.src_url, "--max-attempts", given,
                               "--endpoint-url", "https://127.0.0.1:1"], timeout=120)
                s3env.assert_clean_error(self, p, 1, f"gave up after {attempts} attempts")
        p = s3env.run(["cp", self.src_url, self.dst_url, "-c", "010001", "--dry-run"])
        s3env.assert_clean_error(self, p, 2,
                                 "--concurrency must be between 1 and 10000 (got 10001)")

    def test_datagen_refuses_bad_flags_in_one_line(self):
        # The data-set tool the README's demo and the benchmarks use: a negative count uploaded
        # without end, and CLI11's own words came with exit codes 104 and 106.
        url = f"s3://{self.src}/datagen-refused/"
        for args, words in ((["--count", "-1"], ["--count: must be between 0 and 100000000"]),
                            (["--count", "abc"], ["--count: expects a whole number, got 'abc'"]),
                            (["--min-size", "10", "--max-size", "5"],
                             ["--min-size 10 is larger than --max-size 5"]),
                            (["-c", "0"], ["--concurrency: must be between 1 and 4096, got 0"]),
                            (["--frob"], ["--frob"])):
            with self.subTest(args=args):
                p = s3env.run([url, *args], binary=s3env.datagen_bin())
                s3env.assert_clean_error(self, p, 2, *words)
        p = s3env.run(["--count", "3"], binary=s3env.datagen_bin())
        s3env.assert_clean_error(self, p, 2, "url is required")
        self.assertEqual(s3env.list_objects(self.s3, self.src, "datagen-refused/"), [])
        # It makes a missing bucket: by the rules `s3loop mb` applies (XC_bad was made).
        p = s3env.run(["s3://XC_bad-datagen/x", "--count", "1"], binary=s3env.datagen_bin())
        s3env.assert_clean_error(self, p, 2, "bucket XC_bad-datagen does not exist, and ",
                                 " for a new bucket")
        self.assertNotIn("XC_bad-datagen", [b["Name"] for b in self.s3.list_buckets()["Buckets"]])

    def test_datagen_json_is_json(self):
        # --json (a common flag) printed the text line.
        url = f"s3://{self.src}/datagen-json/"
        self.addCleanup(lambda: [self.s3.delete_object(Bucket=self.src, Key=o[0]) for o in
                                 s3env.list_objects(self.s3, self.src, "datagen-json/")])
        p = s3env.run([url, "--count", "1", "--json"], binary=s3env.datagen_bin())
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        doc = json.loads(p.stdout)
        self.assertEqual((doc["destination"], doc["objects"], doc["failed"], doc["cancelled"]),
                         (url, 1, 0, False))
        p = s3env.run([url, "--count", "1"], binary=s3env.datagen_bin())
        self.assertTrue(p.stdout.startswith("uploaded 1 object ("), p.stdout)

    def test_bad_arguments(self):
        # (`ls` alone lists the buckets: test_ls.BucketListTests.)
        for args in (["cp"], ["cp", self.src_url], ["cp", self.src_url, self.dst_url, "extra"],
                     ["ls", self.src_url, "extra"], ["ls", "s3://", "extra"],
                     ["ls", "--recursive=maybe", self.src_url], ["ls", "--recursive=maybe"],
                     ["ls", "--list-concurrency", "0"], ["frobnicate"], []):
            with self.subTest(args=args):
                p = s3env.run(args)
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 2, s3env.describe(p))
                self.assertIn("s3loop: error: ", p.stderr)

    def test_compare_without_its_job_says_how_to_write_one(self):
        # CLI11's words were "job: s3://a/ not in {cp}".
        for job in (self.src_url, "ls"):
            with self.subTest(job=job):
                p = s3env.run(["compare", job, self.dst_url])
                s3env.assert_clean_error(self, p, 2, f"'{job}' is no job compare runs: write "
                                         "s3loop compare cp SRC DST [cp flags]")
        # A cp flag before cp: its value was taken for the job ("'4' is no job").
        p = s3env.run(["compare", "-c", "4", "cp", self.src_url, self.dst_url])
        s3env.assert_clean_error(self, p, 2, "-c is a flag of cp and stands before it: cp's flags "
                                 "go after cp (s3loop compare cp ... -c 4)")

    def test_stray_words_are_named_in_the_order_typed(self):
        # CLI11 named them last first ("not expected: bar --foo 2 --page-size").
        p = s3env.run(["ls", self.src_url, "--page-size", "2", "--foo", "bar"])
        s3env.assert_clean_error(self, p, 2, "unknown flags --page-size, --foo; these arguments "
                                 "were not expected: --page-size 2 --foo bar (see s3loop ls "
                                 "--help)")
        # ls has no -c: 5 was taken for the URL, and the line named only "-c s3://b".
        p = s3env.run(["ls", "-c", "5", self.src_url])
        s3env.assert_clean_error(self, p, 2, f"unknown flag -c; these arguments were not "
                                 f"expected: -c {self.src_url} (see s3loop ls --help)")
        p = s3env.run(["cp", self.src_url, self.dst_url, "extra"])
        s3env.assert_clean_error(self, p, 2, "this argument was not expected: extra (see s3loop "
                                 "cp --help)")
        # compare reads cp's flags with cp's words (it said CLI11's: "The following argument
        # was not expected", "--exclude: 1 required PATTERN missing").
        p = s3env.run(["compare", "cp", self.src_url, self.dst_url, "--frob"])
        s3env.assert_clean_error(self, p, 2, "the cp flags given to compare: unknown flag "
                                 "--frob (see s3loop cp --help)")
        for args in (["cp", self.src_url, self.dst_url, "--exclude"],
                     ["compare", "cp", self.src_url, self.dst_url, "--exclude"]):
            with self.subTest(args=args):
                p = s3env.run(args)
                s3env.assert_clean_error(self, p, 2, "--exclude needs a value (see s3loop cp "
                                         "--help)")

    def test_a_flag_given_twice_counts_as_given_last(self):
        # As aws cli's argparse takes it; CLI11 alone said "At Most 1 required but received 2".
        p = s3env.run(["cp", self.src_url, self.dst_url, "-c", "5", "--concurrency", "0"])
        s3env.assert_clean_error(self, p, 2, "--concurrency must be between 1 and 10000 (got 0)")
        p = s3env.run(["cp", self.src_url, self.dst_url, "-c", "0", "-c", "5", "--dry-run",
                       "--json"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.parse_json_summary(self, p)["objects"], len(self.source))

    def test_flags_before_the_command_are_named(self):
        p = s3env.run(["-c", "5", "cp", self.src_url, self.dst_url])
        s3env.assert_clean_error(self, p, 2, "-c stands before the command cp",
                                 "s3loop cp ... -c 5")
        # A flag the command has not either: moving it would only meet another error.
        p = s3env.run(["-c", "5", "ls", self.src_url])
        s3env.assert_clean_error(self, p, 2, "-c is no flag of s3loop ls", "s3loop ls --help")
        # No command at all: CLI11 said only "A subcommand is required".
        for args in (["--frob"], []):
            with self.subTest(args=args):
                p = s3env.run(args)
                s3env.assert_clean_error(self, p, 2, "expected a command (ls, cp, compare, "
                                         "select or mb)", *args)
        # A short switch given a value: CLI11 read -r=false as the flags -r, -=, -f, ...
        p = s3env.run(["ls", "-r=false", self.src_url])
        s3env.assert_clean_error(self, p, 2, "-r takes no value (given -r=false)")

    def test_unknown_command_is_named(self):
        p = s3env.run(["frobnicate", self.src_url])
        s3env.assert_clean_error(self, p, 2, "unknown command 'frobnicate'", "ls, cp")

    def test_output_that_cannot_be_written_fails(self):
        # A full disk must not pass for a complete listing or summary: exit 1, one line.
        dst = self.bucket("bad-devfull")
        for args in (["ls", "-r", self.src_url + "/"], ["ls", self.src_url + "/"], ["ls"],
                     ["cp", self.src_url, f"s3://{dst}/out", "--json"],
                     # Help and version too: a script reading them must not get nothing.
                     ["--help"], ["cp", "--help"], ["--version"]):
            with self.subTest(args=args), open("/dev/full", "w") as full:
                p = subprocess.run([s3env.s3loop_bin(), *args], env=s3env.base_env(),
                                   stdout=full, stderr=subprocess.PIPE, encoding="utf-8",
                                   timeout=120)
                self.assertEqual(p.returncode, 1, p.stderr)
                lines = p.stderr.splitlines()
                self.assertEqual(len(lines), 1, p.stderr)
                self.assertTrue(lines[0].startswith("s3loop: error: writing the output to stdout "
                                                    "failed"), p.stderr)
        # A closed stdout is named as such, not blamed on a full disk.
        p = subprocess.run([s3env.s3loop_bin(), "ls", "-r", self.src_url + "/"],
                           env=s3env.base_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           encoding="utf-8", timeout=120,
                           preexec_fn=lambda: os.close(1))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stderr.splitlines(), ["s3loop: error: writing the output to stdout "
                                                 "failed (stdout is closed, or not open for "
                                                 "writing): what it holds is incomplete"])

    def test_option_without_value_does_not_swallow_next_flag(self):
        # `--region --dry-run` is a missing value, not the region "--dry-run": taking it as a
        # value silently turns a dry run into a real copy.
        # Every option that takes a value, strings (a pattern, a path) as much as numbers.
        dst = self.bucket("bad-swallow")
        for option in ("--region", "--endpoint-url", "--ca-bundle", "--profile", "--exclude",
                       "--include", "--journal", "--multipart-chunksize", "--concurrency"):
            with self.subTest(option=option):
                p = s3env.run(["cp", self.src_url, f"s3://{dst}/out", option, "--dry-run"])
                s3env.assert_clean_error(self, p, 2, option)
                self.assertIn("is a flag", p.stderr)
                self.assertBucketEmpty(dst, why=f"after `{option} --dry-run`")
        # compare passes cp's flags on: the same refusal, before any run.
        p = s3env.run(["compare", "cp", self.src_url, f"s3://{dst}/out", "--exclude", "--quiet",
                       "--strategies", "async"])
        s3env.assert_clean_error(self, p, 2, "--exclude")
        self.assertBucketEmpty(dst, why="after compare's `--exclude --quiet`")
        # A pattern that starts with '--' is given as --exclude=PATTERN.
        p = s3env.run(["cp", self.src_url, f"s3://{dst}/out", "--exclude=--dry-run", "--dry-run",
                       "--json"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.parse_json_summary(self, p)["objects"], len(self.source))
        self.assertBucketEmpty(dst, why="after a dry run")
        # So is a journal's path, as the refusal above advises (it was then refused as "needs
        # a value, got the flag --j.jsonl"; a review).
        with tempfile.TemporaryDirectory() as tmp:
            p = s3env.run(["cp", self.src_url, f"s3://{dst}/out", "--journal", "--j.jsonl",
                           "--dry-run"])
            s3env.assert_clean_error(self, p, 2, "written --journal=--j.jsonl")
            p = subprocess.run([s3env.s3loop_bin(), "cp", self.src_url, f"s3://{dst}/out",
                                "--journal=--j.jsonl", "--region=us-east-1", "--dry-run",
                                "--json"], cwd=tmp, env=s3env.base_env(), capture_output=True,
                               text=True, timeout=120)
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            self.assertEqual(s3env.parse_json_summary(self, p)["objects"], len(self.source))
        self.assertBucketEmpty(dst, why="after a dry run")

    def test_a_switch_given_a_value_is_refused(self):
        # CLI11 reads `--dry-run=off` as the switch turned off: a user who typed it copied
        # for real. As aws cli refuses `--dryrun=false`, any value given to a switch is refused.
        dst = self.bucket("bad-switch")
        for value in ("off", "false", "0", "maybe"):
            with self.subTest(value=value):
                p = s3env.run(["cp", self.src_url, f"s3://{dst}/out", f"--dry-run={value}"])
                s3env.assert_clean_error(self, p, 2, f"--dry-run takes no value (given "
                                         f"--dry-run={value}): write --dry-run alone")
                self.assertBucketEmpty(dst, why=f"after `--dry-run={value}`")
        p = s3env.run(["compare", "cp", self.src_url, f"s3://{dst}/out", "--verify=false",
                       "--strategies", "async"])
        s3env.assert_clean_error(self, p, 2, "the cp flags given to compare: --verify takes no "
                                 "value")
        self.assertBucketEmpty(dst, why="after compare's `--verify=false`")
        p = s3env.run(["ls", self.src_url + "/", "--recursive=false"])
        s3env.assert_clean_error(self, p, 2, "--recursive takes no value")

    def test_bad_endpoint_and_ca_values(self):
        for args, words in ((["--endpoint-url", "not-a-url"], ["endpoint"]),
                            (["--endpoint-url", "ftp://127.0.0.1:21"], ["endpoint"]),
                            # 74979 - 65536 is the local server's port: it must not wrap there.
                            (["--endpoint-url", "https://127.0.0.1:74979"],
                             ["bad port '74979' (1 to 65535)"]),
                            (["--ca-bundle", "/nonexistent/ca.pem"], ["/nonexistent/ca.pem"]),
                            (["--ca-bundle", "/etc/hostname"], ["/etc/hostname"])):
            with self.subTest(args=args):
                ls, cp = self.run_both(args)
                s3env.assert_clean_error(self, ls, 2, *words)
                s3env.assert_clean_error(self, cp, 2, *words)

    def test_missing_credentials(self):
        env = s3env.base_env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
        ls, cp = self.run_both(env=env)
        s3env.assert_clean_error(self, ls, 2, "credentials")
        s3env.assert_clean_error(self, cp, 2, "credentials")

    def test_half_credentials(self):
        for missing in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            with self.subTest(missing=missing):
                ls, cp = self.run_both(env=s3env.base_env(**{missing: None}))
                s3env.assert_clean_error(self, ls, 2, missing)
                s3env.assert_clean_error(self, cp, 2, missing)

    # --- runtime failures: exit 1 -----------------------------------------------------------

    def test_wrong_secret_key(self):
        env = s3env.base_env(AWS_SECRET_ACCESS_KEY="wrong" + self.srv.secret_key[5:])
        ls, cp = self.run_both(env=env)
        # select's first request is a HEAD, whose 403 has no body to say why: the reason is
        # asked with a GET of one byte, not guessed as "access denied".
        select = self.run_select(env)
        for p in (ls, cp, select):
            line = s3env.assert_clean_error(self, p, 1, "rejected the credentials")
            self.assertNotIn(self.srv.secret_key[5:], line, "the secret must not be printed")

    def run_select(self, env):
        key = sorted(self.source)[0]
        return s3env.run(["select", f"s3://{self.src}/{key}", "-e", "SELECT * FROM S3Object",
                          "--header", "none"], env=env)

    def test_unknown_access_key(self):
        env = s3env.base_env(AWS_ACCESS_KEY_ID="NOSUCHACCESSKEY00000")
        ls, cp = self.run_both(env=env)
        s3env.assert_clean_error(self, ls, 1, "credentials")
        s3env.assert_clean_error(self, cp, 1, "credentials")
        s3env.assert_clean_error(self, self.run_select(env), 1, "credentials")

    def test_missing_bucket(self):
        missing = s3env.unique_bucket("missing")
        s3env.assert_clean_error(self, s3env.run(["ls", f"s3://{missing}/"]), 1,
                                 "does not exist", missing)
        s3env.assert_clean_error(self, s3env.run(["ls", "-r", f"s3://{missing}/a/b"]), 1,
                                 "does not exist", missing)
        s3env.assert_clean_error(self, s3env.run(["cp", f"s3://{missing}/x", self.dst_url]), 1,
                                 f"source bucket '{missing}' does not exist",
                                 "nothing was copied")
        # A HEAD's 404 alone cannot tell a missing bucket from a missing object.
        s3env.assert_clean_error(
            self, s3env.run(["select", f"s3://{missing}/x.csv", "-e", "SELECT * FROM S3Object"]),
            1, "bucket", "does not exist", missing, "NoSuchBucket")

    def test_missing_destination_bucket(self):
        # One clear error, checked before any copy: no summary counting failed copies, and no
        # dry run promising copies into a bucket that is not there.
        missing = s3env.unique_bucket("missing-dst")
        for extra in ([], ["--strategy", "serial"], ["--json"], ["--dry-run"],
                      ["--dryrun", "--json"]):
            with self.subTest(extra=extra):
                p = s3env.run(["cp", self.src_url, f"s3://{missing}/out", *extra])
                s3env.assert_clean_error(self, p, 1, f"destination bucket '{missing}' does not "
                                         "exist (NoSuchBucket)", "nothing was copied")
                self.assertEqual(p.stdout, "", s3env.describe(p))
        with self.assertRaises(self.s3.exceptions.NoSuchBucket):
            self.s3.list_objects_v2(Bucket=missing)

    def test_destination_the_keys_cannot_list_is_still_copied_into(self):
        # The bucket check lists one key; copying needs no listing of the destination, so a
        # refused listing (AccessDenied) must not refuse the copy: only NoSuchBucket does.
        dst = self.bucket("bad-nolist")
        self.s3.put_bucket_policy(Bucket=dst, Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:ListBucket",
                           "Resource": f"arn:aws:s3:::{dst}"}]}))
        self.addCleanup(self.s3.delete_bucket_policy, Bucket=dst)
        with self.assertRaises(self.s3.exceptions.ClientError):
            self.s3.list_objects_v2(Bucket=dst)
        p = s3env.run(["cp", self.src_url, f"s3://{dst}/out"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.s3.delete_bucket_policy(Bucket=dst)
        self.assertEqual(s3env.object_map(self.s3, dst, "out/"), self.source)

    def test_refused_copy_leaves_no_journal(self):
        # A journal is created only once the command has passed every check: a refused run
        # must not leave a header-only file behind (nor one a later run would take for its own).
        missing = s3env.unique_bucket("missing-jnl")
        work = tempfile.mkdtemp(prefix="s3loop-jnl-")
        self.addCleanup(shutil.rmtree, work)
        journal = os.path.join(work, "copy.journal")
        for args, code, words in (
                ([self.src_url, self.dst_url, "--profile", "nope"], 2, ["profile 'nope'"]),
                ([self.src_url, self.dst_url, "--endpoint-url", "https://127.0.0.1:74979"], 2,
                 ["74979"]),
                ([self.src_url, f"s3://{missing}/out"], 1, ["destination bucket", missing]),
                ([f"s3://{missing}/x", self.dst_url], 1, ["source bucket", missing])):
            with self.subTest(args=args):
                p = s3env.run(["cp", *args, "--journal", journal])
                s3env.assert_clean_error(self, p, code, *words)
                self.assertEqual(os.listdir(work), [], "a refused run left a journal")

    def test_verify_with_dry_run_is_refused(self):
        for flag in ("--dry-run", "--dryrun"):
            with self.subTest(flag=flag):
                p = s3env.run(["cp", self.src_url, self.dst_url, flag, "--verify"])
                s3env.assert_clean_error(self, p, 2, "--verify", "--dry-run", "nothing")

    def test_unreachable_endpoint(self):
        bad = ["--endpoint-url", "https://127.0.0.1:1"]
        t0 = time.monotonic()
        p = s3env.run(["ls", self.src_url + "/", *bad], timeout=30)
        self.assertLess(time.monotonic() - t0, 10, "giving up took too long")
        s3env.assert_clean_error(self, p, 1, "cannot connect", "127.0.0.1:1")
        for strategy in ("async", "serial"):
            with self.subTest(strategy=strategy):
                t0 = time.monotonic()
                p = s3env.run(["cp", self.src_url, self.dst_url, "--strategy", strategy, *bad],
                              timeout=30)
                self.assertLess(time.monotonic() - t0, 10, "giving up took too long")
                s3env.assert_clean_error(self, p, 1, "cannot connect", "127.0.0.1:1")

    def test_unresolvable_endpoint(self):
        ls, cp = self.run_both(["--endpoint-url", "https://no-such-host.invalid"], timeout=30)
        s3env.assert_clean_error(self, ls, 1, "no-such-host.invalid")
        s3env.assert_clean_error(self, cp, 1, "no-such-host.invalid")

    def test_silent_endpoint_times_out(self):
        # A server that accepts connections but never answers: s3loop must give up by itself.
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self.addCleanup(sock.close)
        port = sock.getsockname()[1]
        t0 = time.monotonic()
        try:
            p = s3env.run(["ls", self.src_url + "/", "--endpoint-url", f"https://127.0.0.1:{port}",
                           "--max-attempts", "1"], timeout=60)
        except subprocess.TimeoutExpired:
            self.fail("s3loop hung on a server that never answers")
        self.assertLess(time.monotonic() - t0, 40)
        s3env.assert_clean_error(self, p, 1, f"127.0.0.1:{port}")
        # The line says which deadline passed and the flag that sets it.
        p = s3env.run(["ls", self.src_url + "/", "--endpoint-url", f"https://127.0.0.1:{port}",
                       "--connect-timeout", "0.5", "--max-attempts", "2"], timeout=60)
        s3env.assert_clean_error(
            self, p, 1, f"TLS handshake with 127.0.0.1:{port} timed out after 0.5 s (check "
            "--endpoint-url, or raise --connect-timeout if the server is slow) (gave up after 2 "
            "attempts)")

    def test_http_on_https_port_and_back(self):
        # http:// to the TLS port: the server drops the request it cannot read; the line names
        # the host once and says what may be wrong.
        port = self.srv.port
        ls, cp = self.run_both(["--endpoint-url", f"http://127.0.0.1:{port}"], timeout=30)
        for p in (ls, cp):
            line = s3env.assert_clean_error(
                self, p, 1, f"connection closed by 127.0.0.1:{port} while waiting for the reply "
                "(if the endpoint speaks HTTPS, use https:// in --endpoint-url)")
            self.assertEqual(line.count(f"127.0.0.1:{port}"), 1, line)
        # https:// to the plain-HTTP port: the reply is no TLS, every time, so it is not retried.
        http = urlsplit(self.srv.http_endpoint)
        ls, cp = self.run_both(["--endpoint-url", f"https://127.0.0.1:{http.port}"], timeout=30)
        for p in (ls, cp):
            line = s3env.assert_clean_error(
                self, p, 1, f"TLS handshake with 127.0.0.1:{http.port} failed: TLS error: wrong "
                "version number", "the reply was not TLS, the endpoint is no TLS server (if it "
                "speaks plain HTTP, use http:// in --endpoint-url; otherwise check the port)")
            self.assertNotIn("gave up after", line)

    def test_https_to_a_server_that_speaks_no_tls(self):
        # A port where something else answers (an SSH or SMTP greeting; bytes whose record
        # header looks almost like TLS): every attempt would get the same, so one connection
        # (no retry) and one line.
        for name, banner, reason in (("ssh", b"SSH-2.0-OpenSSH_9.2\r\n", "wrong version number"),
                                     ("smtp", b"220 mail.example ESMTP\r\n",
                                      "wrong version number"),
                                     ("bogus record", b"\x16\x03\x01\xff\xff",
                                      "packet length too long")):
            with self.subTest(peer=name):
                server = BannerServer(banner)
                self.addCleanup(server.close)
                t0 = time.monotonic()
                ls, cp = self.run_both(["--endpoint-url", f"https://127.0.0.1:{server.port}"],
                                       timeout=30)
                self.assertLess(time.monotonic() - t0, 10, "no TLS server was retried")
                for p in (ls, cp):
                    line = s3env.assert_clean_error(
                        self, p, 1, f"TLS handshake with 127.0.0.1:{server.port} failed: TLS "
                        f"error: {reason}", "the reply was not TLS, the endpoint is no TLS "
                        "server (if it speaks plain HTTP, use http:// in --endpoint-url; "
                        "otherwise check the port)")
                    self.assertNotIn("gave up after", line)
                self.assertEqual(server.connections, 2, "one connection each for ls and cp")

    def test_http_to_a_server_that_speaks_no_http(self):
        # The same greeting to plain HTTP: the reply's first line is no HTTP version, on every
        # attempt alike: one connection each, one line naming the port to check.
        server = BannerServer(b"SSH-2.0-OpenSSH_9.2\r\n")
        self.addCleanup(server.close)
        ls, cp = self.run_both(["--endpoint-url", f"http://127.0.0.1:{server.port}"], timeout=30)
        for p in (ls, cp):
            line = s3env.assert_clean_error(
                self, p, 1, f"the reply was not HTTP (bad version): 127.0.0.1:{server.port} does "
                "not speak HTTP (check the port in --endpoint-url)")
            self.assertNotIn("gave up after", line)
        self.assertEqual(server.connections, 2, "one connection each for ls and cp")

    def test_an_endpoint_that_answers_200_with_no_xml_is_no_s3_server(self):
        # A web server (or any other service) at the endpoint: every reply fails alike, so
        # cp's bucket check ends the command there, before any listing. A web page starts
        # like XML, and is named as what it is.
        for body, what in (("Hello, world\n", "is not XML"),
                           ("<!DOCTYPE html>\n<html><body><h1>It works!</h1>\n",
                            "is an HTML page, not XML")):
            with OtherRegion(200, {}, body) as server:
                for args, most in ((["ls", self.src_url + "/"], 1),
                                   (["cp", self.src_url, self.dst_url], 2)):
                    with self.subTest(command=args[0], body=body):
                        server.requests.clear()
                        p = s3env.run([*args, "--endpoint-url", server.endpoint], timeout=30)
                        s3env.assert_clean_error(self, p, 1, f"the ListObjectsV2 reply {what}: "
                                                 "is the endpoint an S3 server? (check "
                                                 "--endpoint-url)")
                        self.assertLessEqual(len(server.requests), most, server.requests)
                        self.assertTrue(all("max-keys=1&" in r or r.endswith("max-keys=1")
                                            for r in server.requests) or args[0] == "ls",
                                        server.requests)

    def test_a_select_whose_endpoint_answers_404_pages_is_not_told_nosuchkey(self):
        # A web server 404s every path: the HEAD (no body) read as NoSuchKey, and select said
        # the object "does not exist", a fact no S3 server had stated.
        with OtherRegion(404, {"Content-Type": "text/html"},
                         "<html><body>Error response: 404</body></html>") as server:
            p = s3env.run(["select", f"s3://{self.src}/src/x.csv", "-e",
                           "SELECT COUNT(*) FROM S3Object", "--endpoint-url", server.endpoint],
                          timeout=30)
            line = s3env.assert_clean_error(
                self, p, 1, f"HeadObject s3://{self.src}/src/x.csv and a ListObjectsV2 of its "
                "bucket were both answered 404 without an S3 error: is the endpoint an S3 "
                "server? (check --endpoint-url)")
            self.assertNotIn("NoSuchKey", line)

    def test_a_bucket_read_out_of_the_endpoints_host_name_is_named(self):
        # radosgw here knows itself as s3.localhost: asked at https://localhost:PORT, it takes
        # "localhost" for the bucket of every request and answers NoSuchBucket naming it. That
        # read "bucket 'x' does not exist" (of mb's new bucket too).
        port = urlsplit(os.environ["AWS_ENDPOINT_URL"]).port
        endpoint = ["--endpoint-url", f"https://localhost:{port}"]
        said = ("not found: the server looked for bucket 'localhost' instead (NoSuchBucket), a "
                "name it took from the endpoint's host name: check the host in --endpoint-url")
        for args, who in ((["ls", self.src_url + "/"], "bucket"),
                          (["cp", self.src_url, self.dst_url], "source bucket"),
                          (["mb", "s3://" + s3env.unique_bucket("hostname")], "bucket")):
            with self.subTest(command=args[0]):
                p = s3env.run([*args, *endpoint])
                s3env.assert_clean_error(self, p, 1, f"{who} '", said)

    def test_http_to_an_nginx_tls_port_says_use_https(self):
        # nginx answers a plain-HTTP request on its TLS port with a 400 page that says so.
        with s3env.latency_proxy() as proxy:
            port = urlsplit(proxy.endpoint).port
            ls, cp = self.run_both(["--endpoint-url", f"http://127.0.0.1:{port}"], timeout=30)
        # (The line names the prefix listed, as the request did.)
        for p in (ls, cp):
            line = s3env.assert_clean_error(
                self, p, 1, f"ListObjectsV2 s3://{self.src}/src/ failed: HTTP 400: the endpoint "
                "speaks HTTPS, not plain HTTP (the server says \"The plain HTTP request was sent "
                "to HTTPS port\"): use https:// in --endpoint-url")
            self.assertNotIn("gave up after", line)

    def test_bucket_in_another_region_that_the_endpoint_does_not_serve(self):
        # S3 redirects a request for a bucket in another region (301 PermanentRedirect, the
        # region in x-amz-bucket-region), or refuses a signature for the wrong region (400
        # AuthorizationHeaderMalformed, the region in the body only). s3loop follows once,
        # signing for that region (test_regions: it works); a stand-in that answers every
        # request so, whatever region signed it, is an endpoint that does not serve the region.
        permanent_redirect = (
            301, {"x-amz-bucket-region": "eu-west-1"},
            "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to "
            "access must be addressed using the specified endpoint.</Message><Endpoint>"
            f"{self.src}.s3.eu-west-1.amazonaws.com</Endpoint><RequestId>tx1</RequestId></Error>")
        wrong_signing_region = (
            400, {},
            "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header "
            "is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message>"
            "<Region>eu-west-1</Region><RequestId>tx1</RequestId></Error>")
        for code, reply in (("PermanentRedirect", permanent_redirect),
                            ("AuthorizationHeaderMalformed", wrong_signing_region)):
            with self.subTest(code=code), OtherRegion(*reply) as server:
                where = server.endpoint.removeprefix("http://")
                for args in (["ls", self.src_url + "/"],
                             ["cp", self.src_url, self.dst_url, "--json"]):
                    server.requests.clear()
                    p = s3env.run([*args, "--endpoint-url", server.endpoint], timeout=30)
                    s3env.assert_clean_error(
                        self, p, 1, f"bucket '{self.src}' is in region eu-west-1 ({code}), and "
                        f"{where} redirects requests signed for it too: set --endpoint-url to an "
                        "endpoint of that region [request id tx1]")
                    # Followed once, not retried: ls 2 requests. cp first checks that both
                    # buckets exist (2 each: this answer is left to the copy), then lists (1:
                    # the source's region is known by then).
                    expected = 5 if args[0] == "cp" else 2
                    self.assertEqual(len(server.requests), expected, server.requests)
                    if args[0] == "cp":
                        summary = s3env.parse_json_summary(self, p)
                        self.assertEqual((summary["requests"], summary["retries"]), (5, 0))
                # A HEAD reply has the header only (select asks for the object's size first).
                server.requests.clear()
                p = s3env.run(["select", self.src_url + "/x.csv", "-e", "SELECT * FROM S3Object",
                               "--endpoint-url", server.endpoint], timeout=30)
                if reply is permanent_redirect:
                    s3env.assert_clean_error(
                        self, p, 1, f"bucket '{self.src}' is in region eu-west-1 "
                        "(PermanentRedirect), and")
                    self.assertEqual(len(server.requests), 2, server.requests)
                else:  # no body, no header: nothing says where the bucket is
                    s3env.assert_clean_error(self, p, 1, "HTTP 400")
                    self.assertEqual(len(server.requests), 1, server.requests)

    def test_reply_cut_off_names_the_request(self):
        # A reset in the middle of a reply body: the line says which request it cut, as an
        # S3 error's does.
        with s3env.fault_proxy("--reset-rate", "1", "--seed", "1") as proxy:
            where = urlsplit(proxy.endpoint).netloc
            p = s3env.run(["ls", "-r", self.src_url + "/", "--endpoint-url", proxy.endpoint,
                           "--max-attempts", "2"], timeout=60)
            s3env.assert_clean_error(
                self, p, 1, f"ListObjectsV2 s3://{self.src}/src/ failed: connection closed by "
                f"{where} while reading the reply body (gave up after 2 attempts)")

    def test_untrusted_certificate(self):
        system = "/etc/ssl/certs/ca-certificates.crt"
        for ca in (None, system):
            with self.subTest(AWS_CA_BUNDLE=ca):
                ls, cp = self.run_both(env=s3env.base_env(AWS_CA_BUNDLE=ca))
                s3env.assert_clean_error(self, ls, 1, "--ca-bundle")
                s3env.assert_clean_error(self, cp, 1, "--ca-bundle")
        # A bundle from the environment is named with where it was set: easily forgotten.
        ls, _ = self.run_both(env=s3env.base_env(AWS_CA_BUNDLE=system))
        s3env.assert_clean_error(self, ls, 1, f"trusting the CA bundle {system} from AWS_CA_BUNDLE")
        # A --ca-bundle flag outranks AWS_CA_BUNDLE.
        ls, cp = self.run_both(["--ca-bundle", system])
        s3env.assert_clean_error(self, ls, 1, "--ca-bundle", f"trusting the CA bundle {system})")
        s3env.assert_clean_error(self, cp, 1, "--ca-bundle")

    def test_certificate_for_another_name(self):
        # The CA is trusted, the name is not in the certificate (127.0.0.1, localhost,
        # s3.localhost, *.s3.localhost): the line asks for the right host, not another CA.
        for endpoint, extra, host in (
                (f"https://127.1:{self.srv.port}", [], "127.1"),
                # bucket.localhost: a virtual-hosted name the wildcard does not cover.
                (f"https://localhost:{self.srv.port}", ["--addressing-style", "virtual"],
                 f"{self.src}.localhost")):
            with self.subTest(endpoint=endpoint):
                ls, cp = self.run_both(["--endpoint-url", endpoint, *extra], timeout=30)
                for p in (ls, cp):
                    line = s3env.assert_clean_error(
                        self, p, 1, f"TLS certificate of {host}:{self.srv.port} is not valid for "
                        f"{host} (hostname mismatch): check the host in --endpoint-url (or use "
                        "--addressing-style path if the bucket is in the host name)")
                    self.assertNotIn("--ca-bundle", line)
                    self.assertNotIn("gave up after", line)

    def test_no_verify_ssl_works(self):
        env = s3env.base_env(AWS_CA_BUNDLE=None)
        p = s3env.run(["ls", "-r", self.src_url + "/", "--no-verify-ssl"], env=env)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        # It says once what it gives up, as aws cli does (per request there).
        where = urlsplit(self.srv.endpoint).netloc
        self.assertEqual(p.stderr.splitlines(), [
            f"s3loop: warning: --no-verify-ssl: the certificate of {where} is not verified, so "
            "anyone on the network path can read and change what is sent and received: pass "
            "--ca-bundle FILE with its CA instead"])
        self.assertEqual(len(p.stdout.splitlines()), len(self.source))
        dst = self.bucket("bad-noverify")
        p = s3env.run(["cp", self.src_url, f"s3://{dst}/out", "--no-verify-ssl"], env=env)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.object_map(self.s3, dst, "out/"), self.source)
        # Nothing is verified against a CA bundle then: one that is gone does not matter,
        # as aws does not mind it either.
        p = s3env.run(["ls", "-r", self.src_url + "/", "--no-verify-ssl"],
                      env=s3env.base_env(AWS_CA_BUNDLE="/nonexistent/ca.pem"))
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(len(p.stdout.splitlines()), len(self.source))


if __name__ == "__main__":
    unittest.main()
