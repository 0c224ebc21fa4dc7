"""The lines of a block a pattern occurs in, found with as few searches as there are such lines.

A block is whole lines (each ending in LF) in one bytes object; `line_of` names the line that
holds a byte offset. The search runs at C speed over the bytes and, after a hit, goes on from
the next line's start, so a line that matches many times costs one search, not many. The
search language's prefilters (`terms`) and the trouble definitions (`trouble`) both name
their candidate lines this way.
"""

from __future__ import annotations

import re
from collections.abc import Callable


def lines_hit(hay: bytes, pattern: re.Pattern[bytes], line_of: Callable[[int], int]) -> set[int]:
    """The lines of `hay` where `pattern` matches (by `line_of`), one search per line at most."""
    found = set()
    search = pattern.search
    m = search(hay)
    while m is not None:
        found.add(line_of(m.start()))
        nl = hay.find(b"\n", m.start())
        if nl == -1:
            break
        m = search(hay, nl + 1)
    return found
