"""Shared helpers for the s3loop end-to-end tests.

The tests run the real `s3loop` binary against the real local S3 server
(radosgw over HTTPS, started by scripts/local-s3.sh or scripts/test.sh) and
check every result independently with boto3 (Debian's python3-boto3: run them
with /usr/bin/python3).

Environment:
  AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
  AWS_CA_BUNDLE           the server, as printed by `scripts/local-s3.sh start`
  S3LOOP_S3_HTTP_ENDPOINT the same server's plain-HTTP port (also printed by it);
                          only the tests that look at the requests on the wire
                          need it
  S3LOOP_BIN, S3LOOP_DATAGEN  the binaries under test (CTest sets them;
                          default: <repo>/build/s3loop, build/bench/s3loop-datagen)
  S3LOOP_SANITIZED=1      the binaries are the sanitizer build (smaller data sets)
  S3LOOP_TEST_SERVER_DISCARDED=1  the server is removed after the suite (scripts/test.sh
                          sets it): test buckets are left as they are

A missing server is a test FAILURE with a message saying how to start one,
never a skip.
"""

import atexit
import csv
import hashlib
import io
import json
import os
import pty
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import tty
import unittest
import uuid
from urllib.parse import urlsplit

try:
    import boto3
    import botocore.config
except ImportError as e:  # pragma: no cover - environment problem
    raise SystemExit(
        f"e2e tests need boto3 ({e}): run them with Debian's /usr/bin/python3 "
        "(apt-get install python3-boto3), not a python without it")

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Set by scripts/test-sanitizers.sh: RSS measurements mean nothing under ASan.
SANITIZED = os.environ.get("S3LOOP_SANITIZED") == "1"

MiB = 1024 * 1024
KiB = 1024

# The keys `s3loop-datagen --special-keys` adds after the generated ones
# (bench/dataset.cpp). Kept here, independently, so that tests can tell a
# key that s3loop mangled from one the generator never wrote.
SPECIAL_KEYS = [
    "with space/file name.txt",
    "unicode/\u00e9t\u00e9-\u65e5\u672c-\U0001f4e6.bin",  # été-日本-📦
    "plus+sign+key",
    "equals=and&ampersand",
    "hash#mark",
    "percent%20literal%",
    "tilde~key",
    "question?mark",
    "double//slash//key",
    "trailing-slash/",
    "dir/./dot-segment",
    "semi;colon,comma:colon@at$dollar!bang'quote(paren)*star",
    "brackets[1]{2}<3>^|`\"",
    "k" * 989 + "-1000-bytes",  # the long one (1,000 bytes)
]
LONG_SPECIAL_KEY = SPECIAL_KEYS[-1]

# Signs of a crash or an unhandled exception rather than a handled error.
CRASH_MARKERS = ("Traceback", "terminate called", "Segmentation fault", "core dumped",
                 "Assertion", "AddressSanitizer", "runtime error:", "what():", "Aborted",
                 "stack smashing")


class SetupError(AssertionError):
    """The environment is not set up for the e2e tests (a failure, not a skip)."""


def _require(name, hint):
    value = os.environ.get(name)
    if not value:
        raise SetupError(f"{name} is not set: {hint}")
    return value


_SERVER_HINT = ("the e2e tests need the local S3 server. Run them with ./scripts/test.sh, or "
                "start one with `env=$(scripts/local-s3.sh start) && eval \"$env\"` and run "
                "ctest -L e2e")


class Server:
    """The local S3 server's coordinates, read from the environment."""

    def __init__(self):
        self.endpoint = _require("AWS_ENDPOINT_URL", _SERVER_HINT)
        self.access_key = _require("AWS_ACCESS_KEY_ID", _SERVER_HINT)
        self.secret_key = _require("AWS_SECRET_ACCESS_KEY", _SERVER_HINT)
        self.region = os.environ.get("AWS_REGION") or "us-east-1"
        self.ca_bundle = _require("AWS_CA_BUNDLE", _SERVER_HINT)
        if not os.path.isfile(self.ca_bundle):
            raise SetupError(f"AWS_CA_BUNDLE={self.ca_bundle} does not exist: {_SERVER_HINT}")
        parts = urlsplit(self.endpoint)
        if parts.scheme != "https" or not parts.port:
            raise SetupError(f"AWS_ENDPOINT_URL={self.endpoint}: expected https://127.0.0.1:PORT")
        self.port = parts.port
        self.host = parts.hostname

    @property
    def http_endpoint(self):
        return _require("S3LOOP_S3_HTTP_ENDPOINT",
                        "the plain-HTTP endpoint of the local S3 server (printed by "
                        "scripts/local-s3.sh start); " + _SERVER_HINT)

    @property
    def virtual_endpoint(self):
        """HTTPS endpoint under which bucket.s3.localhost names resolve (in s3loop)."""
        return f"https://s3.localhost:{self.port}"


_server = None


def server():
    global _server
    if _server is None:
        _server = Server()
    return _server


def _binary(var, default_rel):
    path = os.environ.get(var) or os.path.join(REPO, default_rel)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise SetupError(f"{var}: no executable at {path}: build first (./scripts/build.sh) "
                         f"or set {var}")
    return path


def s3loop_bin():
    return _binary("S3LOOP_BIN", "build/s3loop")


def datagen_bin():
    return _binary("S3LOOP_DATAGEN", "build/bench/s3loop-datagen")


def example_copy_bin():
    return _binary("S3LOOP_EXAMPLE_COPY", "build/examples/s3loop-example-copy")


# --- boto3 -----------------------------------------------------------------------------


def client(endpoint=None):
    """A path-style boto3 client on the server (the independent verifier)."""
    srv = server()
    return boto3.client(
        "s3",
        endpoint_url=endpoint or srv.endpoint,
        aws_access_key_id=srv.access_key,
        aws_secret_access_key=srv.secret_key,
        region_name=srv.region,
        verify=srv.ca_bundle,
        config=botocore.config.Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 5, "mode": "standard"},
                                      max_pool_connections=32),
    )


def unique_bucket(tag):
    """A fresh bucket name: lower case, 3-63 characters."""
    tag = re.sub(r"[^a-z0-9-]", "-", tag.lower())[:30].strip("-")
    return f"e2e-{tag}-{uuid.uuid4().hex[:10]}"


def make_bucket(s3, name):
    s3.create_bucket(Bucket=name)
    return name


def list_objects(s3, bucket, prefix=""):
    """Every object under prefix, in listing order: [(key, size, etag, last_modified)]."""
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            out.append((o["Key"], o["Size"], o["ETag"].strip('"'), o["LastModified"]))
    return out


def list_level(s3, bucket, prefix=""):
    """One level under prefix with '/' as delimiter: (set of prefixes, {key: size})."""
    prefixes, objects = [], {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix,
                                                             Delimiter="/"):
        prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        for o in page.get("Contents", []):
            objects[o["Key"]] = o["Size"]
    return prefixes, objects


def object_map(s3, bucket, prefix=""):
    """{key relative to prefix: (size, etag)} of every object under prefix."""
    out = {}
    for key, size, etag, _ in list_objects(s3, bucket, prefix):
        assert key.startswith(prefix)
        rel = key[len(prefix):]
        assert rel not in out, f"duplicate key {key!r} in listing"
        out[rel] = (size, etag)
    return out


def multipart_uploads(s3, bucket):
    uploads = []
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        uploads.extend((u["Key"], u["UploadId"]) for u in page.get("Uploads", []))
    return uploads


def xml_can_carry(text):
    """Whether XML 1.0 allows every character of text (tab, LF, CR, no other C0 control,
    no surrogate, not U+FFFE/U+FFFF)."""
    return not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", text)


def object_versions(s3, bucket, prefix=""):
    """(key, version id) of every version and delete marker under the prefix."""
    out = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            out.append((entry["Key"], entry["VersionId"]))
    return out


# scripts/test.sh starts a server of its own and removes it, data and all, when the suite
# ends: there, emptying each test's buckets afterwards is work thrown away (some 60,000
# deletes a pass, on a machine the suite keeps busy). Against a server that stays (a
# developer's, scripts/local-s3.sh), every test bucket is deleted after its test.
SERVER_DISCARDED = os.environ.get("S3LOOP_TEST_SERVER_DISCARDED") == "1"


def discard_bucket(s3, bucket):
    """A test's cleanup of its bucket: delete_bucket, unless the server is to be removed."""
    if not SERVER_DISCARDED:
        delete_bucket(s3, bucket)


def delete_bucket(s3, bucket):
    """Deletes every object, aborts every multipart upload, deletes the bucket. Best effort."""
    try:
        for key, upload_id in multipart_uploads(s3, bucket):
            s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        batch = []
        for key, *_ in list_objects(s3, bucket):
            if not xml_can_carry(key):
                # DeleteObjects' XML cannot hold it: the server would refuse the batch.
                s3.delete_object(Bucket=bucket, Key=key)
                continue
            batch.append({"Key": key})
            if len(batch) == 1000:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                batch = []
        if batch:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        # A bucket that had versioning on still holds the versions and delete markers.
        for key, version_id in object_versions(s3, bucket):
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)
        s3.delete_bucket(Bucket=bucket)
    except s3.exceptions.NoSuchBucket:
        pass
    except Exception as e:  # cleanup must not hide the test's own result
        print(f"warning: cleanup of bucket {bucket} failed: {e!r}")


def sha256_of(s3, bucket, key):
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    h = hashlib.sha256()
    for chunk in iter(lambda: body.read(1 << 20), b""):
        h.update(chunk)
    return h.hexdigest()


def multipart_etag(data, part_size):
    """The ETag S3 gives an object assembled from parts of part_size bytes."""
    digests = [hashlib.md5(data[i:i + part_size]).digest() for i in range(0, len(data), part_size)]
    return f"{hashlib.md5(b''.join(digests)).hexdigest()}-{len(digests)}"


def seeded_bytes(seed, size):
    """Deterministic pseudo-random bytes."""
    return random.Random(f"s3loop-e2e-{seed}").randbytes(size)


# --- running the binaries ------------------------------------------------------------------


def base_env(**overrides):
    """The environment for s3loop: the server's settings, nothing from the developer's own AWS
    configuration (HOME is an empty directory, profile/config variables are dropped) nor
    proxies, TZ=UTC.
    overrides: NAME=value to set, NAME=None to remove."""
    env = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
                 "AWS_SHARED_CREDENTIALS_FILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3",
                 "AWS_DEFAULT_REGION", "AWS_SECURITY_TOKEN",
                 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "REQUESTS_CA_BUNDLE", "HTTPS_PROXY",
                 "https_proxy",
                 "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        env.pop(name, None)
    env["HOME"] = _empty_home()
    env["TZ"] = "UTC"
    # No run asks the EC2 instance metadata service (169.254.169.254): tests send traffic
    # to 127.0.0.1 only. The tests of the machine role set their own endpoint.
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


_empty_home_dir = None


def _empty_home():
    global _empty_home_dir
    if _empty_home_dir is None:
        _empty_home_dir = tempfile.mkdtemp(prefix="s3loop-e2e-home-")
        atexit.register(shutil.rmtree, _empty_home_dir, True)
    return _empty_home_dir


def run(args, env=None, timeout=300, binary=None, preexec_fn=None):
    """Runs s3loop (or `binary`) with args; returns CompletedProcess (text). preexec_fn runs
    in the child before exec (to set a resource limit, say)."""
    cmd = [binary or s3loop_bin()] + [str(a) for a in args]
    return subprocess.run(cmd, env=env if env is not None else base_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                          encoding="utf-8", errors="replace", preexec_fn=preexec_fn)


def wait_for_first_object(s3, bucket, prefix="", proc=None, timeout=60):
    """Waits until an object is listed under prefix (a copy under way); False if `proc`
    ended or `timeout` passed first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (proc is None or proc.poll() is None):
        if s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1).get("KeyCount", 0):
            return True
        time.sleep(0.05)
    return False


def wait_for_journal_lines(path, lines, proc, timeout):
    """Waits until the journal at `path` holds more than `lines` lines (a copy that has
    recorded that much); False if `proc` ended or `timeout` passed first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(path):
            with open(path, "rb") as f:
                if f.read().count(b"\n") > lines:
                    return True
        time.sleep(0.02)
    return False


def wait_until_catching(proc, sig, timeout=120):
    """Waits until `proc` (a Popen, or the pid of a process we did not start) has a handler
    of its own for `sig` (SigCgt in /proc/PID/status); False if it ended or `timeout` passed
    first. A signal sent before that ends the process as it ends any program: s3loop
    installs its handlers once the command is parsed, after a start that may run twice (the
    huge-page heap) and is slow under the sanitizers."""
    pid = proc if isinstance(proc, int) else proc.pid
    running = (lambda: True) if isinstance(proc, int) else (lambda: proc.poll() is None)
    bit = 1 << (int(sig) - 1)
    deadline = time.monotonic() + timeout
    while running() and time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/status") as f:
                caught = next((l for l in f if l.startswith("SigCgt:")), "SigCgt: 0")
        except OSError:
            return False
        if int(caught.split()[1], 16) & bit:
            return True
        time.sleep(0.01)
    return False


def run_while(tc, args, meanwhile, timeout=120):
    """Runs s3loop with `args` and, once it has started (its SIGINT handler is in), calls
    `meanwhile(proc)` -- to change the server's state, or signal it -- then waits for it to
    end; returns the CompletedProcess (text). A failed assertion in `meanwhile`, or a run that
    outlasts `timeout`, kills it."""
    proc = subprocess.Popen([s3loop_bin(), *[str(a) for a in args]], env=base_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
                            errors="replace")
    try:
        tc.assertTrue(wait_until_catching(proc, signal.SIGINT), "s3loop never started")
        meanwhile(proc)
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    p = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert_no_crash(tc, p)
    return p


def first_child(proc, timeout=60):
    """The pid of `proc`'s first child process once it has one (compare's run); None if
    `proc` ended or `timeout` passed first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                children = f.read().split()
        except OSError:
            return None
        if children:
            return int(children[0])
        time.sleep(0.01)
    return None


def datagen(url, count, min_size=0, max_size=4 * KiB, seed=1, special_keys=False,
            concurrency=64, flat=False):
    """flat: keys k000000, k000001... directly under the prefix (default: part-NN/obj-...)."""
    args = [url, "--count", count, "--min-size", min_size, "--max-size", max_size,
            "--seed", seed, "-c", concurrency]
    if special_keys:
        args.append("--special-keys")
    if flat:
        args.append("--flat")
    p = run(args, binary=datagen_bin(), timeout=300)
    if p.returncode != 0:
        raise AssertionError(f"s3loop-datagen {' '.join(map(str, args))} failed "
                             f"(exit {p.returncode}): {p.stderr.strip()}")
    return p


def run_on_terminal(args, on="stderr", raw=False):
    """s3loop with one stream (`on`: "stdout" or "stderr") on a terminal, the other piped;
    returns (process, what the terminal got, what the pipe got). `raw`: no output processing
    on the terminal (a line ends "\\n", not "\\r\\n")."""
    primary, secondary = pty.openpty()
    if raw:
        tty.setraw(secondary)
    try:
        streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, on: secondary}
        proc = subprocess.Popen([s3loop_bin(), *args], env=base_env(), **streams)
        os.close(secondary)
        secondary = None
        terminal = b""
        while True:
            try:
                data = os.read(primary, 4096)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            terminal += data
        out, err = proc.communicate(timeout=120)
        return proc, terminal, (err if on == "stdout" else out)
    finally:
        os.close(primary)
        if secondary is not None:
            os.close(secondary)


def describe(p):
    """A CompletedProcess, for assertion messages."""
    args = " ".join(a if len(a) < 80 else a[:60] + "..." for a in p.args[1:])
    err = p.stderr if len(p.stderr) < 3000 else p.stderr[:3000] + "...(truncated)"
    out = p.stdout if len(p.stdout) < 1500 else p.stdout[:1500] + "...(truncated)"
    return f"\n  command: s3loop {args}\n  exit: {p.returncode}\n  stderr: {err!r}\n  stdout: {out!r}"


def parse_json_summary(tc, p):
    """The one JSON object `cp --json` prints on stdout."""
    lines = [line for line in p.stdout.splitlines() if line.strip()]
    tc.assertEqual(len(lines), 1, "cp --json must print exactly one JSON object" + describe(p))
    try:
        summary = json.loads(lines[0])
    except ValueError as e:
        tc.fail(f"cp --json printed invalid JSON ({e})" + describe(p))
    tc.assertIsInstance(summary, dict)
    for field in ("strategy", "objects", "bytes", "failed", "wall_seconds", "cpu_seconds",
                  "peak_rss_bytes", "requests", "retries", "tls_handshakes", "connections",
                  "max_in_flight", "requests_by_kind", "failures"):
        tc.assertIn(field, summary, f"summary lacks '{field}'" + describe(p))
    return summary


def assert_no_crash(tc, p):
    tc.assertGreaterEqual(p.returncode, 0, "s3loop died of a signal" + describe(p))
    for marker in CRASH_MARKERS:
        tc.assertNotIn(marker, p.stderr, "s3loop crashed or leaked an exception" + describe(p))
        tc.assertNotIn(marker, p.stdout, "s3loop crashed or leaked an exception" + describe(p))


def assert_clean_error(tc, p, exit_code, *words):
    """Exit code exit_code, and stderr is ONE line 's3loop: error: ...' holding every word
    (case-insensitive). Returns that line."""
    assert_no_crash(tc, p)
    tc.assertEqual(p.returncode, exit_code, f"expected exit {exit_code}" + describe(p))
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    tc.assertEqual(len(lines), 1, "expected exactly one line on stderr" + describe(p))
    line = lines[0]
    tc.assertTrue(line.startswith("s3loop: error: "),
                  "the error line must start with 's3loop: error: '" + describe(p))
    for word in words:
        tc.assertIn(word.lower(), line.lower(), f"the error should mention {word!r}" + describe(p))
    return line


# --- bench's proxies (latency, 503/500, resets, stalls) ---------------------------------------


def free_port():
    """A port nothing listens on now (the proxy binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchProxy:
    """One of bench's proxies, started on a free port of its own in front of `upstream`
    (default: the server's plain-HTTP port) with the server's certificate, so the
    AWS_CA_BUNDLE of the tests verifies it; close() (or a with block) stops it.
    script: latency-proxy.sh (nginx: delay, --max-concurrent cap, 503/500 by rate) or
    fault-proxy.sh (TCP resets mid-reply and stalls by rate)."""

    def __init__(self, script, *flags, upstream=None):
        cert_dir = os.environ.get("S3LOOP_S3_DIR")
        if not cert_dir:
            raise SetupError("S3LOOP_S3_DIR is not set: run through scripts/test.sh")
        port = free_port()
        self.script = os.path.join(REPO, "bench", script)
        self.dir = f"/tmp/s3loop-e2e-{script.split('.')[0]}-{port}"
        p = subprocess.run(
            [self.script, "start", "--dir", self.dir, "--upstream",
             upstream or server().http_endpoint, "--cert", f"{cert_dir}/server.pem",
             "--key", f"{cert_dir}/server.key", "--listen", f"127.0.0.1:{port}", *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8", timeout=60)
        if p.returncode != 0:
            raise AssertionError(f"{script} start failed: {p.stderr}")
        self.export = p.stdout.strip()
        self.endpoint = self.export.split("=", 1)[1]

    def fault_stats(self):
        """fault-proxy.sh's counts (connections, requests, resets, stalls, upstream_errors)."""
        time.sleep(1.2)  # rewritten once a second
        with open(os.path.join(self.dir, "stats.json")) as f:
            return json.load(f)

    def wait_for_stalls(self, n, proc, timeout=60):
        """Waits until fault-proxy.sh has begun `n` stalls in all (it writes that count at
        once); False if `proc` ended or `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                with open(os.path.join(self.dir, "stats.json")) as f:
                    if json.load(f)["stalls"] >= n:
                        return True
            except (OSError, ValueError):
                pass  # not written yet
            time.sleep(0.02)
        return False

    def close(self):
        subprocess.run([self.script, "stop", "--dir", self.dir], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
        subprocess.run(["rm", "-rf", self.dir])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def latency_proxy(*flags, upstream=None):
    return BenchProxy("latency-proxy.sh", *flags, upstream=upstream)


def fault_proxy(*flags, upstream=None):
    return BenchProxy("fault-proxy.sh", *flags, upstream=upstream)


# --- a plain-HTTP sniffing proxy ------------------------------------------------------------


class SniffingProxy:
    """A TCP proxy in front of the server's plain-HTTP port that records each request's
    method, target and headers, so a test can see what s3loop put on the wire (Host header of
    virtual-hosted addressing, the SigV4 scope's region and key id...). `on_request(method,
    target, headers)`, when set, runs before a request's head goes on to the server (to change
    the server's state between two requests of a run)."""

    _HEAD_RE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.[01]\r\n")

    def __init__(self, upstream):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port or 80)
        self.requests = []  # [(method, target, {lower-case header: value})]
        self.on_request = None
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(512)
        self.port = self._sock.getsockname()[1]
        self._closed = False
        self._conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self._closed = True
        try:
            self._sock.close()
        except OSError:
            pass
        for c in list(self._conns):
            try:
                c.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _accept(self):
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(self.upstream, timeout=30)
                up.settimeout(None)
            except OSError:
                conn.close()
                continue
            self._conns += [conn, up]
            threading.Thread(target=self._pump, args=(conn, up, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(up, conn, False), daemon=True).start()

    def _pump(self, src, dst, parse):
        buf = b""
        body_left = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not parse:
                    dst.sendall(data)
                    continue
                buf += data
                while True:
                    if body_left:
                        n = min(body_left, len(buf))
                        buf = buf[n:]
                        body_left -= n
                        if body_left:
                            break
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head, buf = buf[:end + 2], buf[end + 4:]
                    m = self._HEAD_RE.match(head)
                    if not m:
                        continue
                    headers = {}
                    for line in head.split(b"\r\n")[1:]:
                        if b":" in line:
                            k, v = line.split(b":", 1)
                            headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
                    with self._lock:
                        self.requests.append((m.group(1).decode(), m.group(2).decode("latin-1"),
                                              headers))
                    if self.on_request is not None:
                        self.on_request(m.group(1).decode(), m.group(2).decode("latin-1"), headers)
                    body_left = int(headers.get("content-length", "0") or 0)
                dst.sendall(data)  # (after the hook: a head is parsed before it is sent on)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


# --- base class ---------------------------------------------------------------------------


class E2ETestCase(unittest.TestCase):
    """Checks the environment once per class (failing, not skipping, when the server is
    missing), gives each class a boto3 client, and deletes the buckets made with
    self.bucket()/cls.class_bucket() afterwards."""

    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = server()
        s3loop_bin()
        cls.s3 = client()

    @classmethod
    def class_bucket(cls, tag, create=True):
        """A fresh bucket deleted after the class (even when setUpClass fails later)."""
        name = unique_bucket(tag)
        cls.addClassCleanup(discard_bucket, cls.s3, name)
        if create:
            make_bucket(cls.s3, name)
        return name

    def bucket(self, tag, create=True):
        """A fresh bucket deleted after the test (created unless create=False)."""
        name = unique_bucket(tag)
        self.addCleanup(discard_bucket, self.s3, name)
        if create:
            make_bucket(self.s3, name)
        return name

    def assertBucketEmpty(self, bucket, prefix="", why=""):
        left = [k for k, *_ in list_objects(self.s3, bucket, prefix)]
        self.assertEqual(left, [], f"expected nothing under s3://{bucket}/{prefix} {why}")


def parse_csv(text):
    """Rows of CSV text as Python's csv module reads them (RFC 4180, CRLF kept apart)."""
    return list(csv.reader(io.StringIO(text, newline="")))


class SelectCase(E2ETestCase):
    """For `s3loop select` tests: self.select(*args) runs it on cls.url, which the subclass
    sets up, and checks the exit code (0 unless `expect` says otherwise)."""

    url = None

    def select(self, *args, expect=0):
        p = run(["select", self.url, *args])
        assert_no_crash(self, p)
        self.assertEqual(p.returncode, expect, describe(p))
        return p

    def parse_csv(self, text):
        return parse_csv(text)


class SelectToAFullDiskCase(SelectCase):
    """For tests of a select whose output cannot be written: cls.url is a 4+ MiB CSV of
    cls.rows rows, and run_to_dev_full() runs `select cls.url *cls.select_args` with stdout on
    /dev/full, where every write fails (ENOSPC)."""

    rows = 250000
    select_args = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bkt = cls.class_bucket("selfull")
        cls.body = b"id,name\n" + b"".join(b"%d,name-%d\n" % (i, i) for i in range(cls.rows))
        assert len(cls.body) > 4 * MiB, len(cls.body)
        cls.s3.put_object(Bucket=cls.bkt, Key="big.csv", Body=cls.body)
        cls.url = f"s3://{cls.bkt}/big.csv"

    def run_to_dev_full(self, *extra):
        with open("/dev/full", "w") as full:
            return subprocess.run([s3loop_bin(), "select", self.url, *self.select_args, *extra],
                                  env=base_env(), stdout=full, stderr=subprocess.PIPE,
                                  encoding="utf-8", timeout=300)

    def assert_stopped_by_the_write(self, p, json_summary=False):
        """Exit 1 with main's one error line about stdout, after the --json summary when asked
        (no "selected N records" line); returns that summary."""
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 2 if json_summary else 1, p.stderr)
        self.assertTrue(lines[-1].startswith("s3loop: error: writing the output to stdout failed"),
                        p.stderr)
        if not json_summary:
            return None
        summary = json.loads(lines[0])
        self.assertIn("stdout", summary["error"])
        return summary
