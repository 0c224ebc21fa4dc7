"""Context lines around a filter's lines, as `grep -C N` shows them.

A filter answers "which lines"; reading an incident needs what happened just before and after
each of them. `expand` widens a filter's lines by N on each side: runs of lines are found at C
speed (the gaps between neighbours), so Python loops once per group of nearby lines, not once
per line — 80,000 matches of 5,000,000 lines widen in a few hundredths of a second. Where two
shown lines are not neighbours in the buffer the pane draws a separator (`hidden_before`).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Sequence
from itertools import chain, compress, repeat
from operator import gt, sub

DEFAULT_LINES = 3
MAX_LINES = 99


def expand(lines: Sequence[int], n: int, total: int, after: int = -1) -> array:
    """Every line within `n` of one of `lines` (ascending), below `total` and above `after`."""
    out = array("I")
    if not len(lines):
        return out
    if n <= 0:
        start = bisect.bisect_right(lines, after)
        out.extend(lines[start:])
        return out
    # Where the gap to the previous line is wider than both windows, a new group starts.
    breaks = compress(
        range(1, len(lines)), map(gt, map(sub, lines[1:], lines[:-1]), repeat(2 * n + 1))
    )
    first = 0
    for end in chain(breaks, (len(lines),)):
        lo = max(lines[first] - n, after + 1, 0)
        hi = min(lines[end - 1] + n + 1, total)
        if lo < hi:
            out.extend(range(lo, hi))
        first = end
    return out


def hidden_before(visible: Sequence[int], pos: int) -> int:
    """How many lines of the buffer lie hidden between shown position `pos` and the one before
    it (0 at the top, or where they are neighbours)."""
    if pos <= 0 or pos >= len(visible):
        return 0
    return visible[pos] - visible[pos - 1] - 1


def contains(lines: Sequence[int], line: int) -> bool:
    """Whether the ascending `lines` hold `line`."""
    i = bisect.bisect_left(lines, line)
    return i < len(lines) and lines[i] == line
