"""HTTP over a bare socket for the resource attacks a client library would smooth over: a reader that
stalls with a tiny receive buffer, and the exact chunks a streamed answer was written in."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit


def request(url: str, headers: dict[str, str] | None = None, rcvbuf: int | None = None):
    """A socket that has sent `GET url` (HTTP/1.1, Connection: close) and read nothing yet."""
    parts = urlsplit(url)
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect((parts.hostname, parts.port))
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def chunk_sizes(url: str, headers: dict[str, str] | None = None) -> tuple[int, list[int]]:
    """GET `url` and return its status and the sizes of the chunks of its chunked body, in
    order: each is one piece the server wrote (a `yield` of a streamed answer). The body is
    counted, not kept."""
    sock = request(url, headers)
    with sock:
        reader = sock.makefile("rb")
        status = int(reader.readline().split(b" ", 2)[1])
        head = b""
        while (line := reader.readline()) not in (b"\r\n", b""):
            head += line
        assert b"transfer-encoding: chunked" in head.lower(), head
        sizes = []
        while size := int(reader.readline().split(b";")[0], 16):
            sizes.append(size)
            while size:
                size -= len(reader.read(min(size, 1 << 16)))
            reader.readline()  # the CRLF after the chunk
        reader.close()
    return status, sizes


class StalledReader:
    """A streaming GET that reads nothing (4 KiB receive buffer) until `resume`, then reads in
    a thread until it has seen `marker`."""

    def __init__(self, url: str) -> None:
        self.sock = request(url, rcvbuf=4096)
        self.data = bytearray()
        self.seen = threading.Event()
        self._thread: threading.Thread | None = None

    def resume(self, marker: bytes) -> None:
        def read() -> None:
            while not self.seen.is_set():
                try:
                    chunk = self.sock.recv(1 << 20)
                except OSError:
                    return
                if not chunk:
                    return
                self.data += chunk
                if marker in self.data[-(len(chunk) + len(marker)) :]:
                    self.seen.set()

        self._thread = threading.Thread(target=read, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.sock.close()
        if self._thread is not None:
            self._thread.join(10)


def wait_for(condition, timeout: float = 20.0, what: str = "condition") -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
