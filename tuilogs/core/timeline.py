"""Per-line time: one int32 of seconds per line, read in bulk, and what is built on it.

A LogBuffer keeps a `times` column beside its origin ids, filled by `line_times` as producers
parse blocks (never on the UI thread, never one Python call per line): the first 19 bytes of
each line (`2026-11-01T12:00:00`) and the zone at the position the block's first timestamp
puts it (`+00:00` after Logplex's six fraction digits) are looked up in two dict caches through
`map`, so a Logplex line costs two dictionary hits at C speed (~0.1 µs). Other shapes, and
lines whose bytes do not fit the block's shape, are parsed one by one (`parse_timestamp`).

Values are seconds since `BASE` (2020-01-01Z), so an int32 spans 1951-2088 (4 bytes a line);
`NO_TIME` marks a line without a readable timestamp, which no bounded range contains.

`Timeline` adds per-block minima and maxima (1,024 lines a block), so that a range filter,
a histogram and go-to touch single lines only in the few blocks a boundary falls in.
"""

from __future__ import annotations

import bisect
import calendar
import re
from array import array
from collections.abc import Sequence
from itertools import accumulate, compress
from operator import and_, itemgetter, sub
from typing import TYPE_CHECKING

from tuilogs.core.record import parse_timestamp
from tuilogs.core.timerange import TimeRange

if TYPE_CHECKING:
    from tuilogs.core.buffer import LogBuffer

BASE = 1_577_836_800  # 2020-01-01T00:00:00Z
NO_TIME = -(2**31)
_MAX = 2**31 - 1
_LIMIT = 86_400 * 2  # zone offsets are < a day: local values are clamped this far inside
_BAD = 1 << 50  # a cache's "not this shape" (far outside any int32 once combined)
BLOCK = 1024

_LOCAL = itemgetter(slice(0, 19))
_LOCAL_RE = re.compile(rb"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)")
_ZONE_RE = re.compile(rb"(?:Z|([+-])(\d\d)(?::?(\d\d))?) ")


class _LocalSeconds(dict):
    """`b"2026-11-01T12:00:00"` → seconds since BASE as if UTC; -_BAD for anything else."""

    def __missing__(self, key: bytes) -> int:
        if len(self) > 200_000:  # garbage prefixes of raw lines must not grow it for ever
            self.clear()
        m = _LOCAL_RE.fullmatch(key)
        value = -_BAD
        if m is not None:
            y, mo, d, h, mi, s = map(int, m.groups())
            if 1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1] and h < 24 and mi < 60:
                seconds = calendar.timegm((y, mo, d, h, mi, min(s, 59))) - BASE
                value = max(NO_TIME + _LIMIT, min(_MAX - _LIMIT, seconds))
        self[key] = value
        return value


class _ZoneSeconds(dict):
    """`b"+01:00 "`, `b"Z "`, `b"+0100 "` → the offset in seconds; _BAD for anything else."""

    def __missing__(self, key: bytes) -> int:
        if len(self) > 10_000:
            self.clear()
        m = _ZONE_RE.fullmatch(key)
        value = _BAD
        if m is not None:
            value = 0
            if m[1]:
                value = (int(m[2]) * 3600 + int(m[3] or 0) * 60) * (-1 if m[1] == b"-" else 1)
        self[key] = value
        return value


_LOCALS = _LocalSeconds()
_ZONES = _ZoneSeconds()


def _zone_getter(lines: Sequence[bytes]) -> itemgetter:
    """Where the zone sits in this block's lines, from its first timestamped line: after the
    seconds and any fraction, up to and including the space that ends the timestamp."""
    for line in lines[:64]:
        if _LOCALS[line[:19]] == -_BAD:
            continue
        start = 19
        if line[19:20] in (b".", b","):
            start = 20
            while line[start : start + 1].isdigit():
                start += 1
        end = line.find(b" ", start, start + 8)
        if end > start:
            return itemgetter(slice(start, end + 1))
        break
    return itemgetter(slice(26, 33))  # Logplex's shape


def line_times(lines: Sequence[bytes]) -> array:
    """Seconds since BASE of each line's leading timestamp (`NO_TIME` where there is none)."""
    if not lines:
        return array("i")
    zone = _zone_getter(lines)
    values = list(
        map(
            sub,
            map(_LOCALS.__getitem__, map(_LOCAL, lines)),
            map(_ZONES.__getitem__, map(zone, lines)),
        )
    )
    if min(values) < NO_TIME:
        for i in compress(range(len(values)), map((NO_TIME).__gt__, values)):
            values[i] = _one_time(lines[i])
    return array("i", values)


def _one_time(line: bytes) -> int:
    """The slow path: one line's leading timestamp, whatever its shape."""
    if _LOCAL_RE.match(line) is None:
        return NO_TIME
    end = line.find(b" ")
    when = parse_timestamp(line[: end if end >= 0 else len(line)].decode("ascii", "replace"))
    if when is None:
        return NO_TIME
    return max(NO_TIME + 1, min(_MAX, int(when.timestamp() // 1) - BASE))


def to_stored(seconds: float) -> int:
    """Epoch seconds as the column stores them (clamped to its range)."""
    return max(NO_TIME + 1, min(_MAX, int(seconds // 1) - BASE))


def to_seconds(stored: int) -> int | None:
    """The column's value as epoch seconds; None for `NO_TIME`."""
    return None if stored == NO_TIME else stored + BASE


class Timeline:
    """Block minima and maxima over a buffer's `times`, rebuilt when the buffer renumbers its
    lines (epoch) and extended as lines arrive. Used from the UI thread and workers alike:
    `refresh` is cheap when nothing changed and builds fresh lists otherwise."""

    def __init__(self, buffer: LogBuffer) -> None:
        self.buffer = buffer
        self._epoch = -1
        self._mins: list[int] = []
        self._maxs: list[int] = []
        self._covered = 0  # lines summarised (whole blocks, plus the last partial one)
        self._reach: list[int] | None = None  # running maximum of `_maxs` (for go-to)

    def refresh(self) -> tuple[list[int], list[int]]:
        """(minima, maxima) per block of BLOCK lines; NO_TIME lines left out (a block with no
        time at all has minimum _MAX and maximum NO_TIME)."""
        buf = self.buffer
        times, n = buf.times, len(buf.times)
        if buf.epoch != self._epoch or n < self._covered:
            self._epoch, self._mins, self._maxs, self._covered = buf.epoch, [], [], 0
        if n == self._covered:
            return self._mins, self._maxs
        first = self._covered // BLOCK
        mins, maxs = self._mins[:first], self._maxs[:first]
        for a in range(first * BLOCK, n, BLOCK):
            part = times[a : min(a + BLOCK, n)]
            lo = min(part)
            if lo == NO_TIME:
                lo = min(filter((NO_TIME).__ne__, part), default=_MAX)
            mins.append(lo)
            maxs.append(max(part))
        self._mins, self._maxs, self._covered, self._reach = mins, maxs, n, None
        return mins, maxs

    def span(self) -> tuple[int, int] | None:
        """(earliest, latest) stored time of any line; None when no line has a time."""
        mins, maxs = self.refresh()
        lo, hi = min(mins, default=_MAX), max(maxs, default=NO_TIME)
        return (lo, hi) if hi != NO_TIME else None

    # -- the range filter ---------------------------------------------------------------------

    def select(
        self, rng: TimeRange, lines: array | None, lo: int = 0, hi: int | None = None
    ) -> array:
        """The lines in `rng`, ascending: of `lines` (sorted line numbers) or, when None, of
        every line in [lo, hi)."""
        mins, maxs = self.refresh()
        times = self.buffer.times
        hi = len(times) if hi is None else min(hi, len(times))
        since = NO_TIME + 1 if rng.since is None else to_stored(rng.since)
        until = _MAX if rng.until is None else to_stored(rng.until)
        out = array("I")
        if lines is None:
            for b in range(lo // BLOCK, (hi + BLOCK - 1) // BLOCK):
                a, z = max(b * BLOCK, lo), min(b * BLOCK + BLOCK, hi)
                if maxs[b] < since or mins[b] >= until:
                    continue
                if (
                    mins[b] >= since
                    and maxs[b] < until
                    and mins[b] != _MAX
                    and NO_TIME not in times[a:z]
                ):
                    out.extend(range(a, z))
                else:
                    part = times[a:z]
                    keep = map(and_, map(since.__le__, part), map(until.__gt__, part))
                    out.extend(compress(range(a, z), keep))
            return out
        i = bisect.bisect_left(lines, lo)
        end = bisect.bisect_left(lines, hi)
        while i < end:
            b = lines[i] // BLOCK
            j = bisect.bisect_left(lines, (b + 1) * BLOCK, i, end)
            if not (maxs[b] < since or mins[b] >= until):
                sub_lines = lines[i:j]
                part = list(map(times.__getitem__, sub_lines))
                keep = map(and_, map(since.__le__, part), map(until.__gt__, part))
                out.extend(compress(sub_lines, keep))
            i = j
        return out

    # -- go-to --------------------------------------------------------------------------------

    def first_at_or_after(self, seconds: float, lines: array | None = None) -> int | None:
        """The first line in buffer order (of `lines`, when given) whose time is at or after
        `seconds`; None when there is none.

        Buffer order is arrival order. Clocks of different dynos disagree a little, so the
        line found is the first one *received* with a time at or after the target, not the
        one with the smallest such time: a line stamped by a clock running ahead is found
        before the lines around it. That is what the reader scrolling down would meet first.
        """
        _, maxs = self.refresh()
        times = self.buffer.times
        target = to_stored(seconds)
        if self._reach is None:
            self._reach = list(accumulate(maxs, max))
        b = bisect.bisect_left(self._reach, target)
        if b >= len(maxs):
            return None
        a = b * BLOCK
        part = times[a : a + BLOCK]
        first = a + next(compress(range(len(part)), map(target.__le__, part)))
        if lines is None:
            return first
        i = bisect.bisect_left(lines, first)
        while i < len(lines):
            chunk = lines[i : i + 4096]
            hit = next(compress(chunk, map(target.__le__, map(times.__getitem__, chunk))), None)
            if hit is not None:
                return hit
            i += 4096
        return None
