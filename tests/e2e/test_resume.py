"""cp --journal and --skip-existing: a run killed with SIGKILL and restarted with the same journal
completes, every object copied and verified by an independent listing; the summary reports
copied and skipped separately; a source object overwritten since is copied again; a key
finished during a long multipart copy reaches the journal within the batch age; a journal of
another endpoint or of the older key-only format is refused; --skip-existing skips exactly the
objects the destination already has with the same size and ETag.

Run: /usr/bin/python3 -m unittest -v test_resume   (from tests/e2e; see s3env.py).
"""

import fcntl
import json
import os
import resource
import shutil
import signal
import stat
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
        # (Killed after the deadline too: the resume is what is tested.)
        s3env.wait_for_journal_lines(journal, 300, proc, timeout=120)
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
        keys = sorted(key for key, (size, _) in self.source.items() if size > 0)
        removed = keys[:10]
        changed = keys[10:15]
        for key in removed:
            self.s3.delete_object(Bucket=self.bkt, Key="sync/" + key)
        # Changed at the same size: only the ETag tells them apart (a size-only comparison
        # passed the test when the new bodies were of another length).
        for key in changed:
            body = self.s3.get_object(Bucket=self.bkt, Key="sync/" + key)["Body"].read()
            self.s3.put_object(Bucket=self.bkt, Key="sync/" + key,
                               Body=bytes(b ^ 0xFF for b in body))
            self.assertEqual(s3env.object_map(self.s3, self.bkt, "sync/" + key)[""][0],
                             self.source[key][0])
        p = self.cp("sync", "--skip-existing")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = json.loads(p.stdout)
        self.assertEqual(summary["copied"], 15)
        self.assertEqual(summary["skipped"], len(self.source) - 15)
        # The HEADs answered 404 for the removed keys found them missing: answers, no failures.
        head = summary["requests_by_kind"]["HeadObject"]
        self.assertEqual((head["requests"], head["failures"]), (len(self.source), 0), head)
        self.assertEqual(s3env.object_map(self.s3, self.bkt, "sync/"), self.source)
        text = self.cp("sync", "--skip-existing")
        self.assertEqual(json.loads(text.stdout)["copied"], 0)

    def test_a_closed_stdout_or_stderr_never_writes_into_the_journal(self):
        # A review's finding: started with stdout closed (`>&-`), the journal took fd 1 and
        # the summary was written into it, exit 0; the rerun refused the journal ("line
        # 1502 is not s3loop journal JSON"). With stderr closed, the warnings and failures
        # went there. Now the closed one is held by a placeholder that fails every write.
        for closed, name in ((">&-", "stdout"), ("2>&-", "stderr")):
            with self.subTest(closed=closed):
                journal = self.journal(f"closed-{name}.journal")
                dst = f"closed-{name}"
                p = subprocess.run(
                    ["sh", "-c", f'exec "$0" "$@" {closed}', s3env.s3loop_bin(), "cp",
                     f"s3://{self.bkt}/src/", f"s3://{self.bkt}/{dst}/", "--journal", journal,
                     "--exclude", "*", "--include", "*.dat", "--include", "nothing-here/*"],
                    env=s3env.base_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    encoding="utf-8", errors="replace", timeout=300)
                # (The summary could not be written: exit 1 for a closed stdout.)
                self.assertEqual(p.returncode, 1 if name == "stdout" else 0, s3env.describe(p))
                with open(journal) as f:
                    lines = f.read().splitlines()
                for line in lines:
                    self.assertTrue(line.startswith(("{", "[")), line)
                again = self.cp(dst, "--journal", journal, "--exclude", "*", "--include",
                                "*.dat")
                self.assertEqual(again.returncode, 0, s3env.describe(again))
                summary = json.loads(again.stdout)
                self.assertEqual(summary["copied"], 0, summary)
                self.assertGreater(summary["skipped"], 0, summary)

    def test_a_journal_another_run_is_writing_is_refused(self):
        # Two runs on one journal would each copy what the other has not recorded yet and
        # record every key twice: the second is refused before any request (the lock is
        # flock's, held here as a running cp holds it).
        journal = self.journal("busy.journal")
        with open(journal, "a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            p = self.cp("busy", "--journal", journal)
            s3env.assert_clean_error(self, p, 2, journal, "in use by another s3loop cp")
            self.assertBucketEmpty(self.bkt, "busy/", "after a refused journal")
        self.assertEqual(self.cp("busy", "--journal", journal, "--dry-run").returncode, 0)
        p = self.cp("busy", "--journal", journal)  # the lock is gone with the other run
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(json.loads(p.stdout)["copied"], len(self.source))

    def test_text_summary_says_skipped(self):
        journal = self.journal("text.journal")
        self.assertEqual(self.cp("txt", "--journal", journal).returncode, 0)
        p = s3env.run(["cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/txt/", "--journal", journal])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"copied 0 objects (0.0 MiB), {len(self.source)} skipped, 0 failed", p.stdout)

    def endpoint(self):
        """The endpoint as a journal header names it: scheme://host:port."""
        return f"https://{self.srv.host}:{self.srv.port}"

    def header(self, dst, version=2):
        fields = {"s3loop_journal": version}
        if version >= 2:
            fields["endpoint"] = self.endpoint()
        fields.update(source=f"s3://{self.bkt}/src/", destination=f"s3://{self.bkt}/{dst}/")
        return json.dumps(fields) + "\n"

    def put_objects(self, prefix, objects):
        for key, body in objects.items():
            self.s3.put_object(Bucket=self.bkt, Key=prefix + key, Body=body)

    def body(self, key):
        return self.s3.get_object(Bucket=self.bkt, Key=key)["Body"].read()

    def test_a_source_object_overwritten_since_is_copied_again(self):
        # Same key, new content of the same size: only the ETag tells it changed.
        self.put_objects("chg/", {"a": b"aaaa", "b": b"bbbb", "c\nnewline+%~//": b"cccc"})
        journal = self.journal("changed.journal")
        cp = ["cp", f"s3://{self.bkt}/chg/", f"s3://{self.bkt}/chgdst/", "--json",
              "--journal", journal]
        p = s3env.run(cp)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(json.loads(p.stdout)["copied"], 3)
        self.put_objects("chg/", {"b": b"BBBB", "c\nnewline+%~//": b"CCCC"})

        p = s3env.run(cp)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = json.loads(p.stdout)
        self.assertEqual((summary["copied"], summary["skipped"]), (2, 1), s3env.describe(p))
        self.assertEqual(self.body("chgdst/b"), b"BBBB")
        self.assertEqual(self.body("chgdst/c\nnewline+%~//"), b"CCCC")
        # Recorded again with the new ETags: a third run skips everything.
        p = s3env.run(cp)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual((json.loads(p.stdout)["copied"], json.loads(p.stdout)["skipped"]), (0, 3))

    def put_in_one_part(self, key, body):
        # A multipart upload of one part: an ETag of the multipart form ("...-1").
        upload = self.s3.create_multipart_upload(Bucket=self.bkt, Key=key)["UploadId"]
        part = self.s3.upload_part(Bucket=self.bkt, Key=key, UploadId=upload, PartNumber=1,
                                   Body=body)
        self.s3.complete_multipart_upload(
            Bucket=self.bkt, Key=key, UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})

    def check_a_source_overwritten_between_listing_and_copy(self, name, put):
        put(f"{name}/a.txt", b"old!")
        old_etag = self.s3.head_object(Bucket=self.bkt, Key=f"{name}/a.txt")["ETag"]
        journal = self.journal(f"{name}.journal")
        overwritten = []

        def overwrite_before_the_copy(method, target, headers):
            if method == "PUT" and "x-amz-copy-source" in headers and not overwritten:
                overwritten.append(headers.get("x-amz-copy-source-if-match"))
                put(f"{name}/a.txt", b"new!")

        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            # (Both runs through it: a journal belongs to one endpoint.)
            cp = ["cp", f"s3://{self.bkt}/{name}/", f"s3://{self.bkt}/{name}dst/", "--journal",
                  journal, "--endpoint-url", f"http://127.0.0.1:{proxy.port}"]
            proxy.on_request = overwrite_before_the_copy
            p = s3env.run(cp)
            proxy.on_request = None
            self.assertEqual(overwritten, [old_etag])  # the listed version, asked for
            if p.returncode == 1:  # a server that keeps to the header: nothing copied
                self.assertIn("changed after it was listed", p.stderr)
                return
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            self.assertEqual(self.body(f"{name}dst/a.txt"), b"new!")
            # Put back as it was listed: the rerun must copy it, not skip it.
            put(f"{name}/a.txt", b"old!")
            self.assertEqual(
                self.s3.head_object(Bucket=self.bkt, Key=f"{name}/a.txt")["ETag"], old_etag)
            p = s3env.run([*cp, "--verify"])
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            self.assertEqual(self.body(f"{name}dst/a.txt"), b"old!")

    def test_a_source_overwritten_between_listing_and_copy_is_journaled_as_copied(self):
        # A probe's finding: the journal recorded the listing's ETag while the server copied
        # the version written after the listing; once the source was put back, reruns
        # skipped the key over the other content (exit 0). The copy asks for the listed
        # version (x-amz-copy-source-if-match: AWS fails it with 412); radosgw 16.2 ignores
        # that and copies the new one, which the journal now records.
        self.check_a_source_overwritten_between_listing_and_copy(
            "race", lambda key, body: self.s3.put_object(Bucket=self.bkt, Key=key, Body=body))

    def test_a_multipart_source_overwritten_between_listing_and_copy_is_journaled_as_copied(self):
        # A review's finding, the same with ETags of the multipart form: only plain ones were
        # looked at again, and radosgw's copy repeats the ETag of the version it copied.
        self.check_a_source_overwritten_between_listing_and_copy("racemp", self.put_in_one_part)

    def replace_the_source_during_its_parts(self, name, replacement, *flags):
        """Copies a 10 MiB s3://bkt/<name>/big.bin in 5 MiB parts through a proxy that puts
        `replacement` over the source as the first part copy goes out; checks that the copy
        failed as the source having changed, and that nothing was completed or left open."""
        size = 10 * 1024 * 1024
        self.s3.put_object(Bucket=self.bkt, Key=f"{name}/big.bin", Body=b"A" * size)
        replaced = []

        def replace_during_the_parts(method, target, headers):
            if method == "PUT" and "partNumber=" in target and not replaced:
                replaced.append(target)
                self.s3.put_object(Bucket=self.bkt, Key=f"{name}/big.bin", Body=replacement)

        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            proxy.on_request = replace_during_the_parts
            p = s3env.run(["cp", f"s3://{self.bkt}/{name}/", f"s3://{self.bkt}/{name}dst/",
                           "--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB",
                           *flags, "--endpoint-url", f"http://127.0.0.1:{proxy.port}"])
        self.assertEqual(len(replaced), 1)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn(f"s3loop: failed: s3://{self.bkt}/{name}/big.bin -> s3://{self.bkt}/"
                      f"{name}dst/big.bin: the source object s3://{self.bkt}/{name}/big.bin "
                      "changed while its parts were copied", p.stderr)
        listed = self.s3.list_objects_v2(Bucket=self.bkt, Prefix=f"{name}dst/")
        self.assertEqual(listed.get("KeyCount"), 0, listed.get("Contents"))
        uploads = self.s3.list_multipart_uploads(Bucket=self.bkt, Prefix=f"{name}dst/")
        self.assertEqual(uploads.get("Uploads", []), [])
        return p

    def test_a_source_overwritten_while_its_parts_are_copied_is_not_completed(self):
        # A review's finding: radosgw 16.2 ignores x-amz-copy-source-if-match on UploadPartCopy
        # too, so a source overwritten (same size) during a multipart copy completed as parts
        # of both versions, exit 0, and --verify matched it by size. The source is asked again
        # before CompleteMultipartUpload: nothing is completed from a changed source.
        size = 10 * 1024 * 1024
        self.replace_the_source_during_its_parts("mix", b"B" * size)
        # Unchanged since, it copies whole.
        p = s3env.run(["cp", f"s3://{self.bkt}/mix/", f"s3://{self.bkt}/mixdst/",
                       "--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(self.body("mixdst/big.bin"), b"B" * size)

    def test_a_source_shortened_while_its_parts_are_copied_is_said_to_have_changed(self):
        # A review's finding: a shorter version put over the source during a multipart copy
        # failed it with a bare "HTTP 416 InvalidRange" (a part beyond the new end).
        p = self.replace_the_source_during_its_parts("shrink", b"small", "--concurrency", "1")
        self.assertNotIn("InvalidRange", p.stderr)

    def test_a_source_emptied_before_its_parts_are_cut_is_said_to_have_changed(self):
        # A review's finding: a source listed at 10 MiB and emptied before the HEAD that
        # plans its parts got an upload of no parts, and the server's "MalformedXML".
        size = 10 * 1024 * 1024
        self.s3.put_object(Bucket=self.bkt, Key="emptied/big.bin", Body=b"A" * size)
        emptied = []

        def empty_before_the_head(method, target, headers):
            if method == "HEAD" and "big.bin" in target and not emptied:
                emptied.append(target)
                self.s3.put_object(Bucket=self.bkt, Key="emptied/big.bin", Body=b"")

        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            proxy.on_request = empty_before_the_head
            p = s3env.run(["cp", f"s3://{self.bkt}/emptied/", f"s3://{self.bkt}/emptieddst/",
                           "--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB",
                           "--endpoint-url", f"http://127.0.0.1:{proxy.port}"])
        self.assertEqual(len(emptied), 1)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn(f"the source object s3://{self.bkt}/emptied/big.bin changed after it was "
                      f"listed ({size} bytes then, empty now", p.stderr)
        self.assertNotIn("MalformedXML", p.stderr)
        listed = self.s3.list_objects_v2(Bucket=self.bkt, Prefix="emptieddst/")
        self.assertEqual(listed.get("KeyCount"), 0, listed.get("Contents"))
        uploads = self.s3.list_multipart_uploads(Bucket=self.bkt, Prefix="emptieddst/")
        self.assertEqual(uploads.get("Uploads", []), [])
        # Copied again, it goes whole, as the empty object it now is.
        p = s3env.run(["cp", f"s3://{self.bkt}/emptied/", f"s3://{self.bkt}/emptieddst/",
                       "--multipart-threshold", "5MiB", "--verify"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(self.body("emptieddst/big.bin"), b"")

    def test_verify_asked_for_a_copy_stopped_by_an_error_says_it_did_not_run(self):
        # A review's finding: --verify was skipped without a word (no line, no "verify" key).
        # The destination bucket deleted under the copy stops it (NoSuchBucket).
        self.put_objects("stopped/", {f"k{i}": b"x" for i in range(3)})
        dst = self.bucket("verify-not-run")
        deleted = []

        def delete_the_destination(method, target, headers):
            if method == "PUT" and "x-amz-copy-source" in headers and not deleted:
                deleted.append(target)
                self.s3.delete_bucket(Bucket=dst)

        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            proxy.on_request = delete_the_destination
            p = s3env.run(["cp", f"s3://{self.bkt}/stopped/", f"s3://{dst}/", "--verify",
                           "--concurrency", "1", "--json",
                           "--endpoint-url", f"http://127.0.0.1:{proxy.port}"])
        self.assertEqual(len(deleted), 1)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("NoSuchBucket", p.stderr)
        self.assertIn("s3loop: verify: not run: the copy stopped at the error above", p.stderr)
        self.assertEqual(json.loads(p.stdout)["verify"], {"not_run": True}, s3env.describe(p))

    def test_a_source_deleted_between_listing_and_copy_is_named_as_the_source(self):
        # CopyObject's NoSuchKey is the source's, and was reported as the destination
        # object not existing.
        self.put_objects("gone2/", {"b.txt": b"bbbb"})

        def delete_before_the_copy(method, target, headers):
            if method == "PUT" and "x-amz-copy-source" in headers:
                self.s3.delete_object(Bucket=self.bkt, Key="gone2/b.txt")

        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            proxy.on_request = delete_before_the_copy
            p = s3env.run(["cp", f"s3://{self.bkt}/gone2/", f"s3://{self.bkt}/gone2dst/",
                           "--endpoint-url", f"http://127.0.0.1:{proxy.port}"])
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn(f"the source object s3://{self.bkt}/gone2/b.txt no longer exists "
                      "(NoSuchKey): deleted after it was listed", p.stderr)

    def test_verify_says_when_the_journal_skipped_a_key_missing_from_the_destination(self):
        # The journal skips without a look at the destination: a copy deleted there since
        # stays missing on every rerun with it, and verify says why and what to do.
        self.put_objects("gone/", {"a": b"aaaa", "b b+%~": b"bb", "c/": b""})
        journal = self.journal("gone.journal")
        cp = ["cp", f"s3://{self.bkt}/gone/", f"s3://{self.bkt}/gonedst/", "--verify"]
        p = s3env.run([*cp, "--journal", journal])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertNotIn("journal", p.stderr)
        self.s3.delete_object(Bucket=self.bkt, Key="gonedst/b b+%~")

        p = s3env.run([*cp, "--journal", journal])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("1 missing", p.stdout)
        hints = [line for line in p.stderr.splitlines() if journal in line]
        self.assertEqual(len(hints), 1, s3env.describe(p))
        self.assertTrue(hints[0].startswith("s3loop: verify: 3 keys were skipped"), hints[0])
        self.assertIn("--skip-existing", hints[0])
        # What it advises copies the missing one, and only that one.
        p = s3env.run([*cp, "--skip-existing", "--json"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = json.loads(p.stdout)
        self.assertEqual((summary["copied"], summary["skipped"]), (1, 2), s3env.describe(p))
        self.assertEqual(self.body("gonedst/b b+%~"), b"bb")

    def test_verify_says_so_for_a_key_the_journal_skipped_that_differs_too(self):
        # The hint came only for a missing key; a destination changed since got a bare
        # "differs" line, and the same rerun never mended it. A key's line break made
        # two lines of one.
        self.put_objects("diff/", {"a": b"aaaa", "new\nline": b"nn", "c": b"cc"})
        journal = self.journal("diff.journal")
        cp = ["cp", f"s3://{self.bkt}/diff/", f"s3://{self.bkt}/diffdst/", "--verify"]
        p = s3env.run([*cp, "--journal", journal])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        # The same size as the copy's "aaaa": only the ETag tells them apart.
        self.s3.put_object(Bucket=self.bkt, Key="diffdst/a", Body=b"junk")
        self.s3.delete_object(Bucket=self.bkt, Key="diffdst/new\nline")
        p = s3env.run([*cp, "--journal", journal])
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        lines = p.stderr.splitlines()
        self.assertIn("s3loop: verify: differs: diffdst/a", lines)
        self.assertIn("s3loop: verify: missing: diffdst/new\\nline", lines)
        hints = [line for line in lines if journal in line]
        self.assertEqual(len(hints), 1, s3env.describe(p))
        self.assertIn("missing or different", hints[0])
        self.assertEqual(len(lines), 3, s3env.describe(p))
        # Only a difference: still the hint.
        self.s3.put_object(Bucket=self.bkt, Key="diffdst/new\nline", Body=b"nn")
        p = s3env.run([*cp, "--journal", journal])
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("--skip-existing", p.stderr)
        p = s3env.run([*cp, "--skip-existing"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(self.body("diffdst/a"), b"aaaa")

    def test_a_journal_of_another_endpoint_is_refused(self):
        # Staging then production, same bucket names: here the same server under another
        # name (s3.localhost), which is all the journal can tell apart.
        self.put_objects("ep/", {"x": b"x", "y": b"y"})
        journal = self.journal("endpoint.journal")
        cp = ["cp", f"s3://{self.bkt}/ep/", f"s3://{self.bkt}/epdst/", "--journal", journal]
        p = s3env.run(cp)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        with open(journal) as f:
            self.assertEqual(json.loads(f.readline())["endpoint"], self.endpoint())
        for key in ("x", "y"):
            self.s3.delete_object(Bucket=self.bkt, Key="epdst/" + key)
        p = s3env.run(cp + ["--endpoint-url", self.srv.virtual_endpoint])
        s3env.assert_clean_error(self, p, 2, "another endpoint", self.endpoint(), "--journal")
        self.assertBucketEmpty(self.bkt, "epdst/", "after a journal of another endpoint")

    def test_a_journal_of_the_older_key_only_format_is_refused(self):
        journal = self.journal("v1.journal")
        content = self.header("v1", version=1) + json.dumps("src/" + sorted(self.source)[0]) + "\n"
        with open(journal, "w") as f:
            f.write(content)
        for extra in ([], ["--dry-run"]):
            with self.subTest(extra=extra):
                p = self.cp("v1", "--journal", journal, *extra)
                s3env.assert_clean_error(self, p, 2, journal, "older s3loop", "new --journal file")
        with open(journal) as f:
            self.assertEqual(f.read(), content)
        self.assertBucketEmpty(self.bkt, "v1/", "after a refused journal")

    def test_a_key_finished_during_a_long_multipart_copy_is_on_disk_within_the_batch_age(self):
        # Serial: the small object, then the multipart one, each request slowed by a proxy.
        # Nothing finishes during the multipart copy, so only the batch age writes the small key.
        self.put_objects("mp/", {"a-small": b"small",
                                 "b-big": s3env.seeded_bytes("mp", 11 * s3env.MiB)})
        journal = self.journal("multipart.journal")
        with s3env.latency_proxy("--delay-ms", "400") as proxy:
            cmd = [s3env.s3loop_bin(), "cp", f"s3://{self.bkt}/mp/", f"s3://{self.bkt}/mpdst/",
                   "--journal", journal, "--strategy", "serial", "--endpoint-url", proxy.endpoint,
                   "--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB", "--json"]
            proc = subprocess.Popen(cmd, env=s3env.base_env(), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            try:
                s3env.wait_for_first_object(self.s3, self.bkt, "mpdst/a-small", proc)
                # The multipart copy has 6 requests of >= 400 ms ahead of it: kill it 0.6 s
                # in, 400 ms after the batch age and before its CreateMultipartUpload (1.2 s
                # in) is answered, whose upload line would write the key too.
                time.sleep(0.6)
                self.assertIsNone(proc.poll(), "the copy ended before it could be killed")
                self.assertEqual(s3env.list_objects(self.s3, self.bkt, "mpdst/b-big"), [],
                                 "the multipart copy finished before the kill")
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            with open(journal) as f:
                lines = f.read().splitlines()
            # (Its upload's line, should its CreateMultipartUpload have been answered before
            # the kill, is an object, not a key's array.)
            keys = [line for line in lines[1:] if line.startswith("[")]
            self.assertEqual(len(keys), 1, lines)
            self.assertEqual(json.loads(keys[0])[0], "mp/a-small")
            # A rerun skips it and copies the multipart object.
            p = s3env.run(cmd[1:])
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            summary = json.loads(p.stdout)
            self.assertEqual((summary["copied"], summary["skipped"]), (1, 1))

    def test_uploads_the_journal_cannot_name_are_warned_of_and_completed_ones_not_counted(self):
        # A kill between sending a CreateMultipartUpload and reading its reply leaves an upload
        # the journal never learnt of: the rerun names where it lies (not aborted: it cannot be
        # told from another program's). And an upload the journal holds open that was in fact
        # completed (its "ended" line lost to the kill) is gone, not "aborted" (a review: 23
        # completed uploads were counted as 23 orphans aborted).
        self.put_objects("unk/", {"a": b"aa"})
        journal = self.journal("unknown.journal")
        cmd = ["cp", f"s3://{self.bkt}/unk/", f"s3://{self.bkt}/unkdst/", "--journal", journal,
               "--json"]
        p = s3env.run(cmd)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(json.loads(p.stdout)["orphan_cleanup_failures"], 0)
        unknown = self.s3.create_multipart_upload(Bucket=self.bkt, Key="unkdst/x y")["UploadId"]
        self.addCleanup(self.s3.abort_multipart_upload, Bucket=self.bkt, Key="unkdst/x y",
                        UploadId=unknown)
        completed = self.s3.create_multipart_upload(Bucket=self.bkt, Key="unkdst/done")
        part = self.s3.upload_part(Bucket=self.bkt, Key="unkdst/done", PartNumber=1, Body=b"d",
                                   UploadId=completed["UploadId"])
        self.s3.complete_multipart_upload(
            Bucket=self.bkt, Key="unkdst/done", UploadId=completed["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        with open(journal, "a") as f:
            f.write(json.dumps({"upload": completed["UploadId"], "key": "unkdst/done"}) + "\n")

        p = s3env.run(cmd)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = json.loads(p.stdout)
        self.assertEqual(summary["orphaned_uploads_aborted"], 0, summary)
        self.assertEqual(summary["orphan_cleanup_failures"], 1, summary)
        self.assertEqual(p.stderr.splitlines(), [
            f"s3loop: warning: s3://{self.bkt}/unkdst/: 1 multipart upload is open there that "
            "the journal does not know of: a run of this copy killed while opening it leaves it "
            "so (each costs storage until aborted), or it is another program's, in progress; "
            f"aws s3api list-multipart-uploads --bucket {self.bkt} --prefix unkdst/ lists it"])
        # Left as it was, and the completed object too.
        self.assertIn(("unkdst/x y", unknown), s3env.multipart_uploads(self.s3, self.bkt))
        self.assertEqual(self.body("unkdst/done"), b"d")
        # Without a journal of an earlier run, nothing is looked for.
        p = s3env.run(cmd[:4] + [self.journal("fresh.journal"), "--json"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stderr, "")

    def test_a_multipart_upload_a_kill_left_open_is_aborted_by_the_rerun(self):
        # Killed between CreateMultipartUpload and CompleteMultipartUpload, a copy leaves its
        # upload open on the server, costing storage; the journal, written at once, not at the
        # batch age, holds it. The rerun with that journal aborts it and copies the object anew.
        data = s3env.seeded_bytes("mpk", 11 * s3env.MiB)
        self.put_objects("mpk/", {"big": data})
        journal = self.journal("upload.journal")
        with s3env.latency_proxy("--delay-ms", "400") as proxy:
            cmd = ["cp", f"s3://{self.bkt}/mpk/", f"s3://{self.bkt}/mpkdst/", "--journal",
                   journal, "--endpoint-url", proxy.endpoint, "--multipart-threshold", "5MiB",
                   "--multipart-chunksize", "5MiB", "--json"]
            proc = subprocess.Popen([s3env.s3loop_bin(), *cmd], env=s3env.base_env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                # The header, then the upload: 3 parts and the completion (>= 400 ms each)
                # are still ahead of it.
                recorded = s3env.wait_for_journal_lines(journal, 1, proc, timeout=120)
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            self.assertTrue(recorded, "the copy recorded no upload before it ended")
            with open(journal) as f:
                upload = json.loads(f.read().splitlines()[1])
            self.assertEqual(upload["key"], "mpkdst/big")
            self.assertIn(("mpkdst/big", upload["upload"]),
                          s3env.multipart_uploads(self.s3, self.bkt))
            self.assertEqual(s3env.list_objects(self.s3, self.bkt, "mpkdst/"), [])

            # A dry run says it would abort the upload, and leaves it (and the journal) be.
            with open(journal, "rb") as f:
                before = f.read()
            p = s3env.run([c for c in cmd if c != "--json"] + ["--dry-run"])
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            self.assertEqual(p.stdout.splitlines()[:2], [  # then the summary
                f"(dryrun) abort: s3://{self.bkt}/mpkdst/big (multipart upload "
                f"{upload['upload']}, left open by an earlier run)",
                f"(dryrun) copy: s3://{self.bkt}/mpk/big to s3://{self.bkt}/mpkdst/big"])
            # With --json the summary lists them instead (and scripts can count them).
            p = s3env.run(cmd + ["--dry-run"])
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            self.assertNotIn("(dryrun) abort", p.stdout)
            self.assertEqual(json.loads(p.stdout.splitlines()[-1])["uploads_to_abort"],
                             [{"destination": f"s3://{self.bkt}/mpkdst/big",
                               "upload_id": upload["upload"]}])
            self.assertIn(("mpkdst/big", upload["upload"]),
                          s3env.multipart_uploads(self.s3, self.bkt))
            with open(journal, "rb") as f:
                self.assertEqual(f.read(), before)

            p = s3env.run(cmd)
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            summary = json.loads(p.stdout)
            self.assertEqual((summary["copied"], summary["orphaned_uploads_aborted"]), (1, 1))
            self.assertEqual([u for u in s3env.multipart_uploads(self.s3, self.bkt)
                              if u[0].startswith("mpkdst/")], [])
            self.assertEqual(self.body("mpkdst/big"), data)
            # Its abort is in the journal too: a third run has nothing to abort (or copy).
            p = s3env.run(cmd)
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            summary = json.loads(p.stdout)
            self.assertEqual((summary["skipped"], summary["orphaned_uploads_aborted"]), (1, 0))

    def test_an_unlocked_journal_aborts_no_upload_it_holds_open(self):
        # On a file system without locks (ENOLCK: some network mounts) the journal runs
        # unlocked, and another run may be using it: the uploads it holds open may be that
        # run's live ones. They are left open, with a warning, for a run that can lock it.
        # flock() is made to fail as such a file system fails it, with a preloaded library.
        libdir = tempfile.mkdtemp(prefix="s3loop-noflock-")
        self.addCleanup(shutil.rmtree, libdir, ignore_errors=True)
        source = os.path.join(libdir, "noflock.c")
        with open(source, "w") as f:
            f.write("#include <errno.h>\n"
                    "int flock(int fd, int op) { (void)fd; (void)op; errno = ENOLCK; "
                    "return -1; }\n")
        library = os.path.join(libdir, "libnoflock.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-o", library, source], check=True)
        # (The sanitizers' runtime wants to come first; this library does not touch memory.)
        asan = os.environ.get("ASAN_OPTIONS", "")
        unlocked_env = s3env.base_env(
            LD_PRELOAD=library,
            ASAN_OPTIONS=(asan + ":" if asan else "") + "verify_asan_link_order=0")

        self.put_objects("nfl/", {"x": b"x" * 100})
        upload = self.s3.create_multipart_upload(Bucket=self.bkt, Key="nfldst/x")["UploadId"]
        journal = self.journal("unlocked.journal")
        with open(journal, "w") as f:
            f.write(json.dumps({"s3loop_journal": 3, "endpoint": self.endpoint(),
                                "source": f"s3://{self.bkt}/nfl/",
                                "destination": f"s3://{self.bkt}/nfldst/"}) + "\n")
            f.write(json.dumps({"upload": upload, "key": "nfldst/x"}) + "\n")
        cmd = ["cp", f"s3://{self.bkt}/nfl/", f"s3://{self.bkt}/nfldst/", "--journal", journal,
               "--json"]

        p = s3env.run(cmd, env=unlocked_env)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"s3loop: warning: journal {journal} cannot be locked (No locks "
                      "available): do not run two copies with it at once", p.stderr)
        self.assertIn("s3loop: warning: the journal could not be locked (No locks available), "
                      "so another run may be using it: the 1 multipart upload it holds open is "
                      "not aborted", p.stderr)
        summary = json.loads(p.stdout)
        self.assertEqual((summary["copied"], summary["orphaned_uploads_aborted"],
                          summary["orphan_cleanup_failures"]), (1, 0, 1))
        self.assertIn(("nfldst/x", upload), s3env.multipart_uploads(self.s3, self.bkt))

        # A run that can lock it aborts it.
        p = s3env.run(cmd)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = json.loads(p.stdout)
        self.assertEqual((summary["skipped"], summary["orphaned_uploads_aborted"]), (1, 1))
        self.assertNotIn(("nfldst/x", upload), s3env.multipart_uploads(self.s3, self.bkt))

    def test_a_journal_of_another_copy_is_refused(self):
        journal = self.journal("other.journal")
        with open(journal, "w") as f:
            f.write(self.header("one"))
        p = s3env.run(["cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/two/", "--journal", journal])
        s3env.assert_clean_error(self, p, 2, "another copy", "--journal")
        self.assertBucketEmpty(self.bkt, "two/", "after a refused journal")

    def test_journal_paths_the_user_must_fix_are_usage_errors(self):
        somedir = self.journal("somedir")
        os.mkdir(somedir)
        afile = self.journal("afile")
        with open(afile, "w"):
            pass
        for path, words in ((self.journal("nonexistent/dir/j"), ["nonexistent/dir", "not exist"]),
                            (somedir, [somedir, "directory"]),
                            # (It said "Is a directory" of a file.)
                            (afile + "/", ["ends with '/'", "a file path"]),
                            ("", ["--journal needs a file path"])):
            for extra in ([], ["--dry-run"]):
                with self.subTest(path=path, extra=extra):
                    p = self.cp("badjournal", "--journal", path, *extra)
                    s3env.assert_clean_error(self, p, 2, *words)
        self.assertFalse(os.path.exists(self.journal("nonexistent")))
        self.assertEqual(os.listdir(somedir), [])
        self.assertBucketEmpty(self.bkt, "badjournal/", "after a refused journal")

    def test_a_journal_that_is_not_a_regular_file_is_refused(self):
        # /dev/zero read forever (GBs of memory), a FIFO blocked at open: the timeout catches both.
        fifo = self.journal("journal.fifo")
        os.mkfifo(fifo)
        for path in ("/dev/zero", "/dev/full", fifo):
            for extra in ([], ["--dry-run"]):
                with self.subTest(path=path, extra=extra):
                    p = s3env.run(["cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/notreg/",
                                   "--journal", path, *extra], timeout=30)
                    s3env.assert_clean_error(self, p, 2, path, "not a regular file")
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
        self.assertBucketEmpty(self.bkt, "notreg/", "after a refused journal")

    def test_a_journal_write_failure_stops_the_copy_with_one_error(self):
        # A journal that cannot grow past its header, as on a full disk: RLIMIT_FSIZE makes the
        # first batch's write fail (EFBIG; SIGXFSZ ignored, as dispositions survive exec).
        journal = self.journal("full.journal")

        def limit_file_size():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

        cmd = [s3env.s3loop_bin(), "cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/full/",
               "--journal", journal, "--concurrency", "4", "--json"]
        p = subprocess.run(cmd, env=s3env.base_env(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, encoding="utf-8", timeout=300,
                           preexec_fn=limit_file_size)
        line = s3env.assert_clean_error(self, p, 1, journal, "write failed", "stopped")
        summary = json.loads(p.stdout)
        copied = {k for k, *_ in s3env.list_objects(self.s3, self.bkt, "full/")}
        # Objects copied before the failure are copied, not failed; none are started after it.
        self.assertEqual(summary["failed"], 0, line)
        self.assertEqual(summary["objects"], len(copied), line)
        self.assertLess(len(copied), len(self.source) // 2, "the copy went on after the failure")
        with open(journal) as f:
            # After the header, the complete lines (the failed write left a torn one).
            recorded = [json.loads(r)[0] for r in f.read().split("\n")[1:-1]]
        self.assertTrue({"full/" + k[len("src/"):] for k in recorded} <= copied)

        # In text, the summary of what got copied says the copy stopped short: its counts
        # alone ("copied N objects, 0 failed") would read as a whole copy.
        os.unlink(journal)
        cmd = [s3env.s3loop_bin(), "cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/full-text/",
               "--journal", journal, "--concurrency", "4"]
        p = subprocess.run(cmd, env=s3env.base_env(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, encoding="utf-8", timeout=300,
                           preexec_fn=limit_file_size)
        s3env.assert_clean_error(self, p, 1, journal, "write failed", "stopped")
        self.assertRegex(p.stdout, r"^copied \d+ objects? .*, 0 failed in .* \(stopped by the "
                         r"error above: the rest of the source was not copied\)\n$")

    def test_dry_run_reads_the_journal_but_never_writes_it(self):
        # A new journal is not created.
        new = self.journal("dry-new.journal")
        p = self.cp("dry", "--journal", new, "--dry-run")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(json.loads(p.stdout)["skipped"], 0)
        self.assertFalse(os.path.exists(new), "a dry run created the journal")
        # An existing one (with a torn last line) shows its keys as skipped and stays as it was.
        old = self.journal("dry-old.journal")
        done = sorted(self.source)[:3]
        content = self.header("dry") + "".join(
            json.dumps(["src/" + k, self.source[k][1], self.source[k][0]]) + "\n" for k in done)
        content += '"src/torn'
        with open(old, "w") as f:
            f.write(content)
        p = self.cp("dry", "--journal", old, "--dry-run")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = json.loads(p.stdout)
        self.assertEqual((summary["objects"], summary["skipped"]),
                         (len(self.source), len(done)))
        with open(old) as f:
            self.assertEqual(f.read(), content)
        self.assertBucketEmpty(self.bkt, "dry/", "after a dry run")

        # The upload an earlier run left open is named as the copy lines are: raw into a
        # pipe, its key's control characters escaped on a terminal (a key holding a line
        # break would forge a line; boto3 cannot create one holding ESC).
        key = "dry/line\nforged"
        upload = self.s3.create_multipart_upload(Bucket=self.bkt, Key=key)["UploadId"]
        self.addCleanup(self.s3.abort_multipart_upload, Bucket=self.bkt, Key=key,
                        UploadId=upload)
        left_open = self.journal("dry-open.journal")
        with open(left_open, "w") as f:
            f.write(self.header("dry", version=3))
            f.write(json.dumps({"upload": upload, "key": key}) + "\n")
        said = (f"(dryrun) abort: s3://{self.bkt}/{{}} (multipart upload {upload}, left open by "
                "an earlier run)\n")
        args = ["cp", f"s3://{self.bkt}/src/", f"s3://{self.bkt}/dry/", "--journal", left_open,
                "--dry-run"]
        p = s3env.run(args)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertTrue(p.stdout.startswith(said.format(key)), s3env.describe(p))
        proc, out, err = s3env.run_on_terminal(args, on="stdout", raw=True)
        self.assertEqual(proc.returncode, 0, (out, err))
        self.assertTrue(out.startswith(said.format("dry/line\\nforged").encode()), out)


if __name__ == "__main__":
    unittest.main()
