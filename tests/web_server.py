"""A small HTTP server on a loopback address, for the fetcher's tests: pages, redirects and
servers that misbehave (trickle, send without end, hang after their headers)."""

from __future__ import annotations

import contextlib
import functools
import select
import socket
import socketserver
import threading
import time
import zlib
from collections import Counter
from urllib.parse import parse_qs, urlsplit

PAGE = (
    b"<html><head><title>Seals</title></head><body><article><h1>Seals</h1>"
    b"<p>Harbour seals have returned to the Thames in numbers not seen for decades.</p>"
    b"</article></body></html>"
)
HOLD_SECONDS = 10.0
"""How long a server that hangs waits before giving up (the client should leave first)."""
ENDLESS_LIMIT = 1024**3


@functools.cache
def bomb() -> bytes:
    """256 MiB of zeros, gzip-compressed (about 256 kB), made without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    zeros = bytes(2**20)
    return b"".join(packer.compress(zeros) for _ in range(256)) + packer.flush()


class LocalServer(socketserver.ThreadingTCPServer):
    """Serves, on `host`:

    - `/page`: a small HTML page;
    - `/redirect/N`: a relative redirect to `/redirect/N-1`, and `/redirect/0` to `/page`;
    - `/to?url=U`: a redirect to `U`;
    - `/trickle`: headers, then one byte of body every 0.5 s;
    - `/trickle-headers`: the status line, then one byte of headers every 0.5 s;
    - `/endless`: a body without end and without a Content-Length;
    - `/bomb`: 256 MB of zeros, gzip-compressed to about 256 kB;
    - `/image`: the headers of a PNG, then nothing;
    - `/declared-huge`: headers announcing 10 GB, then nothing;
    - anything else: 404.

    `hits` counts requests by path; `sent[path]` is how much body a response sent.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.sent: dict[str, int] = {}
        self.done = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(socketserver.StreamRequestHandler):
    server: LocalServer

    def handle(self) -> None:
        request = self.rfile.readline().decode("latin-1").split()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        if len(request) < 2:
            return
        target = request[1]
        self.server.hits[target] += 1
        path = urlsplit(target).path
        with contextlib.suppress(OSError):  # the client left
            self._answer(path, target)

    def _answer(self, path: str, target: str) -> None:
        if path == "/page":
            self._send(200, "text/html; charset=utf-8", PAGE)
        elif path.startswith("/redirect/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect(f"/redirect/{left - 1}" if left > 0 else "/page")
        elif path == "/to":
            self._redirect(parse_qs(urlsplit(target).query)["url"][0])
        elif path == "/trickle":
            self._head(200, "text/html")
            self._trickle(b"<p>" + b"a" * 1000)
        elif path == "/trickle-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._trickle(b"Content-Type: text/html\r\n" * 40)
        elif path == "/endless":
            self._head(200, "text/html")
            self._endless(path)
        elif path == "/bomb":
            self._send_gzip(bomb())
        elif path == "/image":
            self._head(200, "image/png", length=10**6)
            self._hold()
        elif path == "/declared-huge":
            self._head(200, "text/html", length=10 * 1024**3)
            self._hold()
        else:
            self._send(404, "text/html", b"not found")

    def _head(self, status: int, kind: str, *, length: int | None = None, extra: str = "") -> None:
        reasons = {200: "OK", 302: "Found", 404: "Not Found"}
        head = f"HTTP/1.1 {status} {reasons[status]}\r\nContent-Type: {kind}\r\n{extra}"
        if length is not None:
            head += f"Content-Length: {length}\r\n"
        self.wfile.write((head + "Connection: close\r\n\r\n").encode("latin-1"))

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self._head(status, kind, length=len(body))
        self.wfile.write(body)

    def _send_gzip(self, body: bytes) -> None:
        self._head(200, "text/html", length=len(body), extra="Content-Encoding: gzip\r\n")
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._head(302, "text/html", length=0, extra=f"Location: {location}\r\n")

    def _trickle(self, data: bytes) -> None:
        for i in range(len(data)):
            self.wfile.write(data[i : i + 1])
            if self._hold(0.5):
                return

    def _endless(self, path: str) -> None:
        chunk, sent = b"a" * 65536, 0
        try:
            while sent < ENDLESS_LIMIT:
                self.wfile.write(chunk)
                sent += len(chunk)
        finally:
            self.server.sent[path] = sent
            self.server.done.set()

    def _hold(self, seconds: float = HOLD_SECONDS) -> bool:
        """Wait `seconds`, or until the client closes the connection (then True)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], left)
            if readable and not self.connection.recv(1024):
                return True
        return False
