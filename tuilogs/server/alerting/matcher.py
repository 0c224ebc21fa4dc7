"""Rule queries matched in a child process that follows the store, off the router's GIL.

Done in the router's own process, ten rules halved ingest (bench_alerts.py: 71k → 34k
lines/s). So the router does none of it: after each commit it only says "app A has lines up to
id N" (`AlertEngine.offer`), and a child process reads the new lines of A from the store by id,
as a tail does — SQLite writes each line's text, so Python only joins bytes into one block
(`core.batch_match.LineBlock`) — runs every rule's query over it in bulk (`match_all`), and
answers how many lines each rule matched in each stored batch, with the time the router
received it (the `batches` table). The windows stay in the router (`engine`, `windows`).

Costs (benchmarks/bench_alert_match.py, CPU µs a line, 50,000 genlogs lines): reading and
joining ~2; the ten rules of bench_alerts.py ~3.5-4 more (the explorer's own scan, rule by
rule: ~6.5). What costs ingest is not mainly the matching, though: with one rule that matches
every line and the lines read but not matched, bench_alerts.py still measured +20-27 % ingest
time on this 2-core machine, against none when the child reads nothing — the child's reads of
the store while the router writes it are what the router feels, not its CPU (a nice-19 busy
loop beside the router cost nothing measurable).

The child runs at the lowest CPU priority: when the machine is short of CPU, storing lines
comes first and alerts come late; a backlog is read in larger blocks, which cost less a line.
(SCHED_IDLE rather than nice 19 did not help: a SCHED_IDLE busy loop slowed ingest more.)
It is started when there are rules (a router without any has none), with `spawn`
(the router runs threads: forking one is unsafe), and again if it dies.

Lines the rules must not count: the rules' own notices (`heroku[tuilogs]`).
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import multiprocessing
import os
import re
import sqlite3
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from tuilogs.core.batch_match import LineBlock, match_all
from tuilogs.core.query import Query, parse_query
from tuilogs.core.record import LINE_BREAKS, decode, one_line

from .windows import NOTICE

log = logging.getLogger("tuilogs.server.alerts")

MAX_LINES = 50_000  # read at most this many lines per request (more batches wait their turn)

# (new cursor, [(received_at, [matches of each query in that batch])...]) for one app
Evaluation = tuple[int, list[tuple[float, list[int]]]]

_BATCHES = (
    "select first_id, last_id, received_at from batches"
    " where app = ? and last_id > ? order by first_id limit 10000"
)
# Each line as `LogRecord.line` writes it (`ts source[dyno]: message`, or the message of a raw
# line), as UTF-8 bytes; `_one_line` escapes the rare line breaks inside.
_LINES = (
    "select id, cast(case when source = '' then message"
    " else ts || ' ' || source || '[' || dyno || ']: ' || message end as blob) from lines"
    " where app = ? and id > ? and id <= ? and not (source = ? and dyno = ?) order by id limit ?"
)
READ_LINES = 2_000  # lines one read takes (one short transaction: see `_rows`)
# What `one_line` escapes, but LF (which joins the block), in UTF-8.
_BREAKS = re.compile(b"|".join(re.escape(c.encode()) for c in LINE_BREAKS if c != "\n"))


def _taken(batches: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The first batches that hold at most MAX_LINES lines together (at least one)."""
    out, lines = [], 0
    for batch in batches:
        lines += batch[1] - batch[0] + 1
        if out and lines > MAX_LINES:
            break
        out.append(batch)
    return out


def evaluate(
    conn: sqlite3.Connection,
    app: str,
    after: int,
    queries: Sequence[str],
    cache: dict[str, Query],
) -> Evaluation:
    """The stored batches of `app` after id `after` (up to MAX_LINES lines), matched."""
    batches = _taken(conn.execute(_BATCHES, (app, after)).fetchall())
    if not batches:
        return after, []
    rows = _rows(conn, app, after, batches[-1][1])
    ids, lines = zip(*rows, strict=True) if rows else ((), ())
    return matched(batches, ids, lines, queries, cache)


def matched(
    batches: list[tuple[int, int, float]],
    ids: Sequence[int],
    lines: Sequence[bytes],
    queries: Sequence[str],
    cache: dict[str, Query],
) -> Evaluation:
    """The lines of `batches` (first id, last id, received at), by id and as UTF-8 text
    (`LogRecord.line`, without the rules' own notices), counted per query and per batch:
    the matching every store's reader shares."""
    block = _block(lines)
    ends = [bisect.bisect_right(ids, last) for _, last, _ in batches]
    parsed = []
    for q in queries:
        query = cache.get(q)
        if query is None:
            query = cache[q] = parse_query(q)
        parsed.append(query)
    per_query = []
    for found in match_all(parsed, block):
        counts, start = [], 0
        for end in ends:
            stop = bisect.bisect_left(found, end, start)
            counts.append(stop - start)
            start = stop
        per_query.append(counts)
    timed = [(b[2], [counts[i] for counts in per_query]) for i, b in enumerate(batches)]
    return batches[-1][1], timed


def _rows(conn: sqlite3.Connection, app: str, after: int, last: int) -> list[tuple[int, bytes]]:
    """The app's lines after id `after` up to `last`, READ_LINES at a time, each read its own
    transaction. A read holds a snapshot of the store, and the router's upkeep, to start the
    WAL over, holds the writer lock until the snapshots on the old WAL are gone (up to 0.2 s,
    `sqlite_upkeep.RESET_WAIT`); this process, at the lowest priority, can be kept off the CPU
    in the middle of a read, so a read of 50,000 lines could stall ingest that long at every
    reset. One of 2,000 lines lasts a millisecond or two. (Not measurable alone in
    bench_alerts.py, where reading the lines at all is what costs ingest: see the module doc.)
    """
    rows: list[tuple[int, bytes]] = []
    while True:
        part = conn.execute(_LINES, (app, after, last, *NOTICE, READ_LINES)).fetchall()
        rows += part
        if len(part) < READ_LINES:
            return rows
        after = part[-1][0]


def _block(lines: Sequence[bytes]) -> LineBlock:
    """The lines as one block, with the line breaks inside a line escaped as `LogRecord.line`
    escapes them (rare: one pass over the whole block finds none)."""
    data = b"\n".join([*lines, b""]) if lines else b""
    if data.count(b"\n") != len(lines) or _BREAKS.search(data) is not None:
        lines = [
            one_line(decode(line)).encode() if b"\n" in line or _BREAKS.search(line) else line
            for line in lines
        ]
        data = b"\n".join([*lines, b""]) if lines else b""
    return LineBlock(data, lines)


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    conn.execute("pragma query_only=1")
    return conn


def _serve(conn: Connection, path: str, connect=_connect, evaluate=evaluate) -> None:
    """The child: answer each (app, after, queries) with ("ok", Evaluation) or ("error", text)."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(19)
    cache: dict[str, Query] = {}
    db = connect(path)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            conn.send(("ok", evaluate(db, *message, cache)))
        except Exception as exc:  # the store failed, or a bug: told to the router, which logs it
            conn.send(("error", repr(exc)))


class StoreMatcher:
    """The child process reading the SQLite store at `path`; one caller at a time."""

    # how the child (or the router, when no child can run) opens the store and reads it:
    # module functions, so `spawn` can pass them; PostgreSQL's in `pg_matcher`
    connect = staticmethod(_connect)
    read = staticmethod(evaluate)

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._conn: Connection | None = None
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._lock = threading.Lock()
        self._local: sqlite3.Connection | None = None
        self._cache: dict[str, Query] = {}

    def _start(self) -> Connection:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=_serve,
            args=(child, self.path, self.connect, self.read),
            name="tuilogs-alert-match",
            daemon=True,
        )
        proc.start()
        child.close()
        self._conn, self._proc = parent, proc
        return parent

    def warm(self) -> None:
        """Start the child now (rules exist), not when the first batch waits for it."""
        with self._lock:
            if self._conn is None:
                self._start()

    def evaluate(self, app: str, after: int, queries: Sequence[str]) -> Evaluation:
        """The app's batches after id `after`, matched against `queries` (see `evaluate`)."""
        with self._lock:
            for _ in range(2):
                try:
                    conn = self._conn or self._start()
                    conn.send((app, after, list(queries)))
                    kind, value = conn.recv()
                except (EOFError, OSError) as exc:
                    log.warning("alert matcher process failed (%r); starting another", exc)
                    self._stop()
                    continue
                if kind == "error":
                    raise RuntimeError(f"alert matcher: {value}")
                return value
            log.error("alert matcher process unavailable: matching in the router")
            if self._local is None:
                self._local = self.connect(self.path)
            return self.read(self._local, app, after, queries, self._cache)

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
            if self._local is not None:
                self._local.close()
