"""Turns `s3loop compare --json` output into the strategies benchmark report.

Ratios are computed from numbers measured in the same run; nothing here is a
timed assertion.
"""
import argparse
import json


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ceiling", required=True, nargs="+",
                   help="compare --json of the capacity runs (async, no latency, several C)")
    p.add_argument("--version", default="", help="the build measured")
    p.add_argument("--runs", required=True)
    p.add_argument("--delay-ms", type=float, required=True)
    p.add_argument("--concurrency", type=int, required=True)
    p.add_argument("--command", required=True)
    p.add_argument("--machine", required=True)
    p.add_argument("--md", required=True)
    p.add_argument("--json", required=True)
    a = p.parse_args()

    capacity_runs = []
    for path in a.ceiling:
        run = json.load(open(path))["strategies"][0]
        run["capacity_file"] = path.rsplit("/", 1)[-1]
        capacity_runs.append(run)
    rows = json.load(open(a.runs))["strategies"]
    # The best of them: the server's capacity is what it can do at the
    # concurrency that suits it (beyond ~64 in flight radosgw on 2 cores only
    # slows down). C=1024 alone is what the strategy issue names; said too.
    usable = [r for r in capacity_runs if r["verified"]] or capacity_runs
    ceiling_run = max(usable, key=lambda r: r["objects_per_second"])
    server_capacity = ceiling_run["objects_per_second"]
    at_1024 = [r["objects_per_second"] for r in capacity_runs if r["workers"] == "C=1024"]
    capacity_1024 = max(at_1024) if at_1024 else None
    latency_bound = a.concurrency / (a.delay_ms / 1000.0) if a.delay_ms > 0 else float("inf")
    ceiling = min(server_capacity, latency_bound)
    by_name = {r["strategy"]: r for r in rows}

    def ratio(x, y):
        return x / y if y else 0.0

    lines = [
        f"# Strategies: copy with +{a.delay_ms:g} ms per request",
        "",
        f"Command: `{a.command}`",
        "",
        f"Machine: {a.machine}. Server, latency proxy (nginx, 1 worker) and client share the cores.",
        "",
        f"Build: {a.version or 'not recorded'}.",
        "",
        f"Ceiling of this run: min(latency bound C/L = {a.concurrency}/{a.delay_ms/1000:g} s = "
        f"{latency_bound:.0f} obj/s, server capacity = {server_capacity:.0f} obj/s "
        f"(the best of s3loop async at C=16/64/256/1024 straight to radosgw, no added latency, "
        f"before and after the strategies, same run: {ceiling_run['workers']})) = "
        f"**{ceiling:.0f} obj/s**.",
        "",
        "Capacity runs (objects/s): " + ", ".join(
            f"{r['workers']} {r['objects_per_second']:.0f}"
            f" ({'before' if '-before-' in r['capacity_file'] else 'after'})"
            for r in capacity_runs) + ".",
        "",
        "| strategy | workers | objects | wall s | objects/s | % of ceiling | CPU s | CPU ms/request | peak RSS MiB | requests | retries | TLS handshakes | vs serial | verified |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    serial = by_name.get("serial")
    for r in rows:
        cpu_per_req = 1000.0 * ratio(r["cpu_seconds"], r["requests"])
        lines.append(
            f"| {r['strategy']} | {r['workers']} | {r['objects']:.0f} | {r['wall_seconds']:.2f} | "
            f"{r['objects_per_second']:.0f} | {100*ratio(r['objects_per_second'], ceiling):.0f}% | "
            f"{r['cpu_seconds']:.2f} | {cpu_per_req:.3f} | {r['peak_rss_mib']:.0f} | "
            f"{r['requests']:.0f} | {r['retries']:.0f} | {r['tls_handshakes']:.0f} | "
            f"{ratio(r['objects_per_second'], serial['objects_per_second']) if serial else 0:.1f}x | "
            f"{'yes' if r['verified'] else 'NO'} |")
    summary = {}
    if "async" in by_name:
        asy = by_name["async"]
        ceiling_1024 = min(capacity_1024, latency_bound) if capacity_1024 else None
        summary = {
            "ceiling_objects_per_second": ceiling,
            "server_capacity_objects_per_second": server_capacity,
            "server_capacity_at_c1024_objects_per_second": capacity_1024,
            "async_fraction_of_c1024_ceiling": ratio(asy["objects_per_second"], ceiling_1024)
            if ceiling_1024 else None,
            "latency_bound_objects_per_second": latency_bound,
            "async_fraction_of_ceiling": ratio(asy["objects_per_second"], ceiling),
            "async_cpu_ms_per_request": 1000.0 * ratio(asy["cpu_seconds"], asy["requests"]),
            "async_vs_serial": ratio(asy["objects_per_second"], serial["objects_per_second"]) if serial else None,
            "async_vs_threads": ratio(asy["objects_per_second"], by_name["threads"]["objects_per_second"]) if "threads" in by_name else None,
        }
        lines += [
            "",
            f"- async on one thread: **{100*summary['async_fraction_of_ceiling']:.0f}%** of the ceiling "
            f"(target >= 90%), **{summary['async_cpu_ms_per_request']:.3f} ms** client CPU per request "
            f"(target <= 0.2 ms).",
        ]
        if summary["async_fraction_of_c1024_ceiling"]:
            lines.append(
                f"- against the ceiling the strategy issue defines (capacity = async at C=1024 "
                f"alone, {capacity_1024:.0f} obj/s): "
                f"{100*summary['async_fraction_of_c1024_ceiling']:.0f}%.")
        if summary["async_vs_serial"]:
            lines.append(f"- async vs serial: {summary['async_vs_serial']:.1f}x objects/s.")
        if summary["async_vs_threads"]:
            lines.append(f"- async vs threads: {summary['async_vs_threads']:.1f}x objects/s.")
    open(a.md, "w").write("\n".join(lines) + "\n")
    json.dump({"command": a.command, "machine": a.machine, "version": a.version,
               "delay_ms": a.delay_ms, "concurrency": a.concurrency, "summary": summary,
               "ceiling_run": ceiling_run, "capacity_runs": capacity_runs,
               "strategies": rows}, open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
