"""The faults nginx cannot produce, by rate: a connection reset in the middle
of a reply, and a stall past the client's timeout. Run it with
bench/fault-proxy.sh (start/stop/status); this is the process itself.

A TLS-terminating HTTP/1.1 proxy on 127.0.0.1 in front of an S3 endpoint
(radosgw's plain-HTTP port, or an HTTPS endpoint such as the latency proxy,
verified with --upstream-ca). Each client connection gets one upstream
connection; requests and replies pass byte for byte (Host kept, so SigV4
signatures verify), and the proxy follows the HTTP framing of both directions
(Content-Length, chunked, 1xx, HEAD, 204/304, close-delimited) only to know
where each reply starts and ends. For every request it draws once:

  reset (--reset-rate R)   the reply's head and half its body are forwarded
                           (half the head when the body is empty, so the client
                           never holds a complete reply), then the client
                           connection is closed with a TCP RST (SO_LINGER 0);
  stall (--stall-rate R)   nothing more is forwarded (--stall-at first-byte: not
                           even the head; mid-body: the same half as a reset) and
                           the connection is held open for --stall-seconds, or
                           until the client gives up and closes it.

With --fault-only REGEX only the requests whose request line ("PUT
/bucket/key?partNumber=1&uploadId=... HTTP/1.1") matches draw; the others
pass untouched (a listing goes through, the copies it starts stall).

The request has reached the server either way, as in the real failure. Counts
go to --stats (JSON, rewritten once a second) and each injected fault to
stderr.

--close-after N closes every client connection once N replies went through
it, silently (no `Connection: close`, no TLS close_notify: a TCP FIN), as a
server drops idle keep-alive connections; the client finds out when it sends
its next request there. 0 = never.

--bucket-region BUCKET=REGION (repeatable) puts BUCKET in another region, as
AWS's endpoints see a bucket of another region: a request for it (path-style,
/BUCKET/...) whose SigV4 credential scope names another region is not
forwarded but answered 301 PermanentRedirect with x-amz-bucket-region (S3's
answer on another region's endpoint; --wrong-region-reply malformed: 400
AuthorizationHeaderMalformed naming the region in <Region> only, its answer
to a signature for the wrong region; to a HEAD, which gets no body, a bare 400
with x-amz-bucket-region). The bucket is the Host's first label when that is
a configured bucket (virtual-hosted), else the path's first segment.
Requests signed for the bucket's region pass (radosgw checks the signature
for whichever region its scope names).

--bandwidth B caps every client connection's replies (upstream -> client) at B
bytes per second, as an object store limits each request's throughput: a
token bucket per connection (bursts of at most 64 KiB or 10 ms of the rate), waited on with
asyncio.sleep. The cap is per connection, not shared, so N connections get up
to N * B together; requests (client -> upstream) are not paced. 0 = no cap.
"""
import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import ssl
import struct
import sys
import time
from urllib.parse import urlsplit

READ = 65536
BURST = 65536  # bytes a connection may send at once after being idle, at least
# ...and at least 10 ms of the rate: a late wake-up of asyncio's ~1 ms timers
# is then caught up instead of lost (at 50 MB/s 64 KiB lasts only 1.3 ms).


class Stats:
    def __init__(self, path):
        self.path = path
        self.counts = {"connections": 0, "requests": 0, "resets": 0, "stalls": 0,
                       "upstream_errors": 0, "closes": 0, "wrong_region": 0}
        self.dirty = True

    def add(self, key, n=1):
        self.counts[key] += n
        self.dirty = True

    def write(self):
        if not self.path or not self.dirty:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.counts, f)
        os.replace(tmp, self.path)
        self.dirty = False


class Pacer:
    """Token bucket for one connection's replies: at most `rate` bytes a second on
    average, at most max(BURST, 10 ms of rate) at once. take() may run the bucket into debt (a write is
    up to READ bytes plus a head) and then sleeps the debt off, so the average holds
    whatever the write sizes."""

    def __init__(self, rate):
        self.rate = rate
        self.burst = max(BURST, rate // 100)
        self.tokens = self.burst
        self.last = time.monotonic()

    async def take(self, n):
        if not self.rate:
            return
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate) - n
        self.last = now
        if self.tokens < 0:
            await asyncio.sleep(-self.tokens / self.rate)


class Fault:
    RESET, STALL, WRONG_REGION = "reset", "stall", "wrong-region"


CREDENTIAL_REGION = re.compile(r"Credential=[^/,]+/[0-9]{8}/([^/,]+)/")


def wrong_region_reply(method, bucket, region, kind):
    """S3's answer to a request for `bucket` (in `region`) sent to or signed for another."""
    if kind == "redirect":
        status, headers = "301 Moved Permanently", f"x-amz-bucket-region: {region}\r\n"
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PermanentRedirect</Code>"
                "<Message>The bucket you are attempting to access must be addressed using the "
                f"specified endpoint.</Message><Endpoint>{bucket}.s3.{region}.amazonaws.com"
                f"</Endpoint><Bucket>{bucket}</Bucket><RequestId>fault-proxy</RequestId></Error>")
    else:
        # A HEAD has no body to name the region: S3 puts it in the header then.
        status = "400 Bad Request"
        headers = f"x-amz-bucket-region: {region}\r\n" if method == "HEAD" else ""
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AuthorizationHeaderMalformed"
                "</Code><Message>The authorization header is malformed; the region is wrong; "
                f"expecting '{region}'</Message><Region>{region}</Region>"
                "<RequestId>fault-proxy</RequestId></Error>")
    body = body.encode()
    head = (f"HTTP/1.1 {status}\r\n{headers}Content-Type: application/xml\r\n"
            f"Content-Length: {len(body)}\r\nx-amz-request-id: fault-proxy\r\n\r\n").encode()
    return head if method == "HEAD" else head + body


def parse_head(head):
    """(first line, {lower-case name: value}) of an HTTP head."""
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return lines[0], headers


async def read_head(reader):
    """One HTTP head (up to and including the blank line), or None at a clean EOF."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if e.partial:
            raise ConnectionError("connection closed inside an HTTP head")
        return None


async def body_chunks(reader, headers, until_eof):
    """The raw bytes of a message body, as they arrive, framing included."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            line = await reader.readuntil(b"\r\n")
            yield line
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # Trailers, up to the blank line.
                while True:
                    t = await reader.readuntil(b"\r\n")
                    yield t
                    if t == b"\r\n":
                        return
            left = size + 2  # data and its CRLF
            while left:
                data = await reader.read(min(left, READ))
                if not data:
                    raise ConnectionError("connection closed inside a chunk")
                left -= len(data)
                yield data
    elif "content-length" in headers:
        left = int(headers["content-length"])
        while left:
            data = await reader.read(min(left, READ))
            if not data:
                raise ConnectionError("connection closed inside a body")
            left -= len(data)
            yield data
    elif until_eof:
        while True:
            data = await reader.read(READ)
            if not data:
                return
            yield data


class Proxy:
    def __init__(self, a, stats):
        self.a = a
        self.stats = stats
        self.rng = random.Random(a.seed)
        up = urlsplit(a.upstream)
        self.up_host, self.up_port = up.hostname, up.port or (443 if up.scheme == "https" else 80)
        self.up_ssl = None
        if up.scheme == "https":
            self.up_ssl = ssl.create_default_context(cafile=a.upstream_ca)

    def misdirected(self, line, headers):
        """(bucket, its region) when this request names a bucket of --bucket-region and is
        signed for another region."""
        if not self.a.bucket_region:
            return None
        path = line.split(" ")[1] if line.count(" ") >= 2 else "/"
        host = headers.get("host", "").rsplit(":", 1)[0]
        label = host.split(".", 1)[0]
        if "." in host and label in self.a.bucket_region:  # virtual-hosted: bucket.host
            bucket = label
        else:
            bucket = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        region = self.a.bucket_region.get(bucket)
        signed = CREDENTIAL_REGION.search(headers.get("authorization", ""))
        if region is None or (signed and signed.group(1) == region):
            return None
        return bucket, region

    def draw(self, line):
        if self.a.fault_only and not self.a.fault_only.search(line):
            return None
        x = self.rng.random()
        if x < self.a.reset_rate:
            return Fault.RESET
        if x < self.a.reset_rate + self.a.stall_rate:
            return Fault.STALL
        return None

    async def handle(self, client_r, client_w):
        self.stats.add("connections")
        try:
            up_r, up_w = await asyncio.open_connection(
                self.up_host, self.up_port, ssl=self.up_ssl,
                server_hostname=self.up_host if self.up_ssl else None, limit=1 << 20)
        except OSError as e:
            self.stats.add("upstream_errors")
            log(f"upstream {self.up_host}:{self.up_port}: {e}")
            client_w.transport.abort()
            return
        pending = asyncio.Queue()
        client_gone = asyncio.Event()
        pacer = Pacer(self.a.bandwidth)
        requests = asyncio.create_task(self.requests(client_r, up_w, pending, client_gone))
        replies = asyncio.create_task(self.replies(up_r, client_w, pending, client_gone, pacer))
        try:
            await replies
        except (OSError, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError):
            pass
        finally:
            requests.cancel()
            up_w.transport.abort()
            client_w.transport.abort()

    async def requests(self, client_r, up_w, pending, client_gone):
        """Client -> upstream: forwards each request, drawing its fate."""
        try:
            while True:
                head = await read_head(client_r)
                if head is None:
                    break
                line, headers = parse_head(head)
                self.stats.add("requests")
                misdirected = self.misdirected(line, headers)
                if misdirected:
                    # Answered here: the body is read and dropped, not forwarded.
                    async for _ in body_chunks(client_r, headers, until_eof=False):
                        pass
                    await pending.put((line, (Fault.WRONG_REGION, *misdirected)))
                    continue
                await pending.put((line, self.draw(line)))
                up_w.write(head)
                async for data in body_chunks(client_r, headers, until_eof=False):
                    up_w.write(data)
                    await up_w.drain()
                await up_w.drain()
        except (OSError, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError):
            pass
        finally:
            client_gone.set()
            await pending.put(None)  # wakes replies() if it waits for a request

    async def replies(self, up_r, client_w, pending, client_gone, pacer):
        """Upstream -> client: forwards each reply (paced by `pacer`), or injects the
        fault drawn for it."""
        served = 0
        while True:
            item = await pending.get()
            if item is None:
                return
            line, fault = item
            method = line.split(" ", 1)[0]
            if isinstance(fault, tuple):  # answered here, nothing asked upstream
                _, bucket, region = fault
                self.stats.add("wrong_region")
                log(f"wrong region for bucket {bucket} (in {region}): {line}")
                client_w.write(wrong_region_reply(method, bucket, region,
                                                  self.a.wrong_region_reply))
                await client_w.drain()
                continue
            if fault == Fault.STALL and self.a.stall_at == "first-byte":
                return await self.stall(client_gone, line)
            while True:
                head = await read_head(up_r)
                if head is None:
                    return
                status_line, headers = parse_head(head)
                status = int(status_line.split(" ", 2)[1])
                if 100 <= status < 200 and status != 101:
                    await pacer.take(len(head))
                    client_w.write(head)  # 100 Continue: the reply proper follows
                    continue
                break
            has_body = not (method == "HEAD" or status in (204, 304))
            close_delimited = (has_body and "content-length" not in headers
                               and "chunked" not in headers.get("transfer-encoding", "").lower())
            if fault is None:
                await pacer.take(len(head))
                client_w.write(head)
                if has_body:
                    async for data in body_chunks(up_r, headers, until_eof=True):
                        await pacer.take(len(data))
                        client_w.write(data)
                        await client_w.drain()
                await client_w.drain()
                if close_delimited or headers.get("connection", "").lower() == "close":
                    return
                served += 1
                if self.a.close_after and served >= self.a.close_after:
                    self.stats.add("closes")
                    return  # handle() closes the connection
                continue
            # A fault: forward part of the reply, then reset or stall.
            length = int(headers.get("content-length", "0")) if has_body else 0
            if has_body and length == 0 and "content-length" not in headers:
                length = 2  # chunked or close-delimited: cut inside the first bytes
            if length == 0:
                partial = head[:len(head) // 2]
            else:
                partial = head
                want = max(1, length // 2)
                async for data in body_chunks(up_r, headers, until_eof=True):
                    partial += data[:want]
                    want -= min(want, len(data))
                    if want == 0:
                        break
            client_w.transport.set_write_buffer_limits(0)  # drain() = all flushed
            await pacer.take(len(partial))
            client_w.write(partial)
            await client_w.drain()
            if fault == Fault.STALL:
                return await self.stall(client_gone, line)
            await asyncio.sleep(0.02)  # let the partial reply reach the client first
            self.stats.add("resets")
            log(f"reset after {len(partial)} bytes of the reply: {line}")
            sock = client_w.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client_w.transport.abort()
            return

    async def stall(self, client_gone, line):
        self.stats.add("stalls")
        self.stats.write()  # at once: a test waits for a stall to begin before it acts
        log(f"stall ({self.a.stall_at}, up to {self.a.stall_seconds:g} s): {line}")
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(client_gone.wait(), self.a.stall_seconds)
            log(f"stalled client gave up after {time.monotonic() - t0:.1f} s: {line}")
        except asyncio.TimeoutError:
            log(f"stall ended after {self.a.stall_seconds:g} s, closing: {line}")


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} fault-proxy: {msg}", file=sys.stderr, flush=True)


def fraction(s):
    x = float(s)
    if not 0 <= x <= 1:
        raise argparse.ArgumentTypeError(f"{s} is not in [0, 1]")
    return x


async def main_async(a):
    stats = Stats(a.stats)
    proxy = Proxy(a, stats)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
    host, _, port = a.listen.rpartition(":")
    server = await asyncio.start_server(proxy.handle, host or "127.0.0.1", int(port), ssl=ctx,
                                        limit=1 << 20, backlog=1024, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    stats.write()
    if a.ready:
        with open(a.ready, "w") as f:
            f.write(f"{os.getpid()}\n")
    log(f"listening on https://{a.listen} -> {a.upstream} (reset rate {a.reset_rate:g}, "
        f"stall rate {a.stall_rate:g} at {a.stall_at} for {a.stall_seconds:g} s, seed {a.seed}, "
        f"bandwidth {f'{a.bandwidth} B/s per connection' if a.bandwidth else 'unlimited'})")
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except asyncio.TimeoutError:
            pass
        stats.write()
    server.close()
    stats.dirty = True
    stats.write()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listen", required=True, help="127.0.0.1:PORT")
    p.add_argument("--upstream", required=True, help="http://HOST:PORT or https://HOST:PORT")
    p.add_argument("--upstream-ca", help="CA bundle that verifies an https upstream")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--reset-rate", type=fraction, default=0.0)
    p.add_argument("--stall-rate", type=fraction, default=0.0)
    p.add_argument("--stall-seconds", type=float, default=300.0)
    p.add_argument("--stall-at", choices=("first-byte", "mid-body"), default="first-byte")
    p.add_argument("--fault-only", type=re.compile, default=None, metavar="REGEX",
                   help="draw faults only for request lines matching REGEX")
    p.add_argument("--close-after", type=int, default=0, metavar="N")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--bandwidth", type=int, default=0, metavar="BYTES_PER_SECOND",
                   help="cap on each connection's replies (default 0 = none)")
    p.add_argument("--bucket-region", action="append", default=[], metavar="BUCKET=REGION",
                   help="answer requests for BUCKET signed for another region as S3 does")
    p.add_argument("--wrong-region-reply", choices=("redirect", "malformed"), default="redirect")
    p.add_argument("--stats", help="JSON counts, rewritten once a second")
    p.add_argument("--ready", help="file written once listening")
    a = p.parse_args()
    regions = {}
    for item in a.bucket_region:
        bucket, sep, region = item.partition("=")
        if not sep or not bucket or not region:
            p.error(f"--bucket-region {item}: expected BUCKET=REGION")
        regions[bucket] = region
    a.bucket_region = regions
    if a.bandwidth < 0:
        p.error("--bandwidth must not be negative")
    if a.reset_rate + a.stall_rate > 1:
        p.error("--reset-rate + --stall-rate must not exceed 1")
    if not a.listen.startswith("127.0.0.1:"):
        p.error("--listen: only 127.0.0.1:PORT")
    asyncio.run(main_async(a))


if __name__ == "__main__":
    main()
