"""Error lines, and the next one from a place: what `e`/`E` in the explorer jump to.

An error is what a person scanning an incident stops at: a router status of 500 or more, a
detected level of error or worse (levels.py), or a Heroku error code (codes.py). It is one
query of the search language, so it is found in bulk like any search. The next error is
looked for in growing windows from the cursor: usually the first few thousand lines hold one,
and a distant one is still found in bulk, never line by line.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.query import Query, parse_query

ERRORS = "status>=500 OR level>=error OR code:*"
FIRST_WINDOW = 2_000
LARGEST_WINDOW = 256_000


def error_query() -> Query:
    """A fresh query for error lines (a scan prepares its terms: one per worker)."""
    return parse_query(ERRORS)


def next_error(
    buffer: LogBuffer,
    visible: array | None,
    pos: int,
    forward: bool,
    cancelled: Callable[[], bool] = lambda: False,
    query: Query | None = None,
) -> int | None:
    """The line of the first error shown after (or before) position `pos` of the shown lines
    (`visible`, None for every line); None when there is none that way, or when cancelled."""
    query = query if query is not None else error_query()
    total = len(buffer) if visible is None else len(visible)
    window = FIRST_WINDOW
    lo, hi = (pos + 1, pos + 1) if forward else (pos, pos)
    while (hi < total) if forward else (lo > 0):
        if forward:
            lo, hi = hi, min(hi + window, total)
        else:
            lo, hi = max(lo - window, 0), lo
        if visible is None:
            found = query.scan(buffer, lo, hi, cancelled)
        else:
            found = query.scan_lines(buffer, visible[lo:hi], cancelled)
        if found is None:
            return None
        if found:
            return found[0] if forward else found[-1]
        window = min(window * 4, LARGEST_WINDOW)
    return None
