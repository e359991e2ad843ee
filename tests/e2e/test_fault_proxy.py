"""bench/fault-proxy.sh injects the faults nginx cannot: a TCP reset in the
middle of a reply and a stall past the client's timeout. s3loop copies
everything through resets (retrying); a client with a short read timeout gets
through stalls; a clean proxy passes every request untouched."""
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import time
import unittest

import boto3
import botocore.config
import botocore.exceptions

import s3env

PROXY = os.path.join(s3env.REPO, "bench", "fault-proxy.sh")


class FaultProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = s3env.client()
        cls.bucket = s3env.make_bucket(cls.s3, s3env.unique_bucket("fault-proxy"))
        s3env.datagen(f"s3://{cls.bucket}/src/", 200, max_size=8192, seed=11)
        cls.source = s3env.object_map(cls.s3, cls.bucket, "src/")

    @classmethod
    def tearDownClass(cls):
        s3env.discard_bucket(cls.s3, cls.bucket)

    def proxy(self, *flags):
        p = s3env.fault_proxy("--seed", "7", *flags)
        self.addCleanup(p.close)
        return p

    def test_start_prints_the_endpoint_and_status_tells_it_runs(self):
        p = self.proxy()
        self.assertRegex(p.export, r"^export AWS_ENDPOINT_URL=https://127\.0\.0\.1:\d+$")
        st = subprocess.run([PROXY, "status", "--dir", p.dir], stderr=subprocess.PIPE,
                            encoding="utf-8", timeout=30)
        self.assertEqual(st.returncode, 0, st.stderr)
        self.assertIn("running", st.stderr)

    def test_without_faults_every_request_passes(self):
        p = self.proxy()
        r = s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/clean/",
                       "--endpoint-url", p.endpoint, "--concurrency", "16", "--json"])
        self.assertEqual(r.returncode, 0, s3env.describe(r))
        self.assertEqual(s3env.parse_json_summary(self, r)["retries"], 0)
        self.assertEqual(s3env.object_map(self.s3, self.bucket, "clean/"), self.source)
        stats = p.fault_stats()
        self.assertEqual((stats["resets"], stats["stalls"]), (0, 0))
        self.assertGreaterEqual(stats["requests"], len(self.source))

    def test_resets_mid_body_are_retried_until_everything_is_copied(self):
        p = self.proxy("--reset-rate", "0.1")
        r = s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/reset/",
                       "--endpoint-url", p.endpoint, "--concurrency", "32", "--json",
                       "--max-attempts", "10"])
        s3env.assert_no_crash(self, r)
        self.assertEqual(r.returncode, 0, s3env.describe(r))
        summary = s3env.parse_json_summary(self, r)
        stats = p.fault_stats()
        self.assertGreater(stats["resets"], 5, stats)
        self.assertGreaterEqual(summary["retries"], stats["resets"] - 1, (summary, stats))
        self.assertEqual(s3env.object_map(self.s3, self.bucket, "reset/"), self.source)

    def test_connections_the_server_closed_while_idle_cost_no_attempt(self):
        # Every connection is closed after one reply, as a server drops idle keep-alive
        # connections: a request is never sent on a connection known closed, and one sent on a
        # connection whose close had not arrived yet is resent at once on a fresh one (not on
        # the next idle one, closed just the same), without using an attempt.
        for strategy in ("serial", "threads", "async", "async-pool"):
            with self.subTest(strategy=strategy):
                p = self.proxy("--close-after", "1")
                dst = f"closed-{strategy}/"
                r = s3env.run(["cp", f"s3://{self.bucket}/src/", f"s3://{self.bucket}/{dst}",
                               "--endpoint-url", p.endpoint, "--strategy", strategy,
                               "--concurrency", "64", "--max-attempts", "1", "--json"])
                s3env.assert_no_crash(self, r)
                self.assertEqual(r.returncode, 0, s3env.describe(r))
                summary = s3env.parse_json_summary(self, r)
                self.assertEqual((summary["failed"], summary["retries"]), (0, 0), summary)
                self.assertGreater(p.fault_stats()["closes"], 100)
                self.assertEqual(s3env.object_map(self.s3, self.bucket, dst), self.source)

    def test_stalls_past_the_client_timeout_are_given_up_and_retried(self):
        p = self.proxy("--stall-rate", "0.2", "--stall-at", "mid-body", "--stall-seconds", "60")
        s3 = boto3.client(
            "s3", endpoint_url=p.endpoint, aws_access_key_id=self.srv().access_key,
            aws_secret_access_key=self.srv().secret_key, region_name=self.srv().region,
            verify=self.srv().ca_bundle,
            config=botocore.config.Config(s3={"addressing_style": "path"}, read_timeout=1,
                                          connect_timeout=5,
                                          retries={"max_attempts": 10, "mode": "standard"}))
        keys = sorted(self.source)[:30]
        t0 = time.monotonic()
        for k in keys:
            s3.copy_object(Bucket=self.bucket, Key="stall/" + k,
                           CopySource={"Bucket": self.bucket, "Key": "src/" + k})
        elapsed = time.monotonic() - t0
        stats = p.fault_stats()
        self.assertGreater(stats["stalls"], 0, stats)
        # Each stall cost the client its 1 s timeout, not the proxy's 60 s.
        self.assertLess(elapsed, 30 + 3 * stats["stalls"], stats)
        copied = s3env.object_map(self.s3, self.bucket, "stall/")
        self.assertEqual(copied, {k: self.source[k] for k in keys})

    def test_a_reset_reaches_the_client_as_a_connection_error(self):
        p = self.proxy("--reset-rate", "1")
        s3 = boto3.client(
            "s3", endpoint_url=p.endpoint, aws_access_key_id=self.srv().access_key,
            aws_secret_access_key=self.srv().secret_key, region_name=self.srv().region,
            verify=self.srv().ca_bundle,
            config=botocore.config.Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))
        # Connection closed or broken: which one depends on how much of the partial
        # reply the client had read when the RST arrived.
        with self.assertRaises((botocore.exceptions.HTTPClientError,
                                botocore.exceptions.ConnectionError,
                                botocore.exceptions.ResponseStreamingError)):
            s3.list_objects_v2(Bucket=self.bucket, Prefix="src/")

    def test_bandwidth_caps_each_connection_not_the_proxy(self):
        # 4 MiB at 2 MB/s cannot arrive in less than ~2 s on one connection (a lower bound
        # only: pacing guarantees it, a slow machine can only add to it); four ranges of
        # 1 MiB on four connections at once each take ~0.5 s, together far less than 2 s.
        body = os.urandom(4 << 20)
        self.s3.put_object(Bucket=self.bucket, Key="bw/blob", Body=body)
        p = self.proxy("--bandwidth", "2MB")
        s3 = boto3.client(
            "s3", endpoint_url=p.endpoint, aws_access_key_id=self.srv().access_key,
            aws_secret_access_key=self.srv().secret_key, region_name=self.srv().region,
            verify=self.srv().ca_bundle,
            config=botocore.config.Config(s3={"addressing_style": "path"},
                                          max_pool_connections=8))
        t0 = time.monotonic()
        self.assertEqual(s3.get_object(Bucket=self.bucket, Key="bw/blob")["Body"].read(), body)
        whole = time.monotonic() - t0
        self.assertGreater(whole, 1.8)

        def part(i):
            rng = f"bytes={i << 20}-{((i + 1) << 20) - 1}"
            return s3.get_object(Bucket=self.bucket, Key="bw/blob", Range=rng)["Body"].read()

        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            parts = list(pool.map(part, range(4)))
        ranged = time.monotonic() - t0
        self.assertEqual(b"".join(parts), body)
        self.assertGreater(ranged, 0.4)
        self.assertLess(ranged, whole)  # not one shared cap

    @staticmethod
    def srv():
        return s3env.server()


class LostCreateReplyTest(s3env.E2ETestCase):
    """A CreateMultipartUpload whose reply a reset cut off has created an upload on the server
    all the same; the retry creates a second one, which the copy uses. The first must not be
    left behind: nobody else knows its id, and it costs storage until aborted."""

    # Only CreateMultipartUpload requests draw (--fault-only), so other requests added to a
    # copy never shift the draws; seeds whose first draw (--reset-rate 0.5) resets the first
    # create's reply. The test checks that they still do.
    SEEDS = (1, 3, 4)
    CREATES = r"^POST \S+\?uploads"

    def test_uploads_created_by_lost_create_replies_are_aborted(self):
        bucket = self.bucket("lost-create")
        part = 5 * s3env.MiB
        data = s3env.seeded_bytes(23, 23 * 1000 * 1000)
        self.s3.put_object(Bucket=bucket, Key="big/obj", Body=data)
        create_resets = 0
        for seed in self.SEEDS:
            with self.subTest(seed=seed):
                dst = f"dst-{seed}/"
                # serial: one request at a time, so the proxy's seeded draws meet the same
                # requests on every run.
                with s3env.fault_proxy("--reset-rate", "0.5", "--fault-only", self.CREATES,
                                       "--seed", str(seed)) as p:
                    r = s3env.run(["cp", f"s3://{bucket}/big/", f"s3://{bucket}/{dst}",
                                   "--endpoint-url", p.endpoint, "--strategy", "serial",
                                   "--multipart-threshold", "5MiB",
                                   "--multipart-chunksize", "5MiB", "--max-attempts", "10",
                                   "--json"])
                    with open(os.path.join(p.dir, "fault-proxy.log")) as f:
                        log = f.read()
                s3env.assert_no_crash(self, r)
                self.assertEqual(r.returncode, 0, s3env.describe(r))
                lost = len(re.findall(r"reset after .*: POST \S+\?uploads[= ]", log))
                create_resets += lost
                self.assertEqual(s3env.multipart_uploads(self.s3, bucket), [], log)
                head = self.s3.head_object(Bucket=bucket, Key=dst + "obj")
                self.assertEqual(head["ContentLength"], len(data))
                self.assertEqual(head["ETag"].strip('"'), s3env.multipart_etag(data, part))
                summary = s3env.parse_json_summary(self, r)
                self.assertEqual(summary["orphaned_uploads_aborted"], lost, (summary, log))
                self.assertEqual(summary["orphan_cleanup_failures"], 0, summary)
                self.assertNotIn("warning", r.stderr)
        self.assertGreaterEqual(create_resets, len(self.SEEDS),
                                "a seed did not reset a CreateMultipartUpload reply")


class CreateWithoutReplyTest(s3env.E2ETestCase):
    """A CreateMultipartUpload that gets no reply at all -- lost on every attempt, or cut off
    by Ctrl-C while the server works on it -- may have opened an upload nobody knows the id
    of: the search for a lost attempt's upload needs our own, open, as its reference. It was
    left without a word; now a warning names the key and the summary counts it."""

    CREATES = r"^POST \S+\?uploads"
    WARNING = ("CreateMultipartUpload got no reply, so the server may have opened an upload "
               "that is left open")

    def setUp(self):
        super().setUp()
        self.bkt = self.bucket("create-noreply")
        # (A quote and a tab in the key: the warning's command quotes it for the shell.)
        self.s3.put_object(Bucket=self.bkt, Key="big/it's\tobj",
                           Body=s3env.seeded_bytes("noreply", 6 * s3env.MiB))

    def cp(self, proxy, dst):
        return ["cp", f"s3://{self.bkt}/big/", f"s3://{self.bkt}/{dst}/",
                "--endpoint-url", proxy.endpoint, "--multipart-threshold", "5MiB",
                "--multipart-chunksize", "5MiB", "--json"]

    def assert_warned_and_counted(self, p, dst):
        self.assertIn(f"s3loop: warning: s3://{self.bkt}/{dst}/it's\tobj: {self.WARNING}",
                      p.stderr, s3env.describe(p))
        # Its command lists exactly that key's uploads, pasted into a shell as it stands.
        self.assertIn(f"aws s3api list-multipart-uploads --bucket {self.bkt} "
                      f"--prefix $'{dst}/it\\'s\\x09obj' lists them", p.stderr, s3env.describe(p))
        self.assertIn("left open, one per attempt (each costs storage until aborted)", p.stderr)
        self.assertEqual(s3env.parse_json_summary(self, p)["orphan_cleanup_failures"], 1)
        # The warning is no false alarm: the server did open it.
        left = [u for u in s3env.multipart_uploads(self.s3, self.bkt)
                if u[0] == f"{dst}/it's\tobj"]
        self.assertGreaterEqual(len(left), 1)

    def test_every_reply_lost(self):
        with s3env.fault_proxy("--reset-rate", "1", "--fault-only", self.CREATES) as proxy:
            p = s3env.run(self.cp(proxy, "lost") + ["--max-attempts", "2"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assert_warned_and_counted(p, "lost")

    def test_ctrl_c_while_the_server_works_on_it(self):
        with s3env.fault_proxy("--stall-rate", "1", "--stall-at", "first-byte",
                               "--fault-only", self.CREATES) as proxy:
            def interrupt_the_create(proc):
                log = os.path.join(proxy.dir, "fault-proxy.log")
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and proc.poll() is None:
                    with open(log) as f:
                        if re.search(r"stall \(first-byte.*POST \S+\?uploads", f.read()):
                            break
                    time.sleep(0.05)
                self.assertIsNone(proc.poll(), "cp ended before its create was under way")
                proc.send_signal(signal.SIGINT)

            p = s3env.run_while(self, self.cp(proxy, "cut"), interrupt_the_create, timeout=30)
        self.assertEqual(p.returncode, 130, s3env.describe(p))
        self.assert_warned_and_counted(p, "cut")


class LostAbortReplyTest(s3env.E2ETestCase):
    """A multipart copy that fails aborts its upload. When the abort's reply is lost (a reset)
    the upload is aborted all the same, and the retry is answered 404 NoSuchUpload: the upload
    is gone, as wanted, and the copy's error must not say that aborting it failed too."""

    # Only UploadPartCopy and AbortMultipartUpload requests draw (--fault-only), so other
    # requests added to a copy never shift the draws; seeds whose draws (--reset-rate 0.5,
    # --max-attempts 2, parts copied one after another) fail a part on both attempts, then
    # reset the first abort's reply and let its retry through. The test checks that they do.
    SEEDS = (1, 6, 9)
    PARTS_AND_ABORTS = r"^(PUT \S+[?&]partNumber=|DELETE \S+\?uploadId=)"

    def test_an_abort_that_fails_names_the_upload_left_open(self):
        # Every part and every abort is reset: the copy fails, and so does its cleanup (as far
        # as the client can tell: the abort reached the server, its reply did not come back).
        # The upload that may be left open is named, so it can be aborted by hand, and counted.
        bucket = self.bucket("failed-abort")
        self.s3.put_object(Bucket=bucket, Key="big/obj",
                           Body=s3env.seeded_bytes(6, 6 * 1000 * 1000))
        with s3env.fault_proxy("--reset-rate", "1", "--fault-only",
                               self.PARTS_AND_ABORTS) as p:
            r = s3env.run(["cp", f"s3://{bucket}/big/", f"s3://{bucket}/dst/",
                           "--endpoint-url", p.endpoint, "--strategy", "serial",
                           "--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB",
                           "--max-attempts", "1", "--json"])
            with open(os.path.join(p.dir, "fault-proxy.log")) as f:
                log = f.read()
        s3env.assert_no_crash(self, r)
        self.assertEqual(r.returncode, 1, s3env.describe(r))
        aborts = re.findall(r"reset after .*: DELETE \S+\?uploadId=(\S+)", log)
        self.assertEqual(len(aborts), 1, log)
        # Its key too: an error that stops the whole job (rejected credentials) is said in
        # one line naming no object, where the upload's id alone could not be aborted.
        self.assertIn(f"aborting its multipart upload {aborts[0]} (of s3://{bucket}/dst/obj) "
                      "also failed", r.stderr)
        summary = json.loads(r.stdout)
        self.assertEqual(summary["failed"], 1, summary)
        self.assertEqual(summary["orphan_cleanup_failures"], 1, summary)

    def test_an_abort_retried_after_a_lost_reply_is_no_failure(self):
        bucket = self.bucket("lost-abort")
        self.s3.put_object(Bucket=bucket, Key="big/obj",
                           Body=s3env.seeded_bytes(5, 11 * 1000 * 1000))
        abort_resets = 0
        for seed in self.SEEDS:
            with self.subTest(seed=seed):
                dst = f"dst-{seed}/"
                with s3env.fault_proxy("--reset-rate", "0.5", "--fault-only",
                                       self.PARTS_AND_ABORTS, "--seed", str(seed)) as p:
                    r = s3env.run(["cp", f"s3://{bucket}/big/", f"s3://{bucket}/{dst}",
                                   "--endpoint-url", p.endpoint, "--strategy", "serial",
                                   "--multipart-threshold", "5MiB",
                                   "--multipart-chunksize", "5MiB", "--max-attempts", "2"])
                    with open(os.path.join(p.dir, "fault-proxy.log")) as f:
                        log = f.read()
                s3env.assert_no_crash(self, r)
                lost = len(re.findall(r"reset after .*: DELETE \S+\?uploadId=", log))
                abort_resets += lost
                self.assertEqual(r.returncode, 1, s3env.describe(r))
                self.assertIn("UploadPartCopy", r.stderr)
                self.assertNotIn("also failed", r.stderr, log)
                self.assertEqual(s3env.multipart_uploads(self.s3, bucket), [], log)
                self.assertEqual(s3env.list_objects(self.s3, bucket, dst), [])
        self.assertGreaterEqual(abort_resets, len(self.SEEDS),
                                "a seed did not reset an AbortMultipartUpload reply")

if __name__ == "__main__":
    unittest.main()
