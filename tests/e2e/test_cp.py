"""End-to-end tests of `s3loop cp` against the real local S3 server, checked with boto3.

Run: /usr/bin/python3 -m unittest -v test_cp   (from tests/e2e, with the server's
AWS_* variables set; see s3env.py).
"""

import datetime
import json
import os
import re
import signal
import subprocess
import time
import unittest

import s3env
from s3env import KiB, MiB

# The multipart objects: size in MiB -> (content type, metadata). With a 5 MiB
# threshold and 5 MiB parts they are copied in 2, 3 and 3 parts.
BIG = {6: 2, 11: 3, 12: 3}
PART = 5 * MiB


def big_key(mib):
    return f"big/{mib}mib.bin"


def big_metadata(mib):
    return {"origin": f"e2e-{mib}", "two-words": "hello world"}


BIG_CONTENT_TYPE = "application/x-s3loop-e2e"


def expected_source_rel_keys():
    """The keys under src/ that setUpClass writes, derived without asking the server."""
    keys = set()
    for i in range(1900):
        keys.add(f"small/part-{i % 16:02}/obj-{i:08}.dat")
    for k in s3env.SPECIAL_KEYS:
        keys.add("small/" + k)
    for i in range(100):
        keys.add(f"large/part-{i % 16:02}/obj-{i:08}.dat")
    for mib in BIG:
        keys.add(big_key(mib))
    return keys


class CopyTree(s3env.E2ETestCase):
    """~2,000 objects of 0 B..1 MiB, the special keys and three multipart-sized objects under
    s3://SRC/src/, copied once by the async strategy in setUpClass."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("cp-src")
        s3env.datagen(f"s3://{cls.src}/src/small/", count=1900, min_size=0, max_size=16 * KiB,
                      seed=11, special_keys=True)
        s3env.datagen(f"s3://{cls.src}/src/large/", count=100, min_size=16 * KiB,
                      max_size=1 * MiB, seed=12)
        cls.big_data = {}
        for mib in BIG:
            data = s3env.seeded_bytes(mib, mib * MiB)
            cls.big_data[mib] = data
            cls.s3.put_object(Bucket=cls.src, Key="src/" + big_key(mib), Body=data,
                              ContentType=BIG_CONTENT_TYPE, Metadata=big_metadata(mib))
        # Decoys that share the string prefix "src" but not the directory "src/": a copy of
        # s3://SRC/src must leave them alone.
        for key in ("src-decoy.txt", "srcfoo/bar.txt", "sr"):
            cls.s3.put_object(Bucket=cls.src, Key=key, Body=b"decoy")
        cls.source = s3env.object_map(cls.s3, cls.src, "src/")
        cls.source_bytes = sum(size for size, _ in cls.source.values())

        # The copy under test: async (the default strategy), multipart above 5 MiB.
        cls.dst = cls.class_bucket("cp-dst")
        cls.proc = s3env.run(["cp", f"s3://{cls.src}/src", f"s3://{cls.dst}/copy", "--json",
                              "--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB"])
        cls.copied = s3env.object_map(cls.s3, cls.dst, "copy/")

    # --- the source is what the test thinks it is --------------------------------------------

    def test_00_source_as_generated(self):
        self.assertEqual(set(self.source), expected_source_rel_keys(),
                         "test precondition: the source data set is not what datagen/boto3 "
                         "were asked to write")
        self.assertEqual(len(self.source), 1900 + 14 + 100 + 3)

    # --- the async copy ----------------------------------------------------------------------

    def test_exit_code_and_stderr(self):
        p = self.proc
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, "cp must succeed" + s3env.describe(p))
        self.assertEqual(p.stderr.strip(), "", "nothing on stderr for a clean copy" +
                         s3env.describe(p))

    def test_destination_keys_exactly_mapped(self):
        missing = set(self.source) - set(self.copied)
        extra = set(self.copied) - set(self.source)
        self.assertFalse(missing, f"{len(missing)} objects not copied, e.g. "
                         f"{sorted(missing)[:5]}" + s3env.describe(self.proc))
        self.assertFalse(extra, f"{len(extra)} unexpected keys in the destination, e.g. "
                         f"{sorted(extra)[:5]}")
        # Nothing outside the destination prefix either.
        self.assertEqual([k for k, *_ in s3env.list_objects(self.s3, self.dst)
                          if not k.startswith("copy/")], [])

    def test_sizes_and_single_part_etags(self):
        big = {big_key(m) for m in BIG}
        for rel, (size, etag) in self.source.items():
            with self.subTest(key=rel[:80]):
                self.assertIn(rel, self.copied)
                self.assertEqual(self.copied[rel][0], size, "size differs")
                if rel not in big:
                    self.assertEqual(self.copied[rel][1], etag, "ETag (MD5) differs")

    def test_special_keys_copied_verbatim(self):
        for k in s3env.SPECIAL_KEYS:
            with self.subTest(key=k[:60]):
                head = self.s3.head_object(Bucket=self.dst, Key="copy/small/" + k)
                self.assertEqual(head["ContentLength"], self.source["small/" + k][0])

    def test_multipart_objects(self):
        for mib, parts in BIG.items():
            with self.subTest(mib=mib):
                key = "copy/" + big_key(mib)
                head = self.s3.head_object(Bucket=self.dst, Key=key)
                etag = head["ETag"].strip('"')
                self.assertRegex(etag, rf"^[0-9a-f]{{32}}-{parts}$",
                                 f"a {mib} MiB object copied in 5 MiB parts must have a "
                                 f"multipart ETag with {parts} parts")
                self.assertEqual(etag, s3env.multipart_etag(self.big_data[mib], PART),
                                 "ETag is not that of 5 MiB parts of the source's bytes")
                self.assertEqual(head["ContentLength"], mib * MiB)
                self.assertEqual(head["ContentType"], BIG_CONTENT_TYPE,
                                 "Content-Type not carried over by the multipart copy")
                self.assertEqual(head["Metadata"], big_metadata(mib),
                                 "user metadata not carried over by the multipart copy")
                self.assertEqual(s3env.sha256_of(self.s3, self.dst, key),
                                 s3env.sha256_of(self.s3, self.src, "src/" + big_key(mib)),
                                 "content differs")

    def test_no_dangling_multipart_uploads(self):
        self.assertEqual(s3env.multipart_uploads(self.s3, self.dst), [])
        self.assertEqual(s3env.multipart_uploads(self.s3, self.src), [])

    def test_json_summary(self):
        s = s3env.parse_json_summary(self, self.proc)
        self.assertEqual(s["strategy"], "async")
        self.assertEqual(s["objects"], len(self.source))
        self.assertEqual(s["bytes"], self.source_bytes)
        self.assertEqual(s["failed"], 0)
        self.assertEqual(s["failures"], [])
        self.assertGreaterEqual(s["requests"], len(self.source))
        kinds = s["requests_by_kind"]
        self.assertIn("UploadPartCopy", kinds, "no multipart copy happened")
        self.assertEqual(kinds["UploadPartCopy"]["requests"] - kinds["UploadPartCopy"]["retries"],
                         sum(BIG.values()), "UploadPartCopy count != number of parts")

    def test_source_untouched(self):
        self.assertEqual(s3env.object_map(self.s3, self.src, "src/"), self.source)

    # --- the same copy, serial ----------------------------------------------------------------

    def test_serial_equals_async(self):
        dst = self.bucket("cp-serial")
        # Trailing slashes this time: the same directory semantics.
        p = s3env.run(["cp", f"s3://{self.src}/src/", f"s3://{dst}/copy/", "--strategy", "serial",
                       "--json", "--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        s = s3env.parse_json_summary(self, p)
        self.assertEqual(s["strategy"], "serial")
        self.assertEqual((s["objects"], s["failed"], s["bytes"]),
                         (len(self.source), 0, self.source_bytes))
        serial = s3env.object_map(self.s3, dst, "copy/")
        self.assertEqual(set(serial), set(self.copied))
        self.assertEqual(serial, self.copied, "serial and async copies differ (size or ETag)")
        for mib in BIG:
            head = self.s3.head_object(Bucket=dst, Key="copy/" + big_key(mib))
            self.assertEqual((head["ContentType"], head["Metadata"]),
                             (BIG_CONTENT_TYPE, big_metadata(mib)))
        self.assertEqual(s3env.multipart_uploads(self.s3, dst), [])

    # --- dry run ------------------------------------------------------------------------------

    def test_dry_run_copies_nothing(self):
        dst = self.bucket("cp-dry")
        p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/copy", "--dry-run"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        lines = p.stdout.splitlines()
        dry = [line for line in lines if line.startswith("(dryrun) copy: ")]
        expected = {f"(dryrun) copy: s3://{self.src}/src/{rel} to s3://{dst}/copy/{rel}"
                    for rel in self.source}
        self.assertEqual(len(dry), len(set(dry)), "an object was listed twice")
        self.assertEqual(set(dry) - expected, set(), "unexpected (dryrun) lines")
        self.assertEqual(expected - set(dry), set(), "objects missing from the (dryrun) lines")
        self.assertLessEqual(len(lines) - len(dry), 1, "only the summary may follow")
        self.assertBucketEmpty(dst, why="after --dry-run")
        self.assertEqual(s3env.multipart_uploads(self.s3, dst), [])

    # --- partial failure ----------------------------------------------------------------------

    def test_partial_failure_key_too_long(self):
        dst = self.bucket("cp-long")
        # "copy-ppp...p/" + "small/" + the 1,000-byte special key > 1,024 bytes, which radosgw
        # refuses (400 InvalidObjectName); every other key stays well under the limit.
        prefix = "copy-" + "p" * 40
        long_rel = "small/" + s3env.LONG_SPECIAL_KEY
        self.assertGreater(len(f"{prefix}/{long_rel}".encode()), 1024)
        p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/{prefix}", "--json"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 1, "some objects failed: exit 1" + s3env.describe(p))
        failed_lines = [line for line in p.stderr.splitlines() if line.strip()]
        self.assertEqual(len(failed_lines), 1, "exactly the one long key fails" + s3env.describe(p))
        self.assertTrue(failed_lines[0].startswith(
            f"s3loop: failed: s3://{self.src}/src/{long_rel} -> s3://{dst}/{prefix}/{long_rel}: "),
            "stderr must name the failed object" + s3env.describe(p))
        s = s3env.parse_json_summary(self, p)
        self.assertEqual((s["objects"], s["failed"]), (len(self.source) - 1, 1))
        self.assertEqual([f["key"] for f in s["failures"]], [f"src/{long_rel}"])
        copied = s3env.object_map(self.s3, dst, prefix + "/")
        expected = {rel: v for rel, v in self.source.items() if rel != long_rel}
        self.assertEqual(set(copied), set(expected), "every other object must be copied")
        self.assertEqual(copied, expected, "sizes/ETags of the copied objects differ")

    # --- cancellation -------------------------------------------------------------------------

    def test_sigint_cancels_with_130_and_sigterm_with_143(self):
        # 128 + the signal, as a shell reports a process that signal ended (aws cli, rclone).
        for strategy, signum in (("serial", signal.SIGINT), ("async", signal.SIGTERM),
                                 ("threads", signal.SIGINT), ("async-pool", signal.SIGTERM)):
            with self.subTest(strategy=strategy, signal=signum.name):
                dst = self.bucket(f"cp-int-{strategy}")
                proc = subprocess.Popen(
                    [s3env.s3loop_bin(), "cp", f"s3://{self.src}/src", f"s3://{dst}/copy",
                     "--strategy", strategy, "--concurrency", "4"]
                    + (["--threads", "2"] if strategy in ("threads", "async-pool") else []),
                    env=s3env.base_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    encoding="utf-8", errors="replace")
                # Wait until the copy is under way (the first object appears), then SIGINT.
                s3env.wait_for_first_object(self.s3, dst, proc=proc, timeout=30)
                proc.send_signal(signum)
                t0 = time.monotonic()
                try:
                    out, err = proc.communicate(timeout=12)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.communicate()
                    self.fail(f"s3loop cp --strategy {strategy} did not stop within 12 s of "
                              f"{signum.name} (hung)")
                p = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
                s3env.assert_no_crash(self, p)
                self.assertLess(time.monotonic() - t0, 10, "cancellation took too long")
                self.assertEqual(p.returncode, 128 + signum,
                                 f"{signum.name} must end with exit {128 + signum}" +
                                 s3env.describe(p))
                copied = s3env.object_map(self.s3, dst, "copy/")
                self.assertLess(len(copied), len(self.source), "cancelled, yet everything copied")
                for rel, v in copied.items():
                    self.assertEqual(v, self.source.get(rel), f"bad copy of {rel[:80]!r}")


class CopyHeaders(s3env.E2ETestCase):
    """An object's standard headers survive the copy whether it is copied in one CopyObject or
    part by part (the same object must not come out differently because of its size)."""

    HEADERS = dict(ContentType="text/plain; charset=utf-8", CacheControl="max-age=60",
                   ContentDisposition='attachment; filename="x y.bin"',
                   ContentEncoding="identity", ContentLanguage="fr",
                   Expires=datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("cp-hdr")
        cls.s3.put_object(Bucket=cls.src, Key="src/h.bin", Body=s3env.seeded_bytes("h", 6 * MiB),
                          Metadata={"a": "1", "Mixed-Case": "v"}, **cls.HEADERS)
        cls.expected = cls.describe_object(cls.src, "src/h.bin")

    @classmethod
    def describe_object(cls, bucket, key):
        h = cls.s3.head_object(Bucket=bucket, Key=key)
        return {name: h.get(name) for name in list(cls.HEADERS) + ["Metadata", "ContentLength"]}

    def copy_and_compare(self, *args):
        dst = self.bucket("cp-hdr-dst")
        p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/out", *args])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertNotIn(None, self.expected.values(), "the server dropped a source header")
        self.assertEqual(self.describe_object(dst, "out/h.bin"), self.expected)
        self.last_run = p
        return dst

    def test_single_part_copy_keeps_headers(self):
        dst = self.copy_and_compare()
        head = self.s3.head_object(Bucket=dst, Key="out/h.bin")
        self.assertNotIn("-", head["ETag"], "expected a single CopyObject")

    def test_multipart_copy_keeps_headers(self):
        dst = self.copy_and_compare("--multipart-threshold", "5MiB",
                                    "--multipart-chunksize", "5MiB", "--debug")
        head = self.s3.head_object(Bucket=dst, Key="out/h.bin")
        self.assertTrue(head["ETag"].endswith('-2"'), "expected a 2-part copy")
        # Every part is copied from the version the copy started from: a source overwritten
        # meanwhile fails the copy (412) instead of being spliced with the old one. (radosgw
        # 16.2 ignores the header, so it is checked on the wire.)
        source_etag = self.s3.head_object(Bucket=self.src, Key="src/h.bin")["ETag"]
        parts = [line for line in self.last_run.stderr.splitlines()
                 if line.startswith("s3loop: debug: -> PUT") and "partNumber=" in line]
        self.assertEqual(len(parts), 2, self.last_run.stderr)
        for line in parts:
            self.assertIn(f"x-amz-copy-source-if-match: {source_etag}", line)


    def test_an_empty_content_type_stays_empty_whatever_the_size(self):
        # Left out of CreateMultipartUpload, it became binary/octet-stream on a multipart
        # copy only (CopyObject keeps it empty).
        src = self.bucket("cp-hdr-empty")
        for key, size in (("src/big.bin", 6 * MiB), ("src/small.bin", 10)):
            self.s3.put_object(Bucket=src, Key=key, Body=s3env.seeded_bytes(key, size),
                               ContentType="")
        self.assertEqual(self.s3.head_object(Bucket=src, Key="src/big.bin")["ContentType"], "")
        p = s3env.run(["cp", f"s3://{src}/src/", f"s3://{src}/dst/", "--multipart-threshold",
                       "5MiB", "--multipart-chunksize", "5MiB"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        for key in ("dst/big.bin", "dst/small.bin"):
            self.assertEqual(self.s3.head_object(Bucket=src, Key=key)["ContentType"], "", key)


class CopyPercentKeyInParts(s3env.E2ETestCase):
    """radosgw 16.2 decodes UploadPartCopy's x-amz-copy-source twice: the part copies of a key
    holding '%' and two hex digits read another key. Where none exists that failed (NoSuchKey);
    where one did, a review found the copy made of the other object's bytes, reported copied,
    and --verify passing it. It also takes '?versionId=' in a key for a version (r?versionId=null
    read r). Such a key is copied with CopyObject (which reads it right) whenever CopyObject can
    copy it, up to 5 GiB, whatever --multipart-threshold says."""

    def test_a_key_holding_percent_above_the_threshold_is_copied_whole(self):
        bkt = self.bucket("cp-pct")
        data = s3env.seeded_bytes("pct", 6 * MiB)
        self.s3.put_object(Bucket=bkt, Key="p/pct%20x", Body=data)
        p = s3env.run(["cp", f"s3://{bkt}/p/pct%20x", f"s3://{bkt}/out/", "--multipart-threshold",
                       "5MiB", "--multipart-chunksize", "5MiB"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        got = self.s3.get_object(Bucket=bkt, Key="out/pct%20x")
        self.assertEqual(got["Body"].read(), data)
        self.assertNotIn("-", got["ETag"], "copied in parts")
        self.assertEqual(s3env.multipart_uploads(self.s3, bkt), [])

    def test_a_key_that_reads_as_another_when_decoded_twice_gets_its_own_bytes(self):
        bkt = self.bucket("cp-pct-twin")
        objects = {"pc/pct%41": b"A" * 20, "pc/pctA": b"B" * 30,  # pct%41 read twice: pctA
                   "pc/q%2541": b"C" * 20, "pc/q%41": b"D" * 20,  # q%2541 twice: q%41, then qA
                   "pc/plain": b"E" * 40,
                   # '?versionId=' taken for a version: r's first 20 bytes were copied.
                   "pc/r?versionId=null": b"F" * 20, "pc/r": b"G" * 30,
                   "pc/s?versionId=abc": b"H" * 20}  # (NoSuchKey)
        for key, body in objects.items():
            self.s3.put_object(Bucket=bkt, Key=key, Body=body)
        for strategy in ("serial", "async"):
            with self.subTest(strategy=strategy):
                p = s3env.run(["cp", f"s3://{bkt}/pc/", f"s3://{bkt}/{strategy}/",
                               "--multipart-threshold", "1", "--verify", "--strategy", strategy])
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                for key, body in objects.items():
                    copy = f"{strategy}/" + key.removeprefix("pc/")
                    self.assertEqual(self.s3.get_object(Bucket=bkt, Key=copy)["Body"].read(),
                                     body, copy)
                # The key without '%' still went in parts (its ETag says so).
                etag = self.s3.head_object(Bucket=bkt, Key=f"{strategy}/plain")["ETag"]
                self.assertIn("-", etag)


class CopyTags(s3env.E2ETestCase):
    """A multipart copy carries the source's tags over, as CopyObject does (tagging directive
    COPY) and `aws s3 cp --copy-props default` does; a source whose tags cannot be read fails
    its copy rather than losing them."""

    # Characters the x-amz-tagging header and the XML body must both carry: '&', '=', '+',
    # a space, '/', '%' and UTF-8.
    TAGS = {"project": "s3loop", "a b": "c&d=e+f/g%", "\u00e9t\u00e9": "\u65e5\u672c"}
    MULTIPART = ["--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("cp-tags")
        cls.put(cls.src, "src/big.bin", 6 * MiB, cls.TAGS)
        cls.put(cls.src, "src/small.bin", 1 * KiB, cls.TAGS)
        cls.put(cls.src, "src/untagged.bin", 6 * MiB, {})
        # Ten tags of 120 + 250 characters, most percent-encoded threefold: ~10 KiB as a
        # header, beyond what a CreateMultipartUpload header carries (PutObjectTagging only).
        cls.many = {f"{i}-" + "k/" * 59: "v&" * 125 for i in range(10)}
        cls.put(cls.src, "many/big.bin", 6 * MiB, cls.many)

    @classmethod
    def put(cls, bucket, key, size, tags):
        cls.s3.put_object(Bucket=bucket, Key=key, Body=s3env.seeded_bytes(key, size))
        if tags:
            cls.s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={
                "TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})

    def tags(self, bucket, key):
        tag_set = self.s3.get_object_tagging(Bucket=bucket, Key=key).get("TagSet", [])
        return {t["Key"]: t["Value"] for t in tag_set}

    def copy(self, prefix, dst, *args):
        p = s3env.run(["cp", f"s3://{self.src}/{prefix}", f"s3://{dst}/out", "--json",
                       *self.MULTIPART, *args])
        return p

    def test_multipart_copy_keeps_tags(self):
        dst = self.bucket("cp-tags-dst")
        p = self.copy("src", dst, "--debug")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        # Sent on the create too, where AWS sets them with the object (radosgw 16.2 ignores
        # the header, hence the PutObjectTagging counted below).
        creates = [line for line in p.stderr.splitlines()
                   if line.startswith("s3loop: debug: -> POST") and "uploads" in line]
        self.assertEqual(len(creates), 2, p.stderr[-3000:])
        tagged_create = [line for line in creates if "/out/big.bin" in line]
        self.assertEqual(len(tagged_create), 1, creates)
        self.assertIn("x-amz-tagging: ", tagged_create[0])
        self.assertIn("a%20b=c%26d%3De%2Bf%2Fg%25", tagged_create[0])
        untagged_create = [line for line in creates if "/out/untagged.bin" in line]
        self.assertNotIn("x-amz-tagging", untagged_create[0])
        head = self.s3.head_object(Bucket=dst, Key="out/big.bin")
        self.assertTrue(head["ETag"].endswith('-2"'), "expected a 2-part copy")
        self.assertEqual(self.tags(dst, "out/big.bin"), self.TAGS)
        # The same object copied in one CopyObject comes out with the same tags.
        self.assertNotIn("-", self.s3.head_object(Bucket=dst, Key="out/small.bin")["ETag"])
        self.assertEqual(self.tags(dst, "out/small.bin"), self.TAGS)
        self.assertEqual(self.tags(dst, "out/untagged.bin"), {})
        by_kind = json.loads(p.stdout)["requests_by_kind"]
        # Two multipart sources read; only the tagged one's copy is tagged.
        self.assertEqual(by_kind["GetObjectTagging"]["requests"], 2, by_kind)
        self.assertEqual(by_kind["PutObjectTagging"]["requests"], 1, by_kind)

    def test_tags_too_large_for_a_header_are_put_after(self):
        dst = self.bucket("cp-tags-many")
        p = self.copy("many", dst, "--debug")
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(self.tags(dst, "out/big.bin"), self.many)
        creates = [line for line in p.stderr.splitlines()
                   if line.startswith("s3loop: debug: -> POST") and "uploads" in line]
        self.assertEqual(len(creates), 1, p.stderr[-3000:])
        self.assertNotIn("x-amz-tagging", creates[0])

    def test_unreadable_source_tags_fail_the_copy(self):
        src = self.bucket("cp-tags-deny")
        self.put(src, "src/big.bin", 6 * MiB, self.TAGS)
        # The source's objects can be read, their tags cannot (as for a role without
        # s3:GetObjectTagging).
        self.s3.put_bucket_policy(Bucket=src, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Principal": "*", "Action": "s3:GetObjectTagging",
                "Resource": f"arn:aws:s3:::{src}/*"}]}))
        self.addCleanup(self.s3.delete_bucket_policy, Bucket=src)
        dst = self.bucket("cp-tags-deny-dst")
        p = s3env.run(["cp", f"s3://{src}/src", f"s3://{dst}/out", *self.MULTIPART])
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("GetObjectTagging", p.stderr)
        self.assertIn("AccessDenied", p.stderr)
        self.assertIn("tags", p.stderr)
        self.assertEqual(s3env.object_map(self.s3, dst), {}, "a copy without its tags was made")
        self.assertEqual(list(s3env.multipart_uploads(self.s3, dst)), [])

    def test_tags_that_cannot_be_set_fail_the_copy_and_say_so(self):
        # The destination takes objects but not tags (as for a role without
        # s3:PutObjectTagging; radosgw 16.2 ignores x-amz-tagging on the create, so only the
        # PutObjectTagging after Complete meets the policy).
        dst = self.bucket("cp-tags-noput")
        self.s3.put_bucket_policy(Bucket=dst, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Principal": "*", "Action": "s3:PutObjectTagging",
                "Resource": f"arn:aws:s3:::{dst}/*"}]}))
        self.addCleanup(self.s3.delete_bucket_policy, Bucket=dst)
        p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/out", *self.MULTIPART,
                       "--exclude", "*", "--include", "big.bin"])
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("AccessDenied", p.stderr)
        self.assertIn("copied, but without its tags", p.stderr)
        # What the message says is so: the object is there, untagged, and no upload is open.
        self.assertEqual(self.s3.head_object(Bucket=dst, Key="out/big.bin")["ContentLength"],
                         6 * MiB)
        self.assertEqual(self.tags(dst, "out/big.bin"), {})
        self.assertEqual(list(s3env.multipart_uploads(self.s3, dst)), [])

    def test_a_refused_copy_names_its_source_too(self):
        # CopyObject refused because the source cannot be read: the reply is the
        # destination's request's, but the message must not send the user to the destination
        # alone.
        src = self.bucket("cp-deny-src")
        self.s3.put_object(Bucket=src, Key="p/k1", Body=b"secret")
        self.s3.put_object(Bucket=src, Key="p/k2", Body=b"open")
        self.s3.put_bucket_policy(Bucket=src, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{src}/p/k1"}]}))
        self.addCleanup(self.s3.delete_bucket_policy, Bucket=src)
        dst = self.bucket("cp-deny-dst")
        p = s3env.run(["cp", f"s3://{src}/p/", f"s3://{dst}/pp/"])
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn(f"access denied to the copy's source s3://{src}/p/k1 or its destination "
                      f"s3://{dst}/pp/k1 (AccessDenied)", p.stderr)
        self.assertEqual(set(s3env.object_map(self.s3, dst)), {"pp/k2"})


class CopyEdgeCases(s3env.E2ETestCase):
    """Empty sources, destinations inside the source, directory semantics."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("cp-edge")
        s3env.datagen(f"s3://{cls.src}/a/", count=20, max_size=2 * KiB, seed=5)
        # "nothing" has no objects under "nothing/", only these look-alikes.
        for key in ("nothingness.txt", "nothing-else/x", "nothin"):
            cls.s3.put_object(Bucket=cls.src, Key=key, Body=b"not under nothing/")
        cls.initial = s3env.object_map(cls.s3, cls.src)

    def assertSourceUnchanged(self):
        self.assertEqual(s3env.object_map(self.s3, self.src), self.initial,
                         "the source bucket was modified")

    def test_empty_source_prefix(self):
        dst = self.bucket("cp-empty")
        for src in (f"s3://{self.src}/nothing", f"s3://{self.src}/nothing/"):
            with self.subTest(src=src):
                p = s3env.run(["cp", src, f"s3://{dst}/out", "--json"])
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                s = s3env.parse_json_summary(self, p)
                self.assertEqual((s["objects"], s["bytes"], s["failed"]), (0, 0, 0))
                self.assertBucketEmpty(dst, why=f"after copying the empty {src}")

    def test_empty_source_text_output(self):
        dst = self.bucket("cp-empty-text")
        p = s3env.run(["cp", f"s3://{self.src}/nothing", f"s3://{dst}/out"])
        s3env.assert_no_crash(self, p)
        # As aws s3 cp: no error (scripts copy prefixes that may be empty), but a mistyped
        # source is not passed off as a copy that went through.
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stderr, f"s3loop: warning: no objects under s3://{self.src}/nothing/: "
                         "nothing to copy (check the source URL)\n")
        self.assertEqual(len(p.stdout.strip().splitlines()), 1, "one summary line" +
                         s3env.describe(p))
        self.assertBucketEmpty(dst)
        # A carriage return in the URL (a script saved with CRLF line ends) is written \r:
        # raw, it sent the cursor back and the line overwrote itself.
        p = s3env.run(["cp", f"s3://{self.src}/no\rthing", f"s3://{dst}/out"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stderr, f"s3loop: warning: no objects under s3://{self.src}/no\\rthing/: "
                         "nothing to copy (check the source URL)\n")
        # Objects the filters leave out were there: no warning.
        p = s3env.run(["cp", f"s3://{self.src}/", f"s3://{dst}/out", "--exclude", "*"])
        self.assertEqual((p.returncode, p.stderr), (0, ""), s3env.describe(p))
        self.assertBucketEmpty(dst)

    def test_destination_inside_source_refused(self):
        b = self.src
        for src, dst in ((f"s3://{b}/a", f"s3://{b}/a/sub"),
                         (f"s3://{b}/a/", f"s3://{b}/a/sub/"),
                         (f"s3://{b}/a", f"s3://{b}/a"),
                         (f"s3://{b}/a/", f"s3://{b}/a/part-01"),
                         (f"s3://{b}", f"s3://{b}/copy"),
                         (f"s3://{b}/", f"s3://{b}/a/b/c")):
            with self.subTest(src=src, dst=dst):
                p = s3env.run(["cp", src, dst])
                s3env.assert_clean_error(self, p, 2, "inside")
                self.assertSourceUnchanged()

    def test_destination_above_source_refused(self):
        # Copying a/part-01/ up into a/ would map a/part-01/part-01/x onto the source object
        # a/part-01/x, possibly before that one is copied: lost, and --verify fooled.
        b = self.src
        above = "inside the destination prefix"
        for src, dst, words in ((f"s3://{b}/a/part-01/", f"s3://{b}/a/", above),
                                (f"s3://{b}/a/", f"s3://{b}", above),
                                (f"s3://{b}/a/", f"s3://{b}/", above),
                                # a/part-01 copied into a/ would land on itself if it were
                                # an object; it is a folder, and the refusal says why.
                                (f"s3://{b}/a/part-01", f"s3://{b}/a", above)):
            with self.subTest(src=src, dst=dst):
                p = s3env.run(["cp", src, dst, "--strategy", "serial", "--verify"])
                s3env.assert_clean_error(self, p, 2, words)
                self.assertSourceUnchanged()

    def test_sibling_prefix_is_not_inside(self):
        # "a" is the directory "a/": "ab/" is outside it and must be allowed.
        dst = self.bucket("cp-sibling")
        p = s3env.run(["cp", f"s3://{self.src}/a", f"s3://{dst}/ab"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        # and within the same bucket
        try:
            p = s3env.run(["cp", f"s3://{self.src}/a", f"s3://{self.src}/ab", "--json"])
            s3env.assert_no_crash(self, p)
            self.assertEqual(p.returncode, 0, "s3://b/a -> s3://b/ab is not inside the source" +
                             s3env.describe(p))
            source = {k: v for k, v in self.initial.items() if k.startswith("a/")}
            copied = s3env.object_map(self.s3, self.src, "ab/")
            self.assertEqual(copied, {k[2:]: v for k, v in source.items()})
        finally:
            for k, *_ in s3env.list_objects(self.s3, self.src, "ab/"):
                self.s3.delete_object(Bucket=self.src, Key=k)

    def test_prefixes_with_special_characters(self):
        # Destination and then source prefixes that need URL-encoding (and are not decoded).
        odd = "o ut+\u00e9%20?#x=&~"
        dst = self.bucket("cp-odd")
        source = {k[2:]: v for k, v in self.initial.items() if k.startswith("a/")}
        p = s3env.run(["cp", f"s3://{self.src}/a", f"s3://{dst}/{odd}"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.object_map(self.s3, dst, odd + "/"), source)
        p = s3env.run(["cp", f"s3://{dst}/{odd}/", f"s3://{dst}/back"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.object_map(self.s3, dst, "back/"), source)
        self.assertEqual(len(s3env.list_objects(self.s3, dst)), 2 * len(source))

    def test_directory_semantics_and_bucket_root(self):
        dst = self.bucket("cp-root")
        # "s3://SRC/a" copies "a/x" to "<dst>/x": here the destination is a bucket root.
        p = s3env.run(["cp", f"s3://{self.src}/a", f"s3://{dst}", "--json"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        source = {k[2:]: v for k, v in self.initial.items() if k.startswith("a/")}
        self.assertEqual(len(source), 20)
        self.assertEqual(s3env.object_map(self.s3, dst), source)
        self.assertEqual(s3env.parse_json_summary(self, p)["objects"], 20)
        # A whole bucket into a prefix of another.
        dst2 = self.bucket("cp-root2")
        p = s3env.run(["cp", f"s3://{self.src}", f"s3://{dst2}/all/"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.object_map(self.s3, dst2, "all/"), self.initial)

    def test_the_source_prefixs_own_marker_is_not_copied_to_a_bucket_root(self):
        # The S3 console's "Create folder" leaves "photos/". Copied to a bucket root it would
        # land on the empty key: a PUT of the bare bucket, which is a CreateBucket (on AWS it
        # resets the bucket's ACL). aws s3 cp skips it; so does s3loop, and --verify agrees.
        src = self.bucket("cp-marker-src")
        for key in ("photos/", "photos/a.jpg", "photos/sub/"):
            self.s3.put_object(Bucket=src, Key=key, Body=b"" if key.endswith("/") else b"jpg")
        source = s3env.object_map(self.s3, src)
        for url in (f"s3://{src}/photos/", f"s3://{src}/photos"):
            with self.subTest(source=url):
                dst = self.bucket("cp-marker-dst")
                p = s3env.run(["cp", url, f"s3://{dst}", "--verify", "--json", "--debug"])
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                self.assertNotRegex(p.stderr, rf"-> PUT [^ ]*/{dst} ", "a PUT of the bucket")
                summary = s3env.parse_json_summary(self, p)
                self.assertEqual((summary["objects"], summary["failed"]), (2, 0))
                self.assertEqual(summary["verify"]["matched"], 2, s3env.describe(p))
                self.assertEqual(s3env.object_map(self.s3, dst),
                                 {"a.jpg": source["photos/a.jpg"], "sub/": source["photos/sub/"]})
                # Below a prefix it marks that prefix ("copy/"), as it marked the source.
                p = s3env.run(["cp", url, f"s3://{dst}/copy"])
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                self.assertEqual(s3env.object_map(self.s3, dst, "copy/"),  # keys below copy/
                                 {k[len("photos/"):]: v for k, v in source.items()})

                # A marker that holds data has no name there either, and is not dropped in
                # silence (it was: "copied 2 objects", exit 0): it fails, named, with the way to
                # copy it; the rest is copied.
                self.s3.put_object(Bucket=src, Key="photos/", Body=b"data in a marker")
                dst = self.bucket("cp-marker-dst")
                p = s3env.run(["cp", url, f"s3://{dst}", "--json"])
                self.assertEqual(p.returncode, 1, s3env.describe(p))
                summary = s3env.parse_json_summary(self, p)
                self.assertEqual((summary["objects"], summary["failed"]), (2, 1))
                self.assertIn(f"s3://{src}/photos/ -> s3://{dst}/: its key is the source "
                              "folder's own, which leaves it no name at the bucket root, and it "
                              f"holds data: copy the folder to a prefix (s3loop cp s3://{src}/"
                              f"photos/ s3://{dst}/photos/)", p.stderr)
                self.assertEqual(sorted(s3env.object_map(self.s3, dst)), ["a.jpg", "sub/"])
                self.s3.put_object(Bucket=src, Key="photos/", Body=b"")

        # A folder that holds nothing but its marker: "copied 0 objects" alone would read as a
        # copy that lost something; the warning says why (exit 0: nothing is lost).
        self.s3.put_object(Bucket=src, Key="empty/", Body=b"")
        dst = self.bucket("cp-marker-dst")
        p = s3env.run(["cp", f"s3://{src}/empty/", f"s3://{dst}"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"s3loop: warning: s3://{src}/empty/ holds nothing but its own empty folder "
                      f"marker, which has no name at the root of s3://{dst}/: nothing to copy "
                      "(name a destination folder to keep it)", p.stderr)
        self.assertEqual(s3env.object_map(self.s3, dst), {})
        # Not said where the folder holds more, nor where the marker has a name.
        for args in ([f"s3://{src}/photos/", f"s3://{dst}", "--exclude", "*"],
                     [f"s3://{src}/empty/", f"s3://{dst}/kept/"]):
            p = s3env.run(["cp", *args])
            self.assertEqual(p.returncode, 0, s3env.describe(p))
            self.assertNotIn("folder marker", p.stderr)


class CopyNamedObject(s3env.E2ETestCase):
    """A source without a trailing '/' under which nothing lies names one object, copied alone to
    <destination>/<its last segment>, as `aws s3 cp s3://b/dir/k s3://b/dst/` and rclone do."""

    STRATEGIES = ("serial", "threads", "async", "async-pool")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("cp-named")
        # A key ending in '/' names a directory, never an object.
        cls.keys = [k for k in s3env.SPECIAL_KEYS if not k.endswith("/")]
        for i, k in enumerate(cls.keys):
            cls.s3.put_object(Bucket=cls.src, Key="one/" + k, Body=s3env.seeded_bytes(i, 700 + i))
        cls.s3.put_object(Bucket=cls.src, Key="top-level.bin", Body=b"at the bucket root")
        # An object and a directory of the same name: the directory wins.
        cls.s3.put_object(Bucket=cls.src, Key="both", Body=b"the object named both")
        cls.s3.put_object(Bucket=cls.src, Key="both/inner.txt", Body=b"inside both/")
        cls.initial = s3env.object_map(cls.s3, cls.src)

    def test_each_special_key_alone_under_every_strategy(self):
        dst = self.bucket("cp-named-dst")
        for i, k in enumerate(self.keys):
            strategy = self.STRATEGIES[i % len(self.STRATEGIES)]
            out = f"out-{i}/"
            # Something already beside the copy's place is not the copy's business.
            self.s3.put_object(Bucket=dst, Key=out + "beside.txt", Body=b"was here before")
            before = s3env.object_map(self.s3, dst, out)
            with self.subTest(key=k, strategy=strategy):
                p = s3env.run(["cp", f"s3://{self.src}/one/{k}", f"s3://{dst}/{out}",
                               "--strategy", strategy, "--verify", "--json"])
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                summary = s3env.parse_json_summary(self, p)
                self.assertEqual((summary["objects"], summary["failed"]), (1, 0))
                self.assertEqual(summary["verify"], {"matched": 1, "matched_by_size_only": 0,
                                                     "missing": 0, "mismatched": 0,
                                                     "unexpected": 0}, s3env.describe(p))
                name = k.rsplit("/", 1)[-1]
                self.assertEqual(s3env.object_map(self.s3, dst, out),
                                 {**before, name: self.initial["one/" + k]})
        self.assertEqual(s3env.object_map(self.s3, self.src), self.initial)

    def assertCopies(self, source, destination_path, expected, *flags):
        """cp s3://SRC/source s3://<fresh bucket>destination_path [flags] gives exactly
        `expected` ({destination key: source key})."""
        dst = self.bucket("cp-named-to")
        p = s3env.run(["cp", f"s3://{self.src}/{source}", f"s3://{dst}{destination_path}",
                       *flags])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.object_map(self.s3, dst),
                         {d: self.initial[k] for d, k in expected.items()})

    def test_top_level_object_to_bucket_root(self):
        self.assertCopies("top-level.bin", "", {"top-level.bin": "top-level.bin"})

    def test_directory_wins_over_object_of_the_same_name(self):
        self.assertCopies("both", "/x", {"x/inner.txt": "both/inner.txt"})

    def test_object_left_beside_its_directory_is_named_with_the_way_to_copy_it(self):
        dst = self.bucket("cp-named-both")
        p = s3env.run(["cp", f"s3://{self.src}/both", f"s3://{dst}/x", "--json"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"s3loop: warning: s3://{self.src}/both is an object and a folder (both/) "
                      "alike: the folder is copied, the object is not (to copy the object, copy "
                      f"'s3://{self.src}/' with --exclude '*' --include 'both')\n", p.stderr)
        self.assertEqual(s3env.parse_json_summary(self, p)["objects"], 1)
        # The hint works: exactly that object, nothing else of the bucket.
        p = s3env.run(["cp", f"s3://{self.src}/", f"s3://{dst}/y/", "--exclude", "*",
                       "--include", "both"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(s3env.object_map(self.s3, dst),
                         {"x/inner.txt": self.initial["both/inner.txt"],
                          "y/both": self.initial["both"]})
        # Within the source's bucket that copy would be refused (its parent, the bucket root,
        # lies above the destination): the warning names no way that does not work.
        p = s3env.run(["cp", f"s3://{self.src}/both", f"s3://{self.src}/out/", "--dry-run"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"s3loop: warning: s3://{self.src}/both is an object and a folder (both/) "
                      "alike: the folder is copied, the object is not\n", p.stderr)
        # A directory alone, or a name given with its trailing '/', draws no warning.
        for source in ("one", "both/"):
            with self.subTest(source=source):
                p = s3env.run(["cp", f"s3://{self.src}/{source}", f"s3://{dst}/z/", "--dry-run"])
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                self.assertNotIn("warning", p.stderr)

    def test_compare_names_the_object_beside_its_folder_once_for_all_its_runs(self):
        dst = self.bucket("cp-named-compare")
        p = s3env.run(["compare", "cp", f"s3://{self.src}/both", f"s3://{dst}/x",
                       "--strategies", "serial,async", "--repeat", "2"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        warning = (f"s3loop: warning: s3://{self.src}/both is an object and a folder (both/) "
                   "alike: the folder is copied, the object is not (to copy the object, copy "
                   f"'s3://{self.src}/' with --exclude '*' --include 'both')\n")
        self.assertEqual(p.stderr.count(warning), 1, p.stderr)
        # Before the first run, as the other warnings about every run are.
        self.assertLess(p.stderr.index(warning), p.stderr.index("compare: serial, run 1"))
        # The folder named with its '/' draws none.
        p = s3env.run(["compare", "cp", f"s3://{self.src}/both/", f"s3://{dst}/y",
                       "--strategies", "async"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertNotIn("warning", p.stderr)

    def test_recursive_flag_is_accepted_and_changes_nothing(self):
        # aws s3 cp users type --recursive / -r; cp copies a directory whole anyway, and a name
        # with no directory behind it is still the one object.
        for flag in ("-r", "--recursive"):
            with self.subTest(flag=flag):
                self.assertCopies("top-level.bin", "", {"top-level.bin": "top-level.bin"}, flag)
                self.assertCopies("both", "/x", {"x/inner.txt": "both/inner.txt"}, flag)

    def test_missing_name_copies_nothing(self):
        dst = self.bucket("cp-named-none")
        p = s3env.run(["cp", f"s3://{self.src}/one/no-such-key", f"s3://{dst}/x/", "--json"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"no objects under s3://{self.src}/one/no-such-key/: nothing to copy",
                      p.stderr)
        summary = s3env.parse_json_summary(self, p)
        self.assertEqual((summary["objects"], summary["dry_run"]), (0, False))
        self.assertBucketEmpty(dst)
        # The object named is there, only filtered out: not "no objects".
        p = s3env.run(["cp", f"s3://{self.src}/top-level.bin", f"s3://{dst}/x/", "--exclude",
                       "*.bin"])
        self.assertEqual((p.returncode, p.stderr), (0, ""), s3env.describe(p))
        self.assertBucketEmpty(dst)

    def test_one_object_up_into_a_parent_prefix_of_its_bucket(self):
        # As aws s3 cp does: the one copy (d/x.csv) cannot overwrite the source. A directory
        # named the same way is refused, before anything is copied: its copies could land on
        # its own objects.
        b = self.bucket("cp-named-up")
        for key in ("d/sub/x.csv", "d/plain.txt", "d/dir/y.txt", "d/dir/dir/y.txt"):
            self.s3.put_object(Bucket=b, Key=key, Body=key.encode())
        before = s3env.object_map(self.s3, b)
        for source, destination, new_key in (("d/sub/x.csv", "d/", "d/x.csv"),
                                             ("d/plain.txt", "", "plain.txt")):
            with self.subTest(source=source, destination=destination):
                p = s3env.run(["cp", f"s3://{b}/{source}", f"s3://{b}/{destination}", "--verify"])
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                self.assertEqual(s3env.object_map(self.s3, b),
                                 {**before, new_key: before[source]})
                self.s3.delete_object(Bucket=b, Key=new_key)
        for strategy in ("serial", "async"):
            with self.subTest(directory="d/dir", strategy=strategy):
                p = s3env.run(["cp", f"s3://{b}/d/dir", f"s3://{b}", "--strategy", strategy])
                s3env.assert_clean_error(self, p, 2, "inside the destination prefix")
                self.assertEqual(s3env.object_map(self.s3, b), before)

    def test_onto_itself_refused(self):
        for dst in (f"s3://{self.src}/one", f"s3://{self.src}/one/"):
            with self.subTest(dst=dst):
                p = s3env.run(["cp", f"s3://{self.src}/one/plus+sign+key", dst])
                s3env.assert_clean_error(self, p, 2, "same object", "plus+sign+key")
                self.assertEqual(s3env.object_map(self.s3, self.src), self.initial)

    def test_dry_run_names_the_copy_and_writes_nothing(self):
        dst = self.bucket("cp-named-dry")
        p = s3env.run(["cp", f"s3://{self.src}/one/tilde~key", f"s3://{dst}/d", "--dry-run"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIn(f"(dryrun) copy: s3://{self.src}/one/tilde~key to s3://{dst}/d/tilde~key\n",
                      p.stdout)
        self.assertBucketEmpty(dst)

    def test_dry_run_json_says_so_and_aws_spelling_works(self):
        dst = self.bucket("cp-named-dryjson")
        for flag in ("--dry-run", "--dryrun"):
            with self.subTest(flag=flag):
                p = s3env.run(["cp", f"s3://{self.src}/one/tilde~key", f"s3://{dst}/d", flag,
                               "--json"])
                self.assertEqual(p.returncode, 0, s3env.describe(p))
                summary = s3env.parse_json_summary(self, p)
                self.assertEqual((summary["dry_run"], summary["objects"]), (True, 1))
                self.assertBucketEmpty(dst)

    def test_compare_copies_and_verifies_the_one_object(self):
        dst = self.bucket("cp-named-compare")
        p = s3env.run(["compare", "cp", f"s3://{self.src}/one/hash#mark", f"s3://{dst}/c/",
                       "--strategies", "serial,async", "--json"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        rows = json.loads(p.stdout)["strategies"]
        self.assertEqual([r["strategy"] for r in rows], ["serial", "async"], s3env.describe(p))
        for row in rows:
            self.assertTrue(row["verified"], s3env.describe(p))
            self.assertEqual(row["objects"], 1, s3env.describe(p))
            self.assertTrue(row["verification"].startswith("1 matched, 0 missing, 0 unexpected"),
                            s3env.describe(p))
        self.assertBucketEmpty(dst, why="compare cleans its copies up")


class CopyProgress(s3env.E2ETestCase):
    """The status line: redrawn in place when stderr is a terminal, a line a second with
    --progress elsewhere, nothing by default in a pipe; the summary and data unaffected."""

    STATUS = re.compile(r"^copying: [0-9,]+ objects? \(\d+\.\d MiB\)(, [0-9,]+ failed)?, "
                        r"\d\d:\d\d:\d\d(, \d+ objects/s)?$")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket_name = cls.class_bucket("cp-progress")
        s3env.datagen(f"s3://{cls.bucket_name}/src/", count=40, max_size=2 * KiB, seed=9)
        cls.source = s3env.object_map(cls.s3, cls.bucket_name, "src/")

    def count(self, status):
        return int(status.split(" ")[1].replace(",", ""))

    def on_terminal(self, *args):
        """Runs s3loop with stderr on a terminal; returns (process, what the terminal got,
        stdout)."""
        return s3env.run_on_terminal(list(args), on="stderr")

    def test_terminal_redraws_in_place_and_clears(self):
        out = f"tty-{time.monotonic_ns()}/"
        proc, terminal, stdout = self.on_terminal(
            "cp", f"s3://{self.bucket_name}/src/", f"s3://{self.bucket_name}/{out}",
            "--concurrency", "4")
        self.assertEqual(proc.returncode, 0, terminal)
        text = terminal.decode()
        self.assertNotIn("\n", text.replace("\r\n", ""), "only redraws, no new lines: " + text)
        self.assertTrue(text.startswith("\r\x1b[K"), text)
        self.assertTrue(text.endswith("\r\x1b[K"), "the status line is cleared at the end: " + text)
        lines = [part for part in text.split("\r\x1b[K") if part]
        self.assertGreaterEqual(len(lines), 1, text)
        for line in lines:
            self.assertRegex(line, self.STATUS)
        counts = [self.count(line) for line in lines]
        self.assertEqual(counts, sorted(counts), "the count never goes back")
        self.assertLessEqual(counts[-1], len(self.source))
        self.assertRegex(stdout.decode(), r"^copied 40 objects ")
        self.assertEqual(s3env.object_map(self.s3, self.bucket_name, out), self.source)

    def test_forced_lines_in_a_pipe(self):
        # +50 ms a request, one at a time: the copy takes over two seconds, so at least one
        # status line is due.
        out = f"lines-{time.monotonic_ns()}/"
        with s3env.latency_proxy("--delay-ms", "50") as proxy:
            p = s3env.run(["cp", f"s3://{self.bucket_name}/src/", f"s3://{self.bucket_name}/{out}",
                           "--strategy", "serial", "--progress", "--endpoint-url", proxy.endpoint])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertNotIn("\r", p.stderr)
        lines = p.stderr.splitlines()
        self.assertGreaterEqual(len(lines), 1, s3env.describe(p))
        for line in lines:
            self.assertRegex(line, self.STATUS)
        self.assertTrue(p.stdout.startswith("copied 40 objects "), s3env.describe(p))
        self.assertEqual(s3env.object_map(self.s3, self.bucket_name, out), self.source)

    def test_pipe_gets_no_status_by_default(self):
        out = f"quiet-{time.monotonic_ns()}/"
        p = s3env.run(["cp", f"s3://{self.bucket_name}/src/", f"s3://{self.bucket_name}/{out}",
                       "--concurrency", "2"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stderr, "")
        self.assertEqual(len(p.stdout.splitlines()), 1, s3env.describe(p))

    def test_contradicting_flags(self):
        for flags in (["--progress", "--no-progress"], ["--quiet", "--progress"]):
            with self.subTest(flags=flags):
                p = s3env.run(["cp", f"s3://{self.bucket_name}/src/",
                               f"s3://{self.bucket_name}/x/", *flags])
                s3env.assert_clean_error(self, p, 2, *flags)
                self.assertEqual(s3env.list_objects(self.s3, self.bucket_name, "x/"), [])

    def test_quiet_says_nothing_when_all_went_well(self):
        # aws s3 cp --quiet: "Does not display the operations performed". Not the status line
        # on a terminal either.
        out = f"hush-{time.monotonic_ns()}/"
        proc, terminal, stdout = self.on_terminal(
            "cp", f"s3://{self.bucket_name}/src/", f"s3://{self.bucket_name}/{out}", "--quiet",
            "--concurrency", "4")
        self.assertEqual((proc.returncode, terminal, stdout), (0, b"", b""))
        self.assertEqual(s3env.object_map(self.s3, self.bucket_name, out), self.source)
        # Nor the lines of a dry run, which copies nothing.
        p = s3env.run(["cp", f"s3://{self.bucket_name}/src/", f"s3://{self.bucket_name}/dry/",
                       "--quiet", "--dryrun"])
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""), s3env.describe(p))
        self.assertEqual(s3env.list_objects(self.s3, self.bucket_name, "dry/"), [])

    def test_quiet_json_still_prints_its_object(self):
        out = f"hush-json-{time.monotonic_ns()}/"
        p = s3env.run(["cp", f"s3://{self.bucket_name}/src/", f"s3://{self.bucket_name}/{out}",
                       "--quiet", "--json"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stderr, "")
        summary = s3env.parse_json_summary(self, p)
        self.assertEqual((summary["copied"], summary["failed"]), (len(self.source), 0))

    def test_quiet_still_reports_failures(self):
        # Every destination key is longer than the 1,024 bytes S3 allows: every copy fails.
        # aws cli's --only-show-errors is the same flag (a help review: refused as unknown,
        # though it is what --quiet does here).
        out = "q" * 1020 + "/"
        for flag in ("--quiet", "--only-show-errors"):
            with self.subTest(flag=flag):
                p = s3env.run(["cp", f"s3://{self.bucket_name}/src/",
                               f"s3://{self.bucket_name}/{out}", flag])
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 1, s3env.describe(p))
                failed = [line for line in p.stderr.splitlines()
                          if line.startswith("s3loop: failed: ")]
                self.assertEqual(len(failed), len(self.source), s3env.describe(p))
                self.assertTrue(p.stdout.startswith(f"copied 0 objects (0.0 MiB), "
                                                    f"{len(self.source)} failed in "),
                                s3env.describe(p))
        # And quiet when all went well, as --quiet is.
        done = f"hush-errors-only-{time.monotonic_ns()}/"
        p = s3env.run(["cp", f"s3://{self.bucket_name}/src/", f"s3://{self.bucket_name}/{done}",
                       "--only-show-errors", "--concurrency", "4"])
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""), s3env.describe(p))
        self.assertEqual(s3env.object_map(self.s3, self.bucket_name, done), self.source)


class CopyFilters(s3env.E2ETestCase):
    """--exclude / --include as aws s3 cp --recursive reads them: globs on the key below the
    source directory, the last matching filter deciding; verify and compare skip the same keys."""

    KEYS = ["a.csv", "b.txt", "dir/c.csv", "dir/d.txt", "unicode/\u00e9t\u00e9.csv",
            "with space/e+f%~.csv", "logs/x.log", "logs/y.csv"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("cp-filter")
        for i, k in enumerate(cls.KEYS):
            cls.s3.put_object(Bucket=cls.src, Key="src/" + k, Body=s3env.seeded_bytes(i, 100 + i))
        cls.source = s3env.object_map(cls.s3, cls.src, "src/")

    def copy(self, *flags, expect_copied):
        dst = self.bucket("cp-filter-dst")
        p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/out", "--verify", "--json",
                       *flags])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        summary = s3env.parse_json_summary(self, p)
        self.assertEqual(s3env.object_map(self.s3, dst, "out/"),
                         {k: self.source[k] for k in expect_copied}, s3env.describe(p))
        self.assertEqual(summary["objects"], len(expect_copied))
        self.assertEqual(summary["verify"], {"matched": len(expect_copied),
                                             "matched_by_size_only": 0, "missing": 0,
                                             "mismatched": 0, "unexpected": 0})
        return p

    def test_only_csv(self):
        self.copy("--exclude", "*", "--include", "*.csv",
                  expect_copied=[k for k in self.KEYS if k.endswith(".csv")])

    def test_order_decides(self):
        self.copy("--include", "*.csv", "--exclude", "*", expect_copied=[])

    def test_exclude_a_directory_and_equals_form(self):
        self.copy("--exclude=logs/*", "--exclude", "dir/*",
                  expect_copied=[k for k in self.KEYS if not k.startswith(("logs/", "dir/"))])

    def test_exclude_then_include_inside(self):
        self.copy("--exclude", "logs/*", "--include", "logs/*.csv",
                  expect_copied=[k for k in self.KEYS if k != "logs/x.log"])

    def test_question_mark_is_one_letter(self):
        self.copy("--exclude", "unicode/?t?.csv",
                  expect_copied=[k for k in self.KEYS if not k.startswith("unicode/")])
        # Not two '?' for é's two bytes (glibc's fnmatch under C.UTF-8 took both).
        self.copy("--exclude", "unicode/??t??.csv", "--exclude", "unicode/[!x][!x]t*",
                  expect_copied=self.KEYS)

    def test_verify_leaves_destination_keys_the_filters_leave_out_alone(self):
        # A key already at the destination that the filters leave out is not the copy's: no
        # "unexpected" (it was reported so). One they take, not from the source, still is (a
        # note, not a failure: the copy is whole).
        dst = self.bucket("cp-filter-verify")
        self.s3.put_object(Bucket=dst, Key="out/logs/old.log", Body=b"kept")
        self.s3.put_object(Bucket=dst, Key="out/stray.csv", Body=b"stray")
        p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/out", "--verify", "--json",
                       "--exclude", "logs/*"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        verify = s3env.parse_json_summary(self, p)["verify"]
        self.assertEqual((verify["matched"], verify["unexpected"]), (len(self.KEYS) - 2, 1))
        self.assertIn("unexpected: out/stray.csv", p.stderr)
        self.assertNotIn("old.log", p.stderr)

    def test_dry_run_lists_only_the_taken_keys(self):
        dst = self.bucket("cp-filter-dry")
        p = s3env.run(["cp", f"s3://{self.src}/src/", f"s3://{dst}/", "--dry-run",
                       "--exclude", "*.csv"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        listed = sorted(line.split(" to ")[0].split(f"s3://{self.src}/src/", 1)[1]
                        for line in p.stdout.splitlines() if line.startswith("(dryrun)"))
        self.assertEqual(listed, sorted(k for k in self.KEYS if not k.endswith(".csv")))
        self.assertBucketEmpty(dst)

    def test_compare_verifies_with_the_same_filters(self):
        dst = self.bucket("cp-filter-compare")
        p = s3env.run(["compare", "cp", f"s3://{self.src}/src/", f"s3://{dst}/c/",
                       "--strategies", "serial,async", "--json", "--exclude", "*",
                       "--include", "*.txt"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        rows = json.loads(p.stdout)["strategies"]
        self.assertEqual([row["strategy"] for row in rows], ["serial", "async"], s3env.describe(p))
        for row in rows:
            self.assertEqual(row["objects"], 2, s3env.describe(p))
            self.assertTrue(row["verified"], s3env.describe(p))
            self.assertTrue(row["verification"].startswith("2 matched, 0 missing, 0 unexpected"),
                            s3env.describe(p))

    def test_empty_pattern_refused(self):
        p = s3env.run(["cp", f"s3://{self.src}/src/", f"s3://{self.src}/x/", "--exclude", ""])
        s3env.assert_clean_error(self, p, 2, "--exclude", "pattern")
        self.assertEqual(s3env.object_map(self.s3, self.src, "x/"), {})


if __name__ == "__main__":
    unittest.main()


class ClosedOutput(s3env.E2ETestCase):
    """`s3loop cp ... | head -1`: the reader goes away, and the copy must not die of
    SIGPIPE half way (multipart uploads left open, no summary): it goes on to its end and
    exits 1 for the output that did not arrive."""

    def test_a_closed_pipe_does_not_stop_the_copy(self):
        bucket = self.bucket("cp-epipe")
        s3env.datagen(f"s3://{bucket}/src/", 30, max_size=2 * KiB, seed=7)
        self.s3.put_object(Bucket=bucket, Key="src/big.bin",
                           Body=s3env.seeded_bytes("big", 6 * MiB))
        source = s3env.object_map(self.s3, bucket, "src/")
        read_end, write_end = os.pipe()
        os.close(read_end)  # gone before the first line: every write fails
        try:
            # --threads under async: a warning line before the copy starts.
            proc = subprocess.Popen(
                [s3env.s3loop_bin(), "cp", f"s3://{bucket}/src/", f"s3://{bucket}/dst/",
                 "--strategy", "async", "--threads", "2", "--no-progress",
                 "--multipart-threshold", "5MiB", "--multipart-chunksize", "5MiB"],
                env=s3env.base_env(), stdout=write_end, stderr=write_end)
        finally:
            os.close(write_end)
        self.assertEqual(proc.wait(timeout=120), 1)  # was -SIGPIPE, at the warning
        copied = s3env.object_map(self.s3, bucket, "dst/")
        # The big one was copied in two parts: its ETag is a multipart one.
        self.assertEqual({k: size for k, (size, _) in copied.items()},
                         {k: size for k, (size, _) in source.items()})
        self.assertTrue(copied.pop("big.bin")[1].endswith("-2"))
        source.pop("big.bin")
        self.assertEqual(copied, source)
        self.assertEqual(s3env.multipart_uploads(self.s3, bucket), [])

    def test_a_dry_run_ends_with_its_reader_as_ls_does(self):
        bucket = self.bucket("cp-epipe-dry")
        s3env.datagen(f"s3://{bucket}/src/", 5, max_size=1 * KiB, seed=8)
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            proc = subprocess.Popen(
                [s3env.s3loop_bin(), "cp", "--dryrun", f"s3://{bucket}/src/",
                 f"s3://{bucket}/dst/"], env=s3env.base_env(), stdout=write_end,
                stderr=write_end)
        finally:
            os.close(write_end)
        self.assertEqual(proc.wait(timeout=60), -signal.SIGPIPE)
        self.assertBucketEmpty(bucket, "dst/")


class LongKeys(s3env.E2ETestCase):
    def test_a_destination_key_over_1024_bytes_fails_saying_why(self):
        # S3's answer was a 400 InvalidObjectName naming neither the cause nor the cure.
        bucket = self.bucket("cp-longkey")
        key = "s/" + "k" * 1000  # 1002 bytes: fits, but not below a longer prefix
        self.s3.put_object(Bucket=bucket, Key=key, Body=b"x")
        self.s3.put_object(Bucket=bucket, Key="s/short", Body=b"y")
        p = s3env.run(["cp", f"s3://{bucket}/s/", f"s3://{bucket}/" + "d" * 30 + "/"])
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertIn("its destination key would be 1031 bytes, over S3's limit of 1024: copy it "
                      "under a shorter destination prefix", p.stderr)
        self.assertEqual(sorted(s3env.object_map(self.s3, bucket, "d" * 30 + "/")), ["short"])
        # A prefix no key fits under is one error, before any request, not one per object.
        p = s3env.run(["cp", f"s3://{bucket}/s/", f"s3://{bucket}/" + "d" * 1030 + "/"])
        s3env.assert_clean_error(self, p, 2, "the destination prefix is 1031 bytes, and S3 keys "
                                 "are at most 1024: no copy fits under it")


class VerifyInterrupted(s3env.E2ETestCase):
    def test_ctrl_c_while_verifying_ends_with_the_summary(self):
        # A review's finding: once the copy was done, the handler was gone, and Ctrl-C while
        # --verify walked the listings killed the process, silent (no summary, no --json
        # document; a shell showed 130, Python -2). The destination's listing stalls here.
        src = self.bucket("cp-verify-int-src")
        dst = self.bucket("cp-verify-int")
        for i in range(5):
            self.s3.put_object(Bucket=src, Key=f"s/{i}", Body=b"x" * i)
        with s3env.fault_proxy("--stall-rate", "1", "--stall-at", "first-byte",
                               "--stall-seconds", "300",
                               "--fault-only", rf"^GET /{dst}\?[^ ]*prefix=") as proxy:
            proc = subprocess.Popen([s3env.s3loop_bin(), "cp", f"s3://{src}/s/",
                                     f"s3://{dst}/d/", "--verify", "--json", "--endpoint-url",
                                     proxy.endpoint], env=s3env.base_env(),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.addCleanup(lambda: proc.poll() is None and proc.kill())
            self.assertTrue(proxy.wait_for_stalls(1, proc), "the verification did not stall")
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, err)
        self.assertEqual(err, "s3loop: error: verify: interrupted before it finished: the copy "
                              "went through, unverified\n")
        summary = json.loads(out)
        self.assertEqual((summary["copied"], summary["cancelled"], summary["verify"]),
                         (5, True, {"interrupted": True}), summary)
        self.assertEqual(sorted(s3env.object_map(self.s3, dst, "d/")), [str(i) for i in range(5)])
