"""An HTTP proxy on 127.0.0.1 that opens CONNECT tunnels, as squid does for https:// URLs, and
forwards requests written with their whole URL (absolute-form), as it does for http:// ones:
what s3loop's HTTPS_PROXY and HTTP_PROXY talk to in the tests. It records every tunnel's
target and every forwarded request's line; it can demand Basic credentials (407 without them
or with others), refuse every tunnel or request with a status of its choosing, read the
first request and never answer, or close the connection on a forwarded request unanswered
(`hang_up`), or refuse forwarded requests of one method only (`refuse_only`); it can answer a tunnel with a reply of its own bytes (`established`), or connect
it elsewhere than asked (`tunnel_to`)."""

import base64
import http.client
import socket
import threading
from urllib.parse import urlsplit


class ConnectProxy:
    def __init__(self, credentials=None, refuse=None, silent=False,
                 established=b"HTTP/1.1 200 Connection established\r\n\r\n", tunnel_to=None,
                 hang_up=False, refuse_only=None):
        self.credentials = credentials
        self.refuse_only = refuse_only  # a method: forwarded requests of others are not refused
        self.hang_up = hang_up  # close a connection on a forwarded request, unanswered
        self.refuse = refuse
        self.silent = silent
        self.established = established
        self.tunnel_to = tunnel_to  # (host, port) instead of the target asked for
        self.tunnels = []  # "host:port" of every tunnel opened
        self.forwarded = []  # (method, absolute URL, Host header) of every request forwarded
        self.requests = 0  # first requests read on a connection (CONNECT or forwarded)
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, userinfo=""):
        return f"http://{userinfo}127.0.0.1:{self.port}"

    def close(self):
        self.closed.set()
        self.sock.close()

    def _accept(self):
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            with self.lock:
                self.requests += 1
            if self.silent:
                self.closed.wait(60)
                return
            if method != "CONNECT":
                if target.startswith("http://"):
                    self._forward(conn, head)
                else:
                    conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            if not self._authorized(conn, headers):
                return
            if self.refuse is not None:
                conn.sendall(f"HTTP/1.1 {self.refuse}\r\nContent-Length: 0\r\n\r\n".encode())
                return
            host, _, port = target.rpartition(":")
            address = self.tunnel_to or (host.strip("[]"), int(port))
            try:
                upstream = socket.create_connection(address, timeout=10)
            except OSError:
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            upstream.settimeout(None)
            with self.lock:
                self.tunnels.append(target)
            conn.sendall(self.established)
            with upstream:
                pump = threading.Thread(target=_pump, args=(upstream, conn), daemon=True)
                pump.start()
                _pump(conn, upstream)
                pump.join()

    def _authorized(self, conn, headers):
        """True when the request may pass; else answers it 407 and the connection ends."""
        if self.credentials is None:
            return True
        wanted = "Basic " + base64.b64encode(self.credentials.encode()).decode()
        if headers.get("proxy-authorization") == wanted:
            return True
        conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                     b'Proxy-Authenticate: Basic realm="test"\r\n'
                     b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        return False

    def _forward(self, conn, pending):
        """Forwards each request on `conn` (absolute-form, keep-alive) to the server its URL
        names, over one kept-alive connection to it, and sends back its reply whole."""
        upstream = None
        try:
            while True:
                while b"\r\n\r\n" not in pending:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    pending += chunk
                head, pending = pending.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = []
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers.append((name.strip(), value.strip()))
                named = {name.lower(): value for name, value in headers}
                length = int(named.get("content-length", "0"))
                while len(pending) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    pending += chunk
                body, pending = pending[:length], pending[length:]
                if not target.startswith("http://"):
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                    return
                with self.lock:
                    self.forwarded.append((method, target, named.get("host")))
                if not self._authorized(conn, named):
                    return
                if self.hang_up:
                    return
                if self.refuse is not None and self.refuse_only in (None, method):
                    conn.sendall(f"HTTP/1.1 {self.refuse}\r\nContent-Length: 0\r\n\r\n"
                                 .encode())
                    continue
                url = urlsplit(target)
                if upstream is not None and (upstream.host, upstream.port) != (
                        url.hostname, url.port or 80):
                    upstream.close()
                    upstream = None
                if upstream is None:
                    upstream = http.client.HTTPConnection(url.hostname, url.port or 80,
                                                          timeout=30)
                path = url.path + ("?" + url.query if url.query else "")
                upstream.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    if name.lower() not in ("proxy-authorization", "proxy-connection"):
                        upstream.putheader(name, value)
                try:
                    upstream.endheaders(body)
                    reply = upstream.getresponse()
                    reply_body = reply.read()
                except (OSError, http.client.HTTPException):
                    upstream.close()
                    upstream = None
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    continue
                out = [f"HTTP/1.1 {reply.status} {reply.reason}"]
                for name, value in reply.getheaders():
                    if name.lower() in ("transfer-encoding", "connection"):
                        continue
                    if name.lower() == "content-length" and method != "HEAD":
                        continue
                    out.append(f"{name}: {value}")
                if method != "HEAD":
                    out.append(f"Content-Length: {len(reply_body)}")
                conn.sendall(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + reply_body)
        except OSError:
            return
        finally:
            if upstream is not None:
                upstream.close()


def _pump(source, sink):
    """Bytes from source to sink until source ends; then ends sink's sending side."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass
