"""Rule queries matched over a block of lines in a child process, off the router's GIL.

Matching costs ~15 µs a line for ten typical rules (`level>=error` confirms each candidate
line in Python; field terms compare each value), as much as the router's whole ingest path:
in the router's own process it halved ingest (bench_alerts.py: 71k → 34k lines/s). So the
router only turns a batch into one block of bytes (~0.5 µs a line) and hands it over a pipe;
a child process indexes it (`core.batch_match.LineBlock`), runs every rule's query and sends
back how many lines of each batch each rule matched. The windows stay in the router.

The child is started when the first block needs it (a router without rules has none), with
the `spawn` method (the router runs threads: forking one is unsafe), and started again if it
dies; if it cannot be, the block is matched in the router's process rather than not at all.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection

from tuilogs.core.batch_match import LineBlock, matching
from tuilogs.core.query import Query, parse_query

log = logging.getLogger("tuilogs.server.alerts")

Counts = list[list[int]]  # per query, the matches in each batch of the block


def count_matches(
    queries: Sequence[str], data: bytes, ends: Sequence[int], cache: dict[str, Query]
) -> Counts:
    """For each query, how many lines of each batch it matches; batch i of the block is its
    lines [ends[i-1], ends[i]). `cache` keeps parsed queries between blocks."""
    block = LineBlock(data)
    out = []
    for text in queries:
        query = cache.get(text)
        if query is None:
            query = cache[text] = parse_query(text)
        found = matching(query, block)
        counts, start = [], 0
        for end in ends:
            stop = bisect.bisect_left(found, end, start)
            counts.append(stop - start)
            start = stop
        out.append(counts)
    return out


def _serve(conn: Connection) -> None:
    """The child: answer each (queries, data, ends) with ("ok", counts) or ("error", text).

    At the lowest CPU priority: when the machine is short of CPU, storing lines comes first
    and alerts come late (a backlog is matched in larger blocks, which costs less a line)."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(19)
    cache: dict[str, Query] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            conn.send(("ok", count_matches(*message, cache)))
        except Exception as exc:  # a bug: said to the router, which logs it
            conn.send(("error", repr(exc)))


class MatchProcess:
    """The child process and its pipe; `counts` is called from one thread at a time."""

    def __init__(self) -> None:
        self._conn: Connection | None = None
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._lock = threading.Lock()
        self._local_cache: dict[str, Query] = {}

    def _start(self) -> Connection:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child,), name="tuilogs-alert-match", daemon=True)
        proc.start()
        child.close()
        self._conn, self._proc = parent, proc
        return parent

    def counts(self, queries: Sequence[str], data: bytes, ends: Sequence[int]) -> Counts:
        with self._lock:
            for _ in range(2):
                try:
                    conn = self._conn or self._start()
                    conn.send((list(queries), data, list(ends)))
                    kind, value = conn.recv()
                except (EOFError, OSError) as exc:
                    log.warning("alert matcher process failed (%r); starting another", exc)
                    self._stop()
                    continue
                if kind == "error":
                    raise RuntimeError(f"alert matcher: {value}")
                return value
        log.error("alert matcher process unavailable: matching in the router")
        return count_matches(queries, data, ends, self._local_cache)

    def _stop(self) -> None:
        conn, proc, self._conn, self._proc = self._conn, self._proc, None, None
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
            conn.close()
        if proc is not None:
            proc.join(2)
            if proc.is_alive():
                proc.kill()
                proc.join(2)

    def close(self) -> None:
        with self._lock:
            self._stop()
