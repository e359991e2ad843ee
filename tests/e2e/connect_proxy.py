"""An HTTP proxy on 127.0.0.1 that opens CONNECT tunnels, as squid does for https:// URLs:
what s3loop's HTTPS_PROXY talks to in the tests. It records every tunnel's target; it can
demand Basic credentials (407 without them or with others), refuse every tunnel with a
status of its choosing, or read CONNECT and never answer; it can answer a tunnel with a
reply of its own bytes (`established`), or connect it elsewhere than asked (`tunnel_to`)."""

import base64
import socket
import threading


class ConnectProxy:
    def __init__(self, credentials=None, refuse=None, silent=False,
                 established=b"HTTP/1.1 200 Connection established\r\n\r\n", tunnel_to=None):
        self.credentials = credentials
        self.refuse = refuse
        self.silent = silent
        self.established = established
        self.tunnel_to = tunnel_to  # (host, port) instead of the target asked for
        self.tunnels = []  # "host:port" of every tunnel opened
        self.requests = 0  # CONNECT requests read
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
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            if self.credentials is not None:
                wanted = "Basic " + base64.b64encode(self.credentials.encode()).decode()
                if headers.get("proxy-authorization") != wanted:
                    conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                                 b'Proxy-Authenticate: Basic realm="test"\r\n'
                                 b"Content-Length: 0\r\n\r\n")
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
