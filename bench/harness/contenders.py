"""Who bench/run races, and exactly how each is invoked.

Every contender copies the same source prefix to a prefix of its own, server
side, through the same endpoint (the latency proxy, HTTPS, verified with the
local CA, path-style addressing), with nothing from the developer's own AWS
configuration (HOME is an empty directory of the run). A contender is a
command line plus an environment; run_contenders.py measures and verifies it.

Peers are the Debian packages (/usr/bin/aws, rclone, s3cmd, python3-boto3)
and the AWS JavaScript SDK v3 installed by bench/run into bench/js.
"""
import os
from dataclasses import dataclass, field

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Absolute paths: a pyenv shim or a pip-installed aws on PATH is not the peer
# we mean to measure.
AWS = "/usr/bin/aws"
RCLONE = "/usr/bin/rclone"
S3CMD = "/usr/bin/s3cmd"
NODE = "/usr/bin/node"
PYTHON = "/usr/bin/python3"

THREADPOOL_WORKERS = (os.cpu_count() or 1) + 4  # ThreadPoolExecutor's own default


@dataclass
class Contender:
    id: str  # slug: destination prefix and JSON key
    tool: str  # family, one line per tool in the plots
    setting: str  # human-readable configuration
    concurrency: int  # requests in flight it is configured for (x axis of the sweep plot)
    dst: str = ""  # s3://bucket/prefix/ it copies to
    argv: list = field(default_factory=list)
    env: dict = field(default_factory=dict)  # added to the base environment (None removes)
    files: dict = field(default_factory=dict)  # relative path in the run dir -> content
    json_stdout: bool = False  # prints one JSON summary line


@dataclass
class Target:
    """Where and how: filled in by run_contenders.py."""
    endpoint: str
    ca_bundle: str
    access_key: str
    secret_key: str
    region: str
    s3loop: str
    workdir: str  # per-run scratch dir (config files, HOME)


def _split(url):
    bucket, _, prefix = url[5:].partition("/")
    return bucket, prefix


def s3loop(t, src, dst_root, strategy, concurrency):
    cid = f"s3loop-{strategy}-c{concurrency}"
    dst = dst_root + cid + "/"
    argv = [t.s3loop, "cp", src, dst, "--strategy", strategy, "--addressing-style", "path",
            "--json"]
    if strategy in ("async", "async-pool"):
        argv += ["--concurrency", str(concurrency)]
    elif strategy == "threads":
        argv += ["--threads", str(concurrency)]
    setting = {"serial": "serial", "threads": f"threads T={concurrency}",
               "async": f"async C={concurrency}",
               "async-pool": f"async-pool C={concurrency}"}[strategy]
    return Contender(id=cid, tool=f"s3loop {strategy}",
                     setting=setting, concurrency=concurrency, dst=dst, argv=argv, json_stdout=True)


def aws_cli(t, src, dst_root, max_concurrent):
    cid = f"awscli-c{max_concurrent}"
    dst = dst_root + cid + "/"
    cfg = f"aws-config-{max_concurrent}"
    setting = ("default (max_concurrent_requests 10)" if max_concurrent == 10
               else f"max_concurrent_requests {max_concurrent}")
    return Contender(
        id=cid, tool="aws cli", setting=setting,
        concurrency=max_concurrent, dst=dst,
        argv=[AWS, "s3", "cp", "--recursive", src, dst, "--endpoint-url", t.endpoint,
              "--only-show-errors", "--no-progress"],
        env={"AWS_CONFIG_FILE": os.path.join(t.workdir, cfg), "AWS_CA_BUNDLE": t.ca_bundle},
        files={cfg: "[default]\nregion = {}\ns3 =\n  addressing_style = path\n"
                    "  max_concurrent_requests = {}\n".format(t.region, max_concurrent)})


def rclone(t, src, dst_root, transfers):
    cid = f"rclone-t{transfers}"
    dst = dst_root + cid + "/"
    sb, sp = _split(src)
    db, dp = _split(dst)
    return Contender(
        id=cid, tool="rclone", setting=f"copy --transfers {transfers}",
        concurrency=transfers, dst=dst,
        argv=[RCLONE, "copy", f"bench:{sb}/{sp}", f"bench:{db}/{dp}", "--transfers",
              str(transfers), "--ca-cert", t.ca_bundle, "--s3-no-check-bucket", "-q"],
        # rclone refuses to start while AWS_CA_BUNDLE is set; --ca-cert instead.
        env={"AWS_CA_BUNDLE": None, "RCLONE_CONFIG": os.path.join(t.workdir, "rclone.conf"),
             "RCLONE_CONFIG_BENCH_TYPE": "s3", "RCLONE_CONFIG_BENCH_PROVIDER": "Ceph",
             "RCLONE_CONFIG_BENCH_ENDPOINT": t.endpoint,
             "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": t.access_key,
             "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": t.secret_key,
             "RCLONE_CONFIG_BENCH_REGION": t.region,
             "RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE": "true"},
        files={"rclone.conf": ""})


def s3cmd(t, src, dst_root):
    dst = dst_root + "s3cmd/"
    host = t.endpoint.split("://", 1)[1].rstrip("/")
    conf = "\n".join([
        "[default]",
        f"access_key = {t.access_key}",
        f"secret_key = {t.secret_key}",
        f"host_base = {host}",
        f"host_bucket = {host}",  # no %(bucket)s: path-style
        f"bucket_location = {t.region}",
        "use_https = True",
        f"ca_certs_file = {t.ca_bundle}",
        "check_ssl_certificate = True",
        "check_ssl_hostname = True",
        "signature_v2 = False",
        "progress_meter = False",
        ""])
    return Contender(
        id="s3cmd", tool="s3cmd", setting="cp --recursive", concurrency=1, dst=dst,
        argv=[S3CMD, "-c", os.path.join(t.workdir, "s3cmd.cfg"), "--quiet", "cp", "--recursive",
              src, dst],
        env={}, files={"s3cmd.cfg": conf})


def boto3_copy(t, src, dst_root, workers):
    serial = workers == 1
    cid = "boto3-serial" if serial else f"boto3-threads-{workers}"
    dst = dst_root + cid + "/"
    return Contender(
        id=cid, tool="boto3",
        setting="serial copy_object" if serial
        else f"ThreadPoolExecutor({workers}) copy_object",
        concurrency=workers, dst=dst,
        argv=[PYTHON, os.path.join(BENCH, "peers", "boto3_copy.py"), src, dst, "--workers",
              str(workers)],
        env={"AWS_ENDPOINT_URL": t.endpoint, "AWS_CA_BUNDLE": t.ca_bundle}, json_stdout=True)


def aws_js(t, src, dst_root, concurrency):
    cid = f"awsjs-c{concurrency}"
    dst = dst_root + cid + "/"
    return Contender(
        id=cid, tool="AWS JS SDK v3",
        setting=f"CopyObject, promise pool C={concurrency}", concurrency=concurrency, dst=dst,
        argv=[NODE, os.path.join(BENCH, "js", "copy.mjs"), src, dst, "--concurrency",
              str(concurrency)],
        env={"AWS_ENDPOINT_URL": t.endpoint, "NODE_EXTRA_CA_CERTS": t.ca_bundle,
             "AWS_CA_BUNDLE": None}, json_stdout=True)


def contenders(t, src, dst_root, kind, sweep, concurrency):
    """The contenders of one data set. kind "sweep": everyone, s3loop async and the JS SDK at
    every concurrency of the sweep; kind "rss": one per tool at its concurrent setting."""
    out = []

    def add(make, *args):
        out.append(make(t, src, dst_root, *args))

    if kind == "sweep":
        add(s3loop, "serial", 1)
        add(s3loop, "threads", min(32, THREADPOOL_WORKERS))  # s3loop's own default
        # The main concurrency is always measured (the targets are read at it), and a
        # setting named twice runs once (--concurrency 64 named aws cli's 64 twice and
        # stopped the run at its check below).
        for c in sorted(set(sweep) | {concurrency}):
            add(s3loop, "async", c)
        add(s3loop, "async-pool", concurrency)
        for c in sweep:
            add(aws_js, c)
        for c in sorted({10, 64, concurrency}):
            add(aws_cli, c)
        for c in (16, 256):
            add(rclone, c)
        add(s3cmd)
        add(boto3_copy, 1)
        add(boto3_copy, THREADPOOL_WORKERS)
    elif kind == "rss":
        add(s3loop, "async", concurrency)
        add(aws_js, concurrency)
        add(aws_cli, 64)
        add(rclone, 256)
        add(s3cmd)
        add(boto3_copy, THREADPOOL_WORKERS)
    else:
        raise ValueError(f"unknown contender list {kind!r}")
    ids = [c.id for c in out]
    assert len(ids) == len(set(ids)), ids
    return out
