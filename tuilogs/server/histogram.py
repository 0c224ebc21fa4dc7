"""The histogram extension: lines and trouble lines per time bucket and origin, over an app's
whole stored history (or a time range), for the explorer's histogram strip.

The numbers use the explorer's own definitions (a line's time from `core/stamp_seconds.py`, trouble
from `core/trouble.py`), read through `LogStore.lines` a page at a time, so any store serves
them. They are kept per (app, filters) as counts per origin and second for the lines up to an
id: a later request reads only the lines stored since, and the buckets are summed from the
counts (their number is the number of distinct seconds, not of lines). The first request over
a million lines takes a few seconds; one while nothing arrived, a few milliseconds. When
retention removed the first counted line, the counts are made again.

Sent per origin (`source[dyno]`), so the explorer applies its sidebar filter to them.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from tuilogs.core.histogram import OriginCounts, axis
from tuilogs.core.record import one_line
from tuilogs.core.stamp_seconds import BASE, NO_TIME, line_times
from tuilogs.core.trouble import trouble_lines

from .store import LineQuery, LogStore, StoredLine

PAGE = 10_000
MAX_KEYS = 1_000_000  # (origin, second) pairs kept per tally before counting by minutes
KEPT = 16  # tallies kept (per app and filters), least recently used dropped first


@dataclass(frozen=True)
class RouterHistogram:
    """The answer: `buckets` buckets of `step` seconds from `start` (epoch seconds), per
    origin; `total` lines counted, up to id `last_id`."""

    start: int
    step: int
    buckets: int
    origins: list[OriginCounts]
    total: int
    last_id: int


@dataclass
class _Tally:
    """Counts per (origin, second) of the lines with id ≤ `upto`; seconds are divided by
    `grain` (1, or 60 once there were too many pairs)."""

    first_id: int | None = None
    upto: int = 0
    grain: int = 1
    origins: list[tuple[str, str]] = field(default_factory=list)
    index: dict[tuple[str, str], int] = field(default_factory=dict)
    lines: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)

    def origin(self, source: str, dyno: str) -> int:
        key = (source, dyno)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.origins)
            self.origins.append(key)
        return found

    def count(self, rows: list[StoredLine]) -> None:
        """Add a page of lines (oldest first)."""
        text = "\n".join(f"{r.timestamp} {r.source}[{r.dyno}]: {r.message}" for r in rows)
        if not text.isprintable():  # one stored line must stay one line (record.one_line)
            text = "\n".join(
                one_line(f"{r.timestamp} {r.source}[{r.dyno}]: {r.message}") for r in rows
            )
        data = (text + "\n").encode("utf-8", "replace")
        lines = data.split(b"\n")
        lines.pop()
        times = line_times(lines)
        if self.grain != 1:
            times = [t // self.grain if t != NO_TIME else NO_TIME for t in times]
        ids = [self.origin(r.source, r.dyno) for r in rows]
        self.lines.update(zip(ids, times, strict=True))
        routers = [r.source == "heroku" and r.dyno == "router" for r in rows]
        trouble = trouble_lines(data, routers)
        self.errors.update((ids[i], times[i]) for i in trouble)
        self.upto = rows[-1].id
        if len(self.lines) > MAX_KEYS and self.grain == 1:
            self._coarsen(60)

    def _coarsen(self, grain: int) -> None:
        for name in ("lines", "errors"):
            old: Counter = getattr(self, name)
            new: Counter = Counter()
            for (o, t), n in old.items():
                new[(o, t // grain if t != NO_TIME else NO_TIME)] += n
            setattr(self, name, new)
        self.grain = grain

    def histogram(self, columns: int) -> RouterHistogram | None:
        """The counts summed into at most `columns` round buckets over their span."""
        seconds = [t for (_, t) in self.lines if t != NO_TIME]
        if not seconds:
            return None
        g = self.grain
        first, last = min(seconds) * g + BASE, max(seconds) * g + g - 1 + BASE
        start, step, n = axis(first, last, columns)
        if step % g:  # counted by minutes: buckets of whole minutes
            step = -(-step // g) * g
            start = start - start % step
            n = (last - start) // step + 1
        per_line = [[0] * n for _ in self.origins]
        per_error = [[0] * n for _ in self.origins]
        for table, counter in ((per_line, self.lines), (per_error, self.errors)):
            for (o, t), k in counter.items():
                if t == NO_TIME:
                    continue
                b = (t * g + BASE - start) // step
                table[o][max(0, min(n - 1, b))] += k
        origins = [
            OriginCounts(src, dyno, lines, errors)
            for (src, dyno), lines, errors in zip(self.origins, per_line, per_error, strict=True)
            if any(lines)
        ]
        total = sum(map(sum, (o.lines for o in origins)))
        return RouterHistogram(start, step, n, origins, total, self.upto)


class HistogramCache:
    """Tallies per `LineQuery`, brought up to date on each request (thread-safe: requests run
    in worker threads; one tally is brought up to date at a time)."""

    def __init__(self, store: LogStore) -> None:
        self.store = store
        self._tallies: OrderedDict[LineQuery, _Tally] = OrderedDict()
        self._lock = threading.Lock()

    def histogram(self, filters: LineQuery, columns: int) -> RouterHistogram | None:
        with self._lock:
            tally = self._tallies.pop(filters, None)
            first = self._first_id(filters)
            if tally is None or tally.first_id != first:
                tally = _Tally(first_id=first)
            self._tallies[filters] = tally
            while len(self._tallies) > KEPT:
                self._tallies.popitem(last=False)
            self._read_new(filters, tally)
            return tally.histogram(columns)

    def _first_id(self, f: LineQuery) -> int | None:
        """The app's first line (of these origins): when retention removes it, recount."""
        rows = self.store.lines(f.app, after=0, limit=1, source=f.source, dyno=f.dyno)
        return rows[0].id if rows else None

    def _read_new(self, f: LineQuery, tally: _Tally) -> None:
        while True:
            rows = self.store.lines(
                f.app,
                after=tally.upto,
                limit=PAGE,
                source=f.source,
                dyno=f.dyno,
                q=f.q,
                since=f.since,
                until=f.until,
            )
            if rows:
                tally.count(rows)
            if len(rows) < PAGE:
                return
