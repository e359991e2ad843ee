#!/usr/bin/env python3
"""Runs and reports bench/listing: each lister over the same prefix through the latency
proxy, its wall time (median of --repeat runs), and whether its output names exactly the
keys of the sequential listing, in the same order. Then `s3loop cp --dry-run` over the same
prefix: the time until its first copy is handed to a worker (the dry run goes through the
same listing, channel and consumers as a real copy; only the CopyObject is skipped) and until
the last.

Called by bench/listing, which starts the server, the data and the proxy."""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time


def parse_args():
    p = argparse.ArgumentParser()
    for name in ("--s3loop", "--endpoint", "--direct-endpoint", "--ca-bundle", "--bucket", "--prefix",
                 "--dst-bucket", "--command", "--machine", "--md", "--json"):
        p.add_argument(name, required=True)
    p.add_argument("--keys", type=int, required=True)
    p.add_argument("--delay-ms", type=int, required=True)
    p.add_argument("--list-concurrency", type=int, default=16)
    p.add_argument("--repeat", type=int, default=1)
    return p.parse_args()


def timed(cmd, env, first_line_prefix=None):
    """Runs cmd; returns (wall seconds, stdout lines, seconds to the first stdout line that
    starts with first_line_prefix or None)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8", errors="surrogateescape")
    first = None
    lines = []
    for line in proc.stdout:
        if first is None and first_line_prefix is not None and line.startswith(first_line_prefix):
            first = time.monotonic() - start
        lines.append(line.rstrip("\n"))
    err = proc.stderr.read()
    proc.wait()
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"bench/listing: {' '.join(cmd[:4])}... exited {proc.returncode}: {err[-2000:]}")
    return wall, lines, first


def redact(text):
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    return text.replace(secret, "***") if secret else text


# "2026-11-25 16:00:00          0 data/k000000" (s3loop and aws s3 ls alike)
LS_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+ (.*)$", re.S)


def key_of_ls_line(line):
    m = LS_LINE.match(line)
    if not m:
        sys.exit(f"bench/listing: unparsable ls line {line[:200]!r}")
    return m.group(1)


def main():
    a = parse_args()
    env = dict(os.environ, TZ="UTC")
    env["AWS_CA_BUNDLE"] = a.ca_bundle
    url = f"s3://{a.bucket}/{a.prefix}"
    aws = shutil.which("aws", path="/usr/bin") or shutil.which("aws")
    rclone = shutil.which("rclone")

    listers = [
        (f"s3loop ls -r --list-concurrency {a.list_concurrency}",
         [a.s3loop, "ls", "-r", url, "--endpoint-url", a.endpoint,
          "--list-concurrency", str(a.list_concurrency)], env, key_of_ls_line),
        ("s3loop ls -r --list-concurrency 1",
         [a.s3loop, "ls", "-r", url, "--endpoint-url", a.endpoint, "--list-concurrency", "1"],
         env, key_of_ls_line),
    ]
    if aws:
        listers.append(("aws s3 ls --recursive",
                        [aws, "s3", "ls", "--recursive", url, "--endpoint-url", a.endpoint],
                        env, key_of_ls_line))
    if rclone:
        # An on-the-fly remote configured through the environment. rclone refuses to start
        # while AWS_CA_BUNDLE is set; it takes --ca-cert instead.
        rclone_env = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"}
        rclone_env.update(RCLONE_CONFIG="/dev/null", RCLONE_S3_PROVIDER="Ceph",
                          RCLONE_S3_ENV_AUTH="false",
                          RCLONE_S3_ACCESS_KEY_ID=env["AWS_ACCESS_KEY_ID"],
                          RCLONE_S3_SECRET_ACCESS_KEY=env["AWS_SECRET_ACCESS_KEY"],
                          RCLONE_S3_REGION=env.get("AWS_REGION", "us-east-1"),
                          RCLONE_S3_ENDPOINT=a.endpoint)
        listers.append(("rclone lsf -R",
                        [rclone, "lsf", "-R", "--files-only", "--ca-cert", a.ca_bundle,
                         f":s3:{a.bucket}/{a.prefix}"],
                        rclone_env, lambda line: a.prefix + line))

    reference = None
    rows = []
    for name, cmd, run_env, key_of in listers:
        walls = []
        keys = None
        for r in range(a.repeat):
            print(f"== {name}, run {r + 1} of {a.repeat}", file=sys.stderr)
            wall, lines, _ = timed(cmd, run_env)
            walls.append(wall)
            keys = [key_of(line) for line in lines if line]
        if name.endswith("--list-concurrency 1"):
            reference = keys
        rows.append({"lister": name, "wall_seconds": statistics.median(walls),
                     "runs": walls, "keys": len(keys), "listed": keys,
                     "command": redact(" ".join(cmd))})
    for row in rows:
        listed = row.pop("listed")
        row["same_keys_same_order"] = listed == reference
        row["same_keys"] = sorted(listed) == sorted(reference)
    peers = [r for r in rows if not r["lister"].startswith("s3loop")]
    fastest_peer = min(peers, key=lambda r: r["wall_seconds"]) if peers else None
    sequential = next(r for r in rows if r["lister"].endswith("--list-concurrency 1"))
    fastest_other = min((r for r in rows if r is not rows[0]), key=lambda r: r["wall_seconds"])
    for row in rows:
        row["speedup_vs_sequential"] = sequential["wall_seconds"] / row["wall_seconds"]

    # The floor: the same parallel listing straight to radosgw, no added latency. On a
    # small machine the server's own listing work, not the latency, may set the pace.
    # Measured after the listers: a server that has just started lists slower.
    floor_walls = []
    for r in range(a.repeat):
        print(f"== floor: s3loop ls -r straight to the server, run {r + 1}", file=sys.stderr)
        floor_walls.append(timed(listers[0][1][:4] + ["--endpoint-url", a.direct_endpoint,
                                                     "--list-concurrency",
                                                     str(a.list_concurrency)], env)[0])
    floor = statistics.median(floor_walls)

    # cp: time to the first copy and to the last, parallel and sequential listing.
    cp_rows = []
    for lc in (a.list_concurrency, 1):
        dst = f"s3://{a.dst_bucket}/run-{lc}/"
        cmd = [a.s3loop, "cp", url, dst, "--dry-run", "--endpoint-url", a.endpoint,
               "--list-concurrency", str(lc)]
        firsts, walls, counts = [], [], []
        for r in range(a.repeat):
            print(f"== s3loop cp --dry-run --list-concurrency {lc}, run {r + 1}", file=sys.stderr)
            wall, lines, first = timed(cmd, env, first_line_prefix="(dryrun) copy: ")
            walls.append(wall)
            firsts.append(first)
            counts.append(sum(1 for line in lines if line.startswith("(dryrun) copy: ")))
        cp_rows.append({"list_concurrency": lc, "first_copy_seconds": statistics.median(firsts),
                        "all_keys_seconds": statistics.median(walls), "keys": counts[-1],
                        "command": " ".join(cmd)})

    result = {"command": a.command, "machine": a.machine, "keys": a.keys,
              "floor_seconds_without_latency": floor, "floor_runs": floor_walls,
              "delay_ms": a.delay_ms, "repeat": a.repeat, "listers": rows, "cp": cp_rows,
              "fastest_peer": fastest_peer["lister"] if fastest_peer else None,
              "speedup_vs_fastest_peer": (fastest_peer["wall_seconds"] / rows[0]["wall_seconds"]
                                          if fastest_peer else None),
              "speedup_vs_fastest_other": fastest_other["wall_seconds"] / rows[0]["wall_seconds"]}
    with open(a.json, "w") as f:
        json.dump(result, f, indent=2)

    md = [f"# Listing {a.keys:,} keys, +{a.delay_ms} ms per request", "",
          f"`{a.command}`", "", f"Machine: {a.machine}.", "",
          "One flat prefix (keys `k000000`...), listed through the latency proxy; wall time "
          f"is the median of {a.repeat} run(s), process start to exit, output to a pipe. "
          "\"Same output\" compares each lister's keys, in printed order, with s3loop's "
          "sequential listing.", "",
          "| lister | wall s | keys | same keys, same order | vs sequential |",
          "|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| `{r['lister']}` | {r['wall_seconds']:.2f} | {r['keys']:,} | "
                  f"{'yes' if r['same_keys_same_order'] else ('same set, other order' if r['same_keys'] else 'NO')} | "
                  f"{r['speedup_vs_sequential']:.1f}x |")
    md.append("")
    md.append(f"Floor: the same parallel listing straight to radosgw, no added latency: "
              f"{floor:.2f} s (the server's own listing work on this machine; "
              f"{floor / rows[0]['wall_seconds'] * 100:.0f}% of the parallel run's time).")
    md.append("")
    if fastest_peer:
        md.append(f"s3loop with --list-concurrency {a.list_concurrency} is "
                  f"{result['speedup_vs_fastest_peer']:.1f}x faster than the fastest peer "
                  f"({fastest_peer['lister']}).")
    else:
        md.append("No peer (aws, rclone) installed: compared with s3loop's own sequential "
                  "listing only.")
    md += ["", "`s3loop cp --dry-run` over the same prefix (the first key reaches a copy "
           "worker; a dry run skips only the CopyObject itself):", "",
           "| --list-concurrency | first copy after s | all keys handed out after s | keys |",
           "|---|---|---|---|"]
    for c in cp_rows:
        md.append(f"| {c['list_concurrency']} | {c['first_copy_seconds']:.2f} | "
                  f"{c['all_keys_seconds']:.2f} | {c['keys']:,} |")
    md += ["", "Commands:", ""]
    for r in rows:
        md.append(f"- `{r['command']}`")
    for c in cp_rows:
        md.append(f"- `{c['command']}`")
    with open(a.md, "w") as f:
        f.write("\n".join(md) + "\n")
    # A lister whose keys differ from the sequential listing's is a failed benchmark: exit 1
    # once the report is written (it showed NO and exited 0).
    wrong = [r["lister"] for r in rows if not r["same_keys_same_order"]]
    if wrong:
        sys.exit("bench/listing: FAILED: keys or their order differ: " + ", ".join(wrong))


if __name__ == "__main__":
    main()
