"""Runs bench/run's contenders on one data set: each copy in a fresh process,
measured, verified by an independent listing, then deleted.

    run_contenders.py --src s3://bucket/prefix/ --dst s3://bucket/prefix/ --kind sweep|rss
                      --endpoint URL --direct-endpoint URL --s3loop BIN --out FILE.json
                      [--sweep 1,16,64,256,1024] [--concurrency 256] [--capacity]
                      [--only REGEX] [--timeout S] [--repeat N]

Measured per contender, by this process and not by the contender:
  wall s    from fork to exit (start-up included: that is what a user waits for);
  CPU s     user + sys of the whole process tree (GNU time: wait4()'s rusage, which
            includes every child the contender waited for);
  peak RSS  ru_maxrss from the same rusage: the largest process of the tree;
  verified  objects under the destination whose relative key, size and ETag match
            the source's listing (boto3, not the contender), and nothing else there.
A contender that is missing, fails or does not copy everything is recorded as
such; the exit status is 1 if any did (the report is still written).

With --repeat N every contender runs N times, in N rounds over the whole list, each
round starting a further 1/N of the way down it (no contender always runs first, right
after the capacity runs, or last, on a machine the others have loaded); its record holds
the median of each measured column and every run under "runs".

With --capacity the server's own capacity is measured before and after the
contenders: the best of s3loop async at C=16, 64 and 256 straight to radosgw
(--direct-endpoint), no proxy, no added latency.

Endpoint keys, region and CA bundle come from AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION and BENCH_CA_BUNDLE (the local CA).
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contenders as C  # noqa: E402
from buckets import delete_keys  # noqa: E402

MiB = 1048576
CAPACITY_CONCURRENCY = (16, 64, 256)
TIME = "/usr/bin/time"  # GNU time (Debian package time)


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def split(url):
    bucket, _, prefix = url[5:].partition("/")
    return bucket, prefix


def s3_client(endpoint, t):
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=t.access_key,
        aws_secret_access_key=t.secret_key, region_name=t.region, verify=t.ca_bundle,
        config=botocore.config.Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 8, "mode": "standard"},
                                      max_pool_connections=16))


def listing(s3, url):
    """{key relative to the prefix: (size, etag)}."""
    bucket, prefix = split(url)
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            out[o["Key"][len(prefix):]] = (o["Size"], o["ETag"].strip('"'))
    return out


def verify(s3, source, dst_url):
    dest = listing(s3, dst_url)
    ok = sum(1 for k, v in source.items() if dest.get(k) == v)
    missing = sum(1 for k in source if k not in dest)
    return {"expected": len(source), "verified": ok, "missing": missing,
            "different": len(source) - ok - missing,
            "unexpected": sum(1 for k in dest if k not in source)}


def delete_prefix(s3, url):
    """Deletes every object under url (the server keeps objects in RAM)."""
    bucket, prefix = split(url)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        delete_keys(s3, bucket, [o["Key"] for o in page.get("Contents", [])])


def measure(argv, env, timeout):
    """Runs argv to completion; wall, CPU and peak RSS of its process tree.

    Through GNU time, whose wait4() rusage covers the command and every child it waited
    for. Not with wait4() from here: Linux carries the RSS a process had before exec()
    into its ru_maxrss, so a child forked from this Python (with boto3 loaded) would
    report at least ~60 MiB; forked from `time` it starts at ~2 MiB."""
    fd, tfile = tempfile.mkstemp(prefix="s3loop-bench-time-")
    os.close(fd)
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen([TIME, "-o", tfile, "-f", "%e %U %S %M", "--"] + argv, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except OSError as e:
        return {"exit": None, "error": f"cannot start: {e}", "stdout": "", "stderr": ""}
    error = None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        error = f"killed after the {timeout:.0f} s timeout"
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM): the contender runs in a session of its own, so
        # the terminal's signal did not reach it; it must not outlive us.
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    wall = time.monotonic() - t0
    # A contender must not outlive its measurement (nor its children).
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    with open(tfile) as f:
        lines = f.read().split("\n")
    os.unlink(tfile)
    stats = next((ln.split() for ln in reversed(lines) if re.fullmatch(r"[\d.]+ [\d.]+ [\d.]+ \d+",
                                                                           ln.strip())), None)
    r = {"exit": proc.returncode, "wall_seconds": wall,
         "stdout": out.decode("utf-8", "replace")[-4000:],
         "stderr": err.decode("utf-8", "replace")[-4000:]}
    if stats:
        user, sys_, rss_kib = float(stats[1]), float(stats[2]), int(stats[3])
        r.update({"cpu_user_seconds": user, "cpu_sys_seconds": sys_, "cpu_seconds": user + sys_,
                  "peak_rss_bytes": rss_kib * 1024})
    else:
        error = error or "no resource usage from /usr/bin/time: " + " | ".join(lines)
    if error:
        r["error"] = error
    return r


def base_env(t, home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "RCLONE_", "S3CMD", "NODE_", "BOTO"))}
    env.update({"HOME": home, "TZ": "UTC", "AWS_ACCESS_KEY_ID": t.access_key,
                "AWS_SECRET_ACCESS_KEY": t.secret_key, "AWS_REGION": t.region,
                "AWS_DEFAULT_REGION": t.region, "AWS_ENDPOINT_URL": t.endpoint,
                "AWS_CA_BUNDLE": t.ca_bundle, "PYTHONDONTWRITEBYTECODE": "1",
                # The aws cli must not page its output or look for SSO caches.
                "AWS_PAGER": "", "AWS_EC2_METADATA_DISABLED": "true"})
    return env


def run_one(c, t, s3, source, nbytes, timeout):
    env = base_env(t, os.path.join(t.workdir, "home"))
    for k, v in c.env.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    for rel, content in c.files.items():
        with open(os.path.join(t.workdir, rel), "w") as f:
            f.write(content)
    missing = [a for a in c.argv[:2] if a.startswith("/") and not os.path.exists(a)]
    dst_url = c.dst
    rec = {"id": c.id, "tool": c.tool, "setting": c.setting, "concurrency": c.concurrency,
           "command": " ".join(c.argv), "objects": len(source), "bytes": nbytes}
    if missing:
        rec.update({"exit": None, "error": f"not installed: {', '.join(missing)}",
                    "verified": 0, "ok": False})
        return rec
    log(f"{c.id}: {c.setting}")
    # When, and how loaded the machine was: contenders run one after another, so a
    # reader can tell a peer measured on a busier machine than s3loop was.
    rec["started_at"] = time.strftime("%H:%M:%S")
    rec["load_average"] = os.getloadavg()[0]
    m = measure(c.argv, env, timeout)
    rec.update(m)
    if c.json_stdout and m.get("exit") is not None:
        line = next((ln for ln in reversed(m["stdout"].splitlines()) if ln.startswith("{")), None)
        try:
            rec["self_reported"] = json.loads(line) if line else None
        except ValueError:
            rec["self_reported"] = None
    v = verify(s3, source, dst_url)
    rec.update(v)
    rec["ok"] = (m.get("exit") == 0 and v["verified"] == len(source) and v["unexpected"] == 0
                 and "error" not in m)
    wall = m.get("wall_seconds") or 0
    rec["objects_per_second"] = v["verified"] / wall if wall else 0
    rec["mib_per_second"] = nbytes / MiB / wall if wall and rec["ok"] else 0
    delete_prefix(s3, dst_url)
    status = "ok" if rec["ok"] else (
        f"FAILED (exit {m.get('exit')}, verified {v['verified']}/{len(source)}, "
        f"{m.get('error', '')} {m.get('stderr', '')[-600:].strip()})")
    log(f"{c.id}: {wall:.2f} s, {rec['objects_per_second']:.0f} obj/s, "
        f"CPU {m.get('cpu_seconds', 0):.2f} s, RSS {m.get('peak_rss_bytes', 0) / MiB:.0f} MiB: "
        f"{status}")
    return rec


def rounds(contenders, repeat):
    """The order of each of `repeat` rounds: round k starts k/repeat of the way down."""
    n = len(contenders)
    return [contenders[k * n // repeat:] + contenders[:k * n // repeat] for k in range(repeat)]


# The columns a repeated contender's record gives as the median of its runs.
MEDIAN_COLUMNS = ("wall_seconds", "cpu_seconds", "cpu_user_seconds", "cpu_sys_seconds",
                  "peak_rss_bytes")
# And those it derives from the median wall, so a row's rates are its work over its wall.
RATE_COLUMNS = ("objects_per_second", "mib_per_second")


def combine(runs):
    """One record from one contender's runs (in the order they ran).

    Every run ok: the median of each measured column (each on its own), objects/s and MiB/s
    as the work over the median wall (with an even count the median wall is between two
    runs, and so are the rates: a median of the rates on their own would not be the work
    over the wall the row shows), the run whose wall is the median for the rest. Any run not
    ok: that run's record, so the failure shows. Either way every run's numbers under
    "runs"."""
    if len(runs) == 1:
        return runs[0]
    summary = [{k: r.get(k) for k in ("started_at", "load_average", "ok", "verified")
                + MEDIAN_COLUMNS + RATE_COLUMNS} for r in runs]
    failed = next((r for r in runs if not r["ok"]), None)
    if failed is not None:
        return dict(failed, runs=summary)
    middle = sorted(runs, key=lambda r: r["wall_seconds"])[(len(runs) - 1) // 2]
    rec = dict(middle, runs=summary)
    for k in MEDIAN_COLUMNS:
        values = [r[k] for r in runs if r.get(k) is not None]
        if values:
            rec[k] = statistics.median(values)
    if "peak_rss_bytes" in rec:
        rec["peak_rss_bytes"] = int(rec["peak_rss_bytes"])
    if rec.get("wall_seconds"):
        # Every run did the same work (all verified whole): the middle run's rate times its
        # wall is that work.
        for k in RATE_COLUMNS:
            if middle.get(k) is not None:
                rec[k] = middle[k] * middle["wall_seconds"] / rec["wall_seconds"]
    return rec


def capacity_runs(a, direct, s3, source, nbytes, when):
    """The server's own capacity: s3loop async straight to radosgw at a few concurrencies
    (beyond ~64 in flight radosgw on 2 cores only slows down, and with a small set every
    connection's TLS handshake is a visible cost)."""
    runs = []
    for conc in CAPACITY_CONCURRENCY:
        cap = C.s3loop(direct, a.src, a.dst + f"capacity-{when}-", "async", conc)
        cap.setting += f", no proxy, {when}"
        runs.append(run_one(cap, direct, s3, source, nbytes, a.timeout))
    return runs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True, help="destination root; each contender gets <id>/")
    p.add_argument("--kind", choices=("sweep", "rss"), required=True)
    p.add_argument("--endpoint", required=True, help="what the contenders talk to")
    p.add_argument("--direct-endpoint", required=True, help="radosgw itself (capacity)")
    p.add_argument("--s3loop", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--sweep", default="1,16,64,256,1024")
    p.add_argument("--concurrency", type=int, default=256)
    p.add_argument("--capacity", action="store_true")
    p.add_argument("--only", help="run only contenders whose id matches this regex")
    p.add_argument("--timeout", type=float, default=3600)
    p.add_argument("--repeat", type=int, default=1, help="runs of every contender (rounds)")
    a = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds through measure()
    if not a.dst.endswith("/") or not a.src.endswith("/"):
        p.error("--src and --dst must end with /")
    if a.repeat < 1:
        p.error("--repeat takes a count >= 1")

    workdir = tempfile.mkdtemp(prefix="s3loop-bench-run-")
    os.makedirs(os.path.join(workdir, "home"))
    t = C.Target(endpoint=a.endpoint, ca_bundle=os.environ["BENCH_CA_BUNDLE"],
                 access_key=os.environ["AWS_ACCESS_KEY_ID"],
                 secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
                 region=os.environ.get("AWS_REGION") or "us-east-1", s3loop=a.s3loop,
                 workdir=workdir)
    s3 = s3_client(a.direct_endpoint, t)
    source = listing(s3, a.src)
    nbytes = sum(size for size, _ in source.values())
    if not source:
        raise SystemExit(f"bench: nothing under {a.src}")
    log(f"{a.src}: {len(source)} objects, {nbytes / MiB:.1f} MiB")
    sweep = [int(x) for x in a.sweep.split(",") if x]

    result = {"src": a.src, "objects": len(source), "bytes": nbytes, "kind": a.kind,
              "endpoint": a.endpoint, "sweep": sweep, "concurrency": a.concurrency,
              "repeat": a.repeat, "contenders": []}
    try:
        direct = C.Target(**{**t.__dict__, "endpoint": a.direct_endpoint})
        if a.capacity:
            # Unmeasured first: right after the data set is written radosgw served a third
            # of its rate for the first ~25 s (run5: 178 obj/s at C=16 before the contenders,
            # 413 after), and the first capacity runs measured that.
            warm = C.s3loop(direct, a.src, a.dst + "warm-up-", "async", 64)
            log("warm-up (not measured)")
            run_one(warm, direct, s3, source, nbytes, a.timeout)
            result["capacity_runs"] = capacity_runs(a, direct, s3, source, nbytes, "before")
        chosen = [c for c in C.contenders(t, a.src, a.dst, a.kind, sweep, a.concurrency)
                  if not a.only or re.search(a.only, c.id)]
        runs = {c.id: [] for c in chosen}
        for k, order in enumerate(rounds(chosen, a.repeat)):
            if a.repeat > 1:
                log(f"round {k + 1} of {a.repeat}, from {order[0].id}")
            for c in order:
                runs[c.id].append(run_one(c, t, s3, source, nbytes, a.timeout))
        result["contenders"] = [combine(runs[c.id]) for c in chosen]
        if a.capacity:
            # Again after the contenders: other load on a shared machine comes and goes, and
            # one measurement at the start under-measured the capacity by a third once.
            result["capacity_runs"] += capacity_runs(a, direct, s3, source, nbytes, "after")
            runs = result["capacity_runs"]
            best = max(runs, key=lambda r: r["objects_per_second"] if r["ok"] else -1)
            result["capacity"] = dict(best, id="server-capacity", setting=(
                f"{best['setting']} (best of C={'/'.join(map(str, CAPACITY_CONCURRENCY))}, "
                "before and after the contenders)"), ok=all(r["ok"] for r in runs))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    bad = [r["id"] for r in result["contenders"] if not r["ok"]]
    if a.capacity and not result["capacity"]["ok"]:
        bad.append("server-capacity")
    if bad:
        log(f"FAILED: {', '.join(bad)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
