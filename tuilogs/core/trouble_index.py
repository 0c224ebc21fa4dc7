"""The trouble lines of a buffer (`trouble.py`), found piece by piece on a worker thread.

Looking for errors costs about a microsecond a line, so it is done only when something asks
(the histogram), newest lines first, a slice at a time, and kept across the buffer's
renumbering: lines are remembered by a stable name, `line - buffer.prepended`, which history
prepended in front does not change. A scan is tied to the epoch it started in; one that ends
after the buffer renumbered is thrown away and its range scanned again.
"""

from __future__ import annotations

from array import array
from itertools import repeat
from operator import add
from typing import TYPE_CHECKING

from tuilogs.core.trouble import trouble_lines

if TYPE_CHECKING:
    from tuilogs.core.buffer import LogBuffer

SLICE_LINES = 50_000  # one worker's share: ~50 ms, so newer lines are not kept waiting long


class TroubleIndex:
    """Trouble lines of one buffer; `todo` on the UI thread, `scan` on a worker, `add` back."""

    def __init__(self, buffer: LogBuffer) -> None:
        self.buffer = buffer
        self._resets = buffer.resets
        self._ids = array("q")  # stable names of trouble lines, ascending
        self._lo = self._hi = 0  # stable names scanned: [lo, hi)
        self._cache: tuple[int, int, array] | None = None
        self.version = 0  # bumped by every change: what a reader's cache depends on

    def _check_reset(self) -> None:
        if self.buffer.resets != self._resets:  # the file was truncated: nothing holds
            self._resets = self.buffer.resets
            self._ids, self._lo, self._hi, self._cache = array("q"), 0, 0, None
            self.version += 1

    def todo(self) -> tuple[int, int] | None:
        """The next range of lines to scan (current numbering): new lines first, then older
        ones going back from what is known; None when every line is known."""
        self._check_reset()
        shift, n = self.buffer.prepended, len(self.buffer)
        if self._lo == self._hi:  # nothing yet: start at the end
            self._lo = self._hi = n - shift
        hi = self._hi + shift
        if hi < n:
            return hi, min(n, hi + SLICE_LINES)
        lo = self._lo + shift
        if lo > 0:
            return max(0, lo - SLICE_LINES), lo
        return None

    @property
    def complete(self) -> bool:
        self._check_reset()
        shift = self.buffer.prepended
        return self._lo + shift <= 0 and self._hi + shift >= len(self.buffer)

    def scan(self, lo: int, hi: int) -> array:
        """Trouble lines in [lo, hi) (current numbering), read in chunks: a worker's job."""
        buffer = self.buffer
        routers = bytes(o.source == "heroku" and o.dyno == "router" for o in buffer.origins.origins)
        found = array("I")
        for first, last, _base, data in buffer.chunks(lo, hi):
            flags = list(map(routers.__getitem__, buffer.keys[first:last]))
            found.extend(first + i for i in trouble_lines(data, flags))
        return found

    def add(self, lo: int, hi: int, found: array, epoch: int) -> bool:
        """Record a scan of [lo, hi) made in `epoch`; False when it no longer fits (the buffer
        renumbered, or the range is not next to what is known)."""
        self._check_reset()
        if epoch != self.buffer.epoch:
            return False
        shift = self.buffer.prepended
        slo, shi = lo - shift, hi - shift
        names = array("q", map(add, found, repeat(-shift)))
        if slo == self._hi:
            self._ids.extend(names)
            self._hi = shi
        elif shi == self._lo:
            self._ids[0:0] = names
            self._lo = slo
        else:
            return False
        self._cache = None
        self.version += 1
        return True

    def lines(self) -> array:
        """Known trouble lines in the current numbering, ascending."""
        shift = self.buffer.prepended
        cache = self._cache
        if cache is None or cache[0] != shift or cache[1] != len(self._ids):
            cache = (shift, len(self._ids), array("I", map(add, self._ids, repeat(shift))))
            self._cache = cache
        return cache[2]
