"""`cmd | tuilogs ingest myapp --dyno web.1`: stdout lines become app lines of that dyno.

Lines go to a running router's drain endpoint (found via `router.json`), batched and framed as
Logplex does, so tails and forwarders see them; with no router running they are appended to
the store directly. A batch is flushed when it is large or 100 ms old, so interactive output
shows up promptly. Retries reuse the batch's `Logplex-Frame-Id`, so nothing is stored twice.

A line longer than 10,000 bytes becomes several lines of at most 10,000 bytes, cut between
UTF-8 characters, as Heroku splits long messages. The input is read a piece at a time, so a
line of any length (a 1 GiB JSON blob on one line) costs at most a piece of memory.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Iterator
from typing import BinaryIO

import httpx

from tuilogs.core import locations as paths
from tuilogs.core.logplex_batch import LogplexBatch
from tuilogs.core.record import LogRecord, decode, log_timestamp
from tuilogs.server.auth import load_or_create_token
from tuilogs.server.store import StoreError
from tuilogs.server.store.sqlite import SQLiteStore

log = logging.getLogger("tuilogs.server.ingest")

MAX_BATCH_LINES = 500
MAX_BATCH_BYTES = 256 * 1024
FLUSH_SECONDS = 0.1
MAX_LINE = 10_000  # Heroku splits messages at 10,000 bytes
QUEUED_PIECES = 1_000  # read ahead of the sender: at most ~10 MB of pieces waiting


class _HttpSink:
    def __init__(self, base_url: str, app: str, token: str) -> None:
        self.url = f"{base_url.rstrip('/')}/drains/{app}"
        self.client = httpx.Client(auth=("tuilogs", token), timeout=30.0)

    def send(self, records: list[LogRecord]) -> None:
        batch = LogplexBatch(records)  # one frame id for every retry: stored once
        body, headers = batch.body, {**batch.headers(), "User-Agent": "tuilogs-ingest"}
        delay = 0.2
        for attempt in range(8):
            try:
                resp = self.client.post(self.url, content=body, headers=headers)
            except httpx.TransportError as exc:
                err = str(exc)
            else:
                if resp.status_code < 300:
                    return
                if resp.status_code < 500 and resp.status_code != 429:
                    raise RuntimeError(f"router refused the batch: {resp.status_code} {resp.text}")
                err = f"{resp.status_code}"
            log.warning("ingest: send failed (%s), retry %d", err, attempt + 1)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
        raise RuntimeError("router unreachable; batch not stored")

    def close(self) -> None:
        self.client.close()


class _StoreSink:
    def __init__(self, app: str) -> None:
        self.app = app
        self.store = SQLiteStore(paths.store_path())

    def send(self, records: list[LogRecord]) -> None:
        delay = 0.2
        for _ in range(8):
            try:
                self.store.append(self.app, records)
                return
            except StoreError as exc:
                log.warning("ingest: store write failed (%s), retrying", exc)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        raise RuntimeError("store unavailable; batch not stored")

    def close(self) -> None:
        self.store.close()


def _open_sink(app: str, base_url: str | None, token: str | None) -> _HttpSink | _StoreSink:
    """The router given, else the running one (`router.json`), else the store file."""
    if base_url is None:
        info = paths.discover()
        base_url = info["base_url"] if info else None
    if base_url:
        return _HttpSink(base_url, app, token or load_or_create_token())
    return _StoreSink(app)


def _utf8_cut(data: bytes) -> int:
    """Where to cut `data` so that no UTF-8 character is split: before an incomplete one at
    its end, else at its end (bytes that are not UTF-8 are cut anywhere)."""
    n = len(data)
    for back in range(1, min(4, n) + 1):
        byte = data[n - back]
        if byte < 0x80:  # ASCII: the last character is complete
            return n
        if byte >= 0xC0:  # the lead byte of the last character: does it have all its bytes?
            size = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return n - back if size > back else n
    return n


def pieces(stream: BinaryIO, limit: int = MAX_LINE) -> Iterator[bytes]:
    """`stream`'s lines without their LF (or CRLF), each cut into pieces of at most `limit`
    (>= 4) bytes on UTF-8 character boundaries; reads at most `limit` bytes at a time."""
    carry = b""  # what a cut left for the next piece: a split character (<= 3 bytes) or a CR
    was_cut = False  # the previous piece was cut from a line: an LF right after it ends no line
    while True:
        data = stream.readline(limit - len(carry))
        if not data:
            if carry.rstrip(b"\r"):
                yield carry.rstrip(b"\r")
            return
        data, carry = carry + data, b""
        if data.endswith(b"\n"):
            line = data[:-2] if data.endswith(b"\r\n") else data[:-1]
            if line or not was_cut:
                yield line
            was_cut = False
        elif len(data) < limit:  # the last line, without an LF: the stream ended
            yield data.rstrip(b"\r")
        else:
            cut = _utf8_cut(data)
            if cut == len(data) and data.endswith(b"\r"):
                cut -= 1  # maybe a CRLF cut in two: the next read says
            data, carry = data[:cut], data[cut:]
            yield data
            was_cut = True


def _read_pieces(stream: BinaryIO) -> queue.Queue[bytes | None]:
    """`stream`'s pieces, read on a thread (None at EOF), so batches flush by age meanwhile."""
    lines: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED_PIECES)

    def reader() -> None:
        try:
            for piece in pieces(stream):
                lines.put(piece)
        finally:
            lines.put(None)

    threading.Thread(target=reader, name="tuilogs-ingest-reader", daemon=True).start()
    return lines


def run_ingest(
    app: str,
    dyno: str,
    source: str = "app",
    stream: BinaryIO | None = None,
    base_url: str | None = None,
    token: str | None = None,
) -> int:
    """Read lines from `stream` (default stdin) until EOF; returns how many were stored.

    `base_url`/`token` force a router; by default the one in `router.json`, else the store.
    """
    sink = _open_sink(app, base_url, token)
    lines = _read_pieces(stream if stream is not None else sys.stdin.buffer)
    total = 0
    batch: list[LogRecord] = []
    size = 0
    deadline = None
    try:
        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            aged = False
            try:
                raw = lines.get(timeout=timeout)
            except queue.Empty:
                aged = True  # flush on age
            else:
                if raw is None:
                    break
                batch.append(LogRecord(log_timestamp(), source, dyno, decode(raw)))
                size += len(raw) + 64
                if deadline is None:
                    deadline = time.monotonic() + FLUSH_SECONDS
            if batch and (aged or len(batch) >= MAX_BATCH_LINES or size >= MAX_BATCH_BYTES):
                sink.send(batch)
                total += len(batch)
                batch, size, deadline = [], 0, None
        if batch:
            sink.send(batch)
            total += len(batch)
    finally:
        sink.close()
    return total
