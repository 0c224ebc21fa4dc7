"""Lines per time bucket, errors stacked: the histogram strip's numbers, without a terminal.

Buckets are one width, chosen from a ladder of round widths (1 s … 30 days, each at most twice
the one before, so the bars fill at least half the columns) as the smallest that fits the span
into the columns available, and start at a multiple of that width. Counting uses the per-block minima and maxima of a `Timeline`: a
block of 1,024 lines that falls inside one bucket is counted with one bisect over the lines
shown, and only the lines of blocks straddling a bucket edge are bucketed one by one (at C
speed, `map`): at 5,000,000 lines that is a few hundred blocks, not five million lines.

The router computes the same numbers over its whole history (`server/histogram.py`) and sends
them per origin, so the explorer applies its sidebar filter to them (`combine`).
"""

from __future__ import annotations

import bisect
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import add, floordiv, sub

from tuilogs.core.timeline import BLOCK, NO_TIME, UNIT, Timeline, to_seconds, to_stored

STEPS = (
    1, 2, 3, 5, 10, 15, 20, 30, 45,
    60, 90, 120, 180, 300, 600, 900, 1200, 1800, 2700,
    3600, 5400, 7200, 10800, 14400, 21600, 28800, 43200,
    86400, 2 * 86400, 3 * 86400, 5 * 86400, 7 * 86400, 14 * 86400, 21 * 86400, 30 * 86400,
)  # fmt: skip


def axis(first: int, last: int, columns: int) -> tuple[int, int, int]:
    """(start, step, buckets) covering epoch seconds [first, last] in at most `columns`
    buckets of the smallest round width that fits, the first starting at a multiple of it."""
    columns = max(1, columns)
    for step in STEPS:
        start = first - first % step
        n = (last - start) // step + 1
        if n <= columns:
            return start, step, n
    step = -(-(last - first + 1) // columns)  # beyond 30 days a column: whatever fits
    return first, step, (last - first) // step + 1


@dataclass(frozen=True)
class Histogram:
    """Counts per bucket: bucket i holds times in [start + i·step, start + (i+1)·step).

    `errors[i] <= lines[i]`; `errors_known` is False while errors are still being looked for.
    `what` names what is counted ("lines", "matches"); `note` says what the numbers cover
    when that is not everything ("loaded lines", "estimate").
    """

    start: int
    step: int
    lines: Sequence[int]
    errors: Sequence[int]
    errors_known: bool = True
    what: str = "lines"
    note: str = ""
    total: int = field(default=-1)

    def __post_init__(self) -> None:
        if self.total < 0:
            object.__setattr__(self, "total", sum(self.lines))

    @property
    def buckets(self) -> int:
        return len(self.lines)

    @property
    def end(self) -> int:
        return self.start + self.step * len(self.lines)

    def bucket_of(self, seconds: float) -> int:
        """The bucket holding `seconds`, clamped to the axis."""
        return max(0, min(len(self.lines) - 1, int((seconds - self.start) // self.step)))

    def bucket_start(self, i: int) -> int:
        return self.start + i * self.step


def _add(counts: list[int], found: Counter, n: int) -> None:
    for bucket, k in found.items():
        counts[max(0, min(n - 1, bucket))] += k


def count_lines(
    timeline: Timeline, lines: array | None, start: int, step: int, n: int
) -> list[int]:
    """How many of `lines` (sorted line numbers; None: every line) fall in each bucket.
    Lines without a time are not counted."""
    mins, maxs = timeline.refresh()
    times = timeline.buffer.times
    total = len(times)
    origin, step = to_stored(start), step * UNIT
    counts = [0] * n
    for b in range(len(mins)):
        a, z = b * BLOCK, min(b * BLOCK + BLOCK, total)
        if lines is not None:
            i, j = bisect.bisect_left(lines, a), bisect.bisect_left(lines, z)
            if i == j:
                continue
        lo, hi = mins[b], maxs[b]
        if hi == NO_TIME:
            continue
        first, last = (lo - origin) // step, (hi - origin) // step
        if first == last and NO_TIME not in times[a:z]:
            # The whole block sits in one bucket (blocks holding lines without a time, rare,
            # are counted line by line below, which leaves those lines out).
            counts[max(0, min(n - 1, first))] += (j - i) if lines is not None else z - a
            continue
        part = times[a:z] if lines is None else array("q", map(times.__getitem__, lines[i:j]))
        found = Counter(map(floordiv, map(sub, part, repeat(origin)), repeat(step)))
        found.pop((NO_TIME - origin) // step, None)
        _add(counts, found, n)
    return counts


def count_some(
    timeline: Timeline, lines: Iterable[int], start: int, step: int, n: int
) -> list[int]:
    """Bucket counts of a few lines (errors, hits), one by one at C speed."""
    times = timeline.buffer.times
    origin, step = to_stored(start), step * UNIT
    part = array("q", map(times.__getitem__, lines))
    found = Counter(map(floordiv, map(sub, part, repeat(origin)), repeat(step)))
    found.pop((NO_TIME - origin) // step, None)
    counts = [0] * n
    _add(counts, found, n)
    return counts


def intersect(small: array, big: array | None) -> array:
    """Lines in both sorted arrays (`big` None: every line), by bisecting the smaller."""
    if big is None:
        return small
    out = array("I")
    find = bisect.bisect_left
    size = len(big)
    for line in small:
        i = find(big, line)
        if i < size and big[i] == line:
            out.append(line)
    return out


def histogram_of(
    timeline: Timeline,
    lines: array | None,
    errors: array | None,
    columns: int,
    *,
    what: str = "lines",
    note: str = "",
    span: tuple[int, int] | None = None,
) -> Histogram | None:
    """The histogram of `lines` (None: all) with `errors` (sorted line numbers; None: not known
    yet) stacked, in at most `columns` buckets over `span` (epoch seconds; default: the span of
    every line's time, so the axis stays put while filters change). None without any time."""
    if span is None:
        stored = timeline.span()
        if stored is None:
            return None
        span = (to_seconds(stored[0]), to_seconds(stored[1]))
    start, step, n = axis(span[0], span[1], columns)
    counts = count_lines(timeline, lines, start, step, n)
    if errors is None:
        errs = [0] * n
    else:
        errs = count_some(timeline, intersect(errors, lines), start, step, n)
        errs = list(map(min, errs, counts))
    return Histogram(start, step, counts, errs, errors is not None, what, note)


@dataclass(frozen=True)
class OriginCounts:
    """One origin's counts per bucket, as the router sends them."""

    source: str
    dyno: str
    lines: Sequence[int]
    errors: Sequence[int]


def combine(
    start: int,
    step: int,
    buckets: int,
    origins: Iterable[OriginCounts],
    shown: Callable[[str, str], bool] | None = None,
    note: str = "",
) -> Histogram:
    """A Histogram from per-origin counts, keeping the origins `shown(source, dyno)` allows
    (None: all): the explorer's sidebar filter over the router's numbers."""
    lines, errors = [0] * buckets, [0] * buckets
    for o in origins:
        if shown is None or shown(o.source, o.dyno):
            lines = list(map(add, lines, o.lines))
            errors = list(map(add, errors, o.errors))
    return Histogram(start, step, lines, errors, True, "lines", note)
