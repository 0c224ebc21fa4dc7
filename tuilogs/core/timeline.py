"""Time navigation over the buffer's time column: ranges, go-to, and what histograms count.

A LogBuffer keeps one time per line (`times`: whole seconds since the epoch in an
`array("I")`, `NO_TIME` for a line without a timestamp; `core/ingest/times.py` reads them
in bulk as producers parse blocks, never on the UI thread). The range filter, the histogram
and go-to read it in whole seconds, the unit of --since/--until and of the router's stores
(`core/stamp_seconds.py`), so a range means the same on either side (`to_stored` floors a
bound to its second). Only a merged view's streams keep microseconds, for the merge.

`Timeline` adds per-block minima and maxima (1,024 lines a block), so that a range filter,
a histogram and go-to touch single lines only in the few blocks a boundary falls in.
"""

from __future__ import annotations

import bisect
from array import array
from itertools import accumulate, compress
from operator import and_
from typing import TYPE_CHECKING

from tuilogs.core.ingest.times import NO_TIME
from tuilogs.core.timerange import TimeRange

if TYPE_CHECKING:
    from tuilogs.core.buffer import LogBuffer

UNIT = 1  # stored units per second: a view's column holds whole seconds
_MAX = 2**63 - 1
BLOCK = 1024


def to_stored(seconds: float) -> int:
    """Epoch seconds as the column stores them, floored to the second (times of a line within
    that second are at or after it)."""
    return max(NO_TIME + 1, min(_MAX, int(seconds // 1) * UNIT))


def to_seconds(stored: int) -> int | None:
    """The column's value as whole epoch seconds; None for `NO_TIME`."""
    return None if stored == NO_TIME else stored // UNIT


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
