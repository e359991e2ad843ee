"""bench/run cannot rot: `bench/run --smoke` runs every contender (s3loop's
strategies and sweep, aws cli, rclone, s3cmd, boto3, the AWS JS SDK v3) at a
tiny size against the test server, through a latency proxy of its own, and
must write a report in which every one copied and verified every object.

Needs the peers installed (scripts/setup.sh; the JS SDK comes with npm ci from
bench/run itself)."""
import json
import os
import subprocess
import tempfile
import unittest

import s3env

RUN = os.path.join(s3env.REPO, "bench", "run")

EXPECTED = (["s3loop-serial-c1", "s3loop-threads-c6", "s3loop-async-pool-c256"]
            + [f"s3loop-async-c{c}" for c in (1, 16, 64, 256, 1024)]
            + [f"awsjs-c{c}" for c in (1, 16, 64, 256, 1024)]
            + ["awscli-c10", "awscli-c64", "awscli-c256", "rclone-t16", "rclone-t256", "s3cmd",
               "boto3-serial"])
TOOLS = ["s3loop async", "AWS JS SDK v3", "aws cli", "rclone", "s3cmd", "boto3"]


class BenchSmoke(unittest.TestCase):
    def test_every_contender_copies_and_verifies(self):
        s3env.server()  # fails with a hint when the server is missing
        if not os.environ.get("S3LOOP_S3_DIR"):
            raise s3env.SetupError("S3LOOP_S3_DIR is not set: run through scripts/test.sh")
        with tempfile.TemporaryDirectory(prefix="s3loop-bench-smoke-") as out:
            # Not s3env.base_env(): npm needs the real HOME (its registry settings and
            # cache); bench/run gives every contender an empty HOME of its own.
            env = dict(os.environ, BENCH_PROXY_PORT=str(s3env.free_port()),
                       BENCH_PROXY_DIR=os.path.join(out, "proxy"))
            p = subprocess.run([RUN, "--smoke", "--out", out, "--name", "smoke"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
                               errors="replace", timeout=600)
            tail = p.stderr[-6000:]
            self.assertEqual(p.returncode, 0, f"bench/run --smoke failed:\n{tail}\n{p.stdout}")
            files = sorted(os.listdir(out))
            md = next(f for f in files if f.endswith("-smoke.md"))
            report = json.load(open(os.path.join(out, md[:-3] + ".json")))
            text = open(os.path.join(out, md)).read()
            for plot in ("-concurrency.png", "-rss.png"):
                self.assertTrue(any(f.endswith("-smoke" + plot) for f in files), files)

        sweep = report["seed_copy"]
        ids = [r["id"] for r in sweep["contenders"]]
        for cid in EXPECTED:
            self.assertIn(cid, ids, f"contender {cid} missing from the report")
        self.assertTrue(any(i.startswith("boto3-threads-") for i in ids), ids)
        for r in sweep["contenders"] + [sweep["capacity"]]:
            self.assertTrue(r["ok"], f"{r['id']} failed: {r.get('error')} {r.get('stderr')}")
            self.assertEqual(r["verified"], sweep["objects"], r["id"])
            self.assertGreater(r["peak_rss_bytes"], 1 << 20, r["id"])
            self.assertGreater(r["wall_seconds"], 0, r["id"])
        for run in report["many_small"]["runs"]:
            self.assertEqual({r["tool"] for r in run["contenders"]}, set(TOOLS))
            for r in run["contenders"]:
                self.assertTrue(r["ok"], f"many-small {run['objects']}: {r['id']} failed")
        self.assertIn("latency-bound ideal", text)
        self.assertIn("Ceiling of this run", text)
        self.assertNotIn("FAILED", text)


if __name__ == "__main__":
    unittest.main()


class ServerCpu(unittest.TestCase):
    """bench/server-cpu reports the command's own CPU and the server processes' beside it."""

    def test_reports_the_command_and_the_server(self):
        s3env.server()  # radosgw is running: its CPU is counted
        tool = os.path.join(s3env.REPO, "bench", "server-cpu")
        busy = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"
        p = subprocess.run([tool, "--", "bash", "-c", busy], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, encoding="utf-8", timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        fields = p.stdout.split()
        report = dict(zip(fields[0::2], (float(v) for v in fields[1::2])))
        self.assertEqual(sorted(report), sorted(["wall_s", "command_cpu_s", "radosgw_cpu_s",
                                                 "ceph_osd_cpu_s", "nginx_cpu_s", "cores_busy"]))
        self.assertGreater(report["command_cpu_s"], 0.05, p.stdout)  # the loop burnt CPU
        self.assertGreaterEqual(report["radosgw_cpu_s"], 0.0)
        self.assertGreater(report["cores_busy"], 0.0)

    def test_without_a_command_is_a_usage_error(self):
        p = subprocess.run([os.path.join(s3env.REPO, "bench", "server-cpu")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8")
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage: bench/server-cpu", p.stderr)
