"""HTTP/1.1 over a plain socket, for requests no HTTP client will send: any byte of Latin-1 in
a header value, a `Content-Length` of 5,000 digits, a head that never ends.

`raw_request` sends one request on a fresh connection (`Connection: close`) and reads the
answer to EOF; `open_partial` leaves a connection with half a request head on it.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def address(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)


def parse_response(data: bytes) -> RawResponse:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return RawResponse(status, headers, body)


def _encode(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def raw_request(
    base_url: str,
    method: str,
    target: str,
    headers: list[tuple[str | bytes, str | bytes]],
    body: bytes = b"",
    *,
    content_length: bool = True,
    timeout: float = 15.0,
) -> RawResponse:
    """Send exactly these headers (str values as Latin-1, or UTF-8 beyond it; `Host`,
    `Connection: close` and, unless `content_length=False`, `Content-Length` added) and
    return the answer."""
    host, port = address(base_url)
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), f"Host: {host}".encode()]
    for name, value in headers:
        n = name.encode("latin-1") if isinstance(name, str) else name
        v = _encode(value) if isinstance(value, str) else value
        lines.append(n + b": " + v)
    if content_length:
        lines.append(b"Content-Length: %d" % len(body))
    lines.append(b"Connection: close")
    request = b"\r\n".join(lines) + b"\r\n\r\n" + body
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return parse_response(b"".join(chunks))


def open_partial(
    base_url: str, data: bytes = b"GET /apps HTTP/1.1\r\nHost: x\r\nX-"
) -> socket.socket:
    """A connection that sent `data` (half a request head) and says no more."""
    s = socket.create_connection(address(base_url), timeout=15)
    s.sendall(data)
    return s
