"""`s3loop select --server-dialect` against the local radosgw's own S3 Select (Ceph 16.2), whole
object in one request, in Ceph's SQL (`FROM stdin`, `_N` columns, `int(x)`): the same records and
aggregates as `--engine local` over ranges with the equivalent AWS-dialect query, and as a single
pass of Python's csv module. radosgw's reply dialect (a wrapper around each Records payload, one
more delimiter after every row, errors sent as data, no End event) is translated by the client.

Run: /usr/bin/python3 -m unittest -v test_select_server_dialect   (from tests/e2e; see s3env.py).
"""

import csv
import io
import json
import random
import unittest

import s3env

HEADER = "id,name,age,latitude,longitude,monthly_income,experienced"


def make_reference_csv(rows, seed):
    """The reference schema, with quoted names holding the delimiter and doubled quotes,
    unicode and empty fields. Rows end with LF and the last one too: radosgw 16.2 drops a last
    row without its newline."""
    rng = random.Random(seed)
    names = ["Ann", "Bo Li", '"Smith, J"', '"say ""hi"""', "Zo\u00eb \u65e5\u672c", ""]
    lines = [HEADER]
    for i in range(1, rows + 1):
        income = rng.choice(["", str(rng.randint(0, 20000))])
        lines.append(f"{i},{rng.choice(names)},{rng.randint(18, 90)},"
                     f"{rng.uniform(-90, 90):.4f},{rng.uniform(-180, 180):.5f},{income},"
                     f"{rng.choice(['true', 'false'])}")
    return ("\n".join(lines) + "\n").encode("utf-8")


class SelectServerDialect(s3env.SelectCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bkt = cls.class_bucket("seldialect")
        cls.body = make_reference_csv(30000, seed=11)  # ~1.4 MiB
        cls.s3.put_object(Bucket=cls.bkt, Key="people.csv", Body=cls.body)
        cls.url = f"s3://{cls.bkt}/people.csv"
        cls.rows = list(csv.reader(io.StringIO(cls.body.decode("utf-8"), newline="")))[1:]

    def test_records_equal_the_local_engine_and_a_single_pass(self):
        server = self.select("--server-dialect", "--json", "-e",
                             "select _1,_2,_3,_6 from stdin where int(_3) > 60;")
        local = self.select("--engine", "local", "--chunk-size", "64KiB", "-e",
                            "SELECT s.id, s.name, s.age, s.monthly_income FROM S3Object s "
                            "WHERE CAST(s.age AS INT) > 60")
        expected = [[r[0], r[1], r[2], r[5]] for r in self.rows if int(r[2]) > 60]
        self.assertGreater(len(expected), 5000)
        self.assertEqual(self.parse_csv(server.stdout), expected)
        self.assertEqual(server.stdout, local.stdout)  # byte for byte, quoting included
        summary = json.loads(server.stderr.strip().splitlines()[-1])
        self.assertEqual(summary["engine"], "s3select")
        self.assertIn("--server-dialect", summary["engine_reason"])
        self.assertEqual(summary["records_out"], len(expected))
        self.assertEqual(summary["requests"], 3)  # HEAD, the header's bytes, the select

    def test_aggregates_equal_the_local_engine(self):
        server = self.select("--server-dialect", "-e",
                             "select count(*), min(int(_1)), max(int(_1)), sum(int(_3)) "
                             "from stdin where int(_3) > 30;")
        local = self.select("--engine", "local", "--chunk-size", "100KiB", "-e",
                            "SELECT COUNT(*), MIN(CAST(s.id AS INT)), MAX(CAST(s.id AS INT)), "
                            "SUM(CAST(s.age AS INT)) FROM S3Object s WHERE CAST(s.age AS INT) > 30")
        kept = [r for r in self.rows if int(r[2]) > 30]
        expected = [str(len(kept)), str(min(int(r[0]) for r in kept)),
                    str(max(int(r[0]) for r in kept)), str(sum(int(r[2]) for r in kept))]
        self.assertEqual(self.parse_csv(server.stdout), [expected])
        self.assertEqual(server.stdout, local.stdout)

    def test_strategy_flags_are_named_as_unused(self):
        # One request for the whole object: no ranges to run at once.
        p = s3env.run(["select", self.url, "--server-dialect", "-c", "8", "--loops", "2",
                       "--chunk-size", "1KiB", "-e", "select count(*) from stdin;"])
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stdout.strip(), str(len(self.rows)))
        warnings = [line for line in p.stderr.splitlines() if "has no effect" in line]
        self.assertEqual(warnings, [
            f"s3loop: warning: {flag} has no effect with --server-dialect (one request for the "
            "whole object)" for flag in ("--concurrency", "--loops", "--chunk-size")], p.stderr)
        # radosgw 16.2 sends no Stats event: nothing says what it scanned (0 read as measured).
        p = s3env.run(["select", self.url, "--server-dialect", "--json", "-e",
                       "select count(*) from stdin;"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertIsNone(json.loads(p.stderr.strip().splitlines()[-1])["bytes_scanned"])

    def test_a_tab_separated_object_and_the_output_delimiter(self):
        # radosgw 16.2 writes its rows with ',' whatever OutputSerialization asks for (and a
        # field as it stood in the object, quoted or not): s3loop asks it for ',' and writes
        # the rows again with --output-delimiter. They were read with the object's tab and came
        # out as one field, "1,x,y," (radosgw's extra delimiter kept).
        key = "people.tsv"
        self.s3.put_object(Bucket=self.bkt, Key=key,
                           Body=b"id\tname\n1\tAnn\n2\t\"a;b\"\n3\tBo Li\n")
        url = f"s3://{self.bkt}/{key}"
        for out_args, expected in (([], "1,Ann\n2,a;b\n3,Bo Li\n"),
                                   (["--output-delimiter", ";"], '1;Ann\n2;"a;b"\n3;Bo Li\n')):
            with self.subTest(out_args=out_args):
                server = s3env.run(["select", url, "--delimiter", "\\t", "--server-dialect",
                                    "-e", "select * from stdin;", *out_args])
                self.assertEqual(server.returncode, 0, s3env.describe(server))
                self.assertEqual(server.stdout, expected)
                local = s3env.run(["select", url, "--delimiter", "\\t", "--engine", "local",
                                   "-e", "SELECT * FROM S3Object", *out_args])
                self.assertEqual(local.returncode, 0, s3env.describe(local))
                self.assertEqual(local.stdout, expected)

    def test_a_statement_the_server_rejects_is_an_error_not_data(self):
        p = s3env.run(["select", self.url, "--server-dialect", "-e", "SELECT * FROM S3Object"])
        s3env.assert_clean_error(self, p, 1, "rejected the statement", "S3Object")
        self.assertEqual(p.stdout, "")

    def test_a_row_too_long_for_the_server_is_an_error_not_data(self):
        # radosgw writes a SELECT * row in 4 KiB: a longer one ends the reply with the row
        # "result line too long" -- printed as a record, the rows after it lost, exit 0.
        key = "long-line.csv"
        self.s3.put_object(Bucket=self.bkt, Key=key,
                           Body=b"a,b\n1,2\n3," + b"x" * 5000 + b"\n4,y\n")
        p = s3env.run(["select", f"s3://{self.bkt}/{key}", "--server-dialect",
                       "-e", "select * from stdin;"])
        s3env.assert_clean_error(self, p, 1, "longer than 4 KiB", "without --server-dialect")
        self.assertNotIn("result line too long\n", p.stdout)

    def test_a_record_the_server_cuts_at_a_quoted_line_break_is_an_error(self):
        # radosgw 16.2 ends a record at every line break, quoted or not: its rows for
        # 1,"x<LF>y" are 1,"x and y" -- read across the cut, one record with a comma the
        # object does not have. Refused, and nothing printed; the local engine reads it.
        key = "quoted-line-break.csv"
        self.s3.put_object(Bucket=self.bkt, Key=key, Body=b'id,t\n1,"x\ny"\n2,w\n')
        url = f"s3://{self.bkt}/{key}"
        p = s3env.run(["select", url, "--server-dialect", "-e", "select * from stdin;"])
        s3env.assert_clean_error(self, p, 1, "quoted field", "without --server-dialect")
        self.assertEqual(p.stdout, "")
        local = s3env.run(["select", url, "--engine", "local", "-e", "SELECT * FROM S3Object"])
        self.assertEqual(local.returncode, 0, s3env.describe(local))
        self.assertEqual(self.parse_csv(local.stdout), [["1", "x\ny"], ["2", "w"]])

    def test_the_header_is_still_checked_first(self):
        p = s3env.run(["select", self.url, "--server-dialect", "-e", "select _1 from stdin;",
                       "--require-columns", "id,salary"])
        s3env.assert_clean_error(self, p, 2, "salary", "monthly_income")

    def test_an_empty_object_needs_no_request(self):
        # radosgw answers a select over zero bytes with a malformed reply ("bad version"):
        # the HEAD already said there is nothing to select.
        self.s3.put_object(Bucket=self.bkt, Key="empty.csv", Body=b"")
        p = s3env.run(["select", f"s3://{self.bkt}/empty.csv", "--server-dialect", "--json",
                       "-e", "select _1 from stdin;"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stdout, "")
        summary = json.loads(p.stderr.strip().splitlines()[-1])
        self.assertEqual(summary["records_out"], 0)
        self.assertEqual(summary["requests"], 1, summary)  # the HEAD
        self.assertNotIn("error", summary)
        # SQL this tool also reads is evaluated over no records: COUNT(*) is 0, as a server
        # that can select over zero bytes says.
        p = s3env.run(["select", f"s3://{self.bkt}/empty.csv", "--server-dialect", "--json",
                       "-e", "SELECT COUNT(*) FROM S3Object"])
        self.assertEqual(p.returncode, 0, s3env.describe(p))
        self.assertEqual(p.stdout, "0\n")
        summary = json.loads(p.stderr.strip().splitlines()[-1])
        self.assertEqual(summary["requests"], 1, summary)

    def test_server_dialect_cannot_run_locally(self):
        for extra in (["--engine", "local"], ["--per-range"], ["--output", "json"]):
            with self.subTest(extra=extra):
                p = s3env.run(["select", self.url, "--server-dialect", "-e",
                               "select _1 from stdin;", *extra])
                s3env.assert_clean_error(self, p, 2, "--server-dialect", extra[0])


class ServerDialectToAFullDisk(s3env.SelectToAFullDiskCase):
    """Output that cannot be written stops --server-dialect's one request, as it stops the local
    engine's ranges: the rest of the reply is not read for rows that would be lost, no "the
    server selected N records" summary, exit 1 with main's one error line."""

    select_args = ("--server-dialect", "-e", "select * from stdin;")

    def test_a_failed_write_stops_the_request(self):
        self.assert_stopped_by_the_write(self.run_to_dev_full())
        summary = self.assert_stopped_by_the_write(self.run_to_dev_full("--json"),
                                                   json_summary=True)
        # Stopped at the first rows that could not be written, and not sent again.
        self.assertLess(summary["records_out"], self.rows // 2, summary)
        self.assertEqual(summary["requests"], 3, summary)  # HEAD, the header's bytes, the select


if __name__ == "__main__":
    unittest.main()
