"""Which lines report trouble: a status of 500 or more, a level of error or worse, or a Heroku
error code (H, R or L). What the histogram stacks in red, for the explorer and the router.

The same definitions as the search language (`status>=500`, `level>=error`, `code:H12`),
found in bulk: a few literal searches over a block of whole lines (`bytes.find`, the level
words in a lower-cased copy) name the candidate lines, and only those are parsed and
confirmed with `levels.detect_level` and `codes.find_code`. In Heroku-style logs a few
percent of lines are candidates, so a million lines take about a second on a worker thread.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from itertools import accumulate, count
from operator import add

from tuilogs.core.codes import find_code
from tuilogs.core.levels import detect_level
from tuilogs.core.record import decode, parse_line

# Lower-case text in every piece of evidence of an error or critical level (levels.py): the
# level words (`err` covers `error`, `Error R14` and `ValueError`), tracebacks, exceptions.
# Each is one pass over the block, so there are as few as the definitions allow; a literal
# regex scans ~30% faster than `bytes.find` here.
_LEVEL_EVIDENCE = tuple(
    re.compile(word)
    for word in (
        b"err",
        b"crit",
        b"fatal",
        b"alert",
        b"emerg",
        b"panic",
        b"severe",
        b"traceback",
        b"exception",
    )
)
# pino/bunyan numeric levels above 40 (warning), in the JSON keys levels.py reads (`level`,
# `loglevel`, `log.level` and `lvl` end in `l"`, `severity` in `y"`). Two patterns, each led
# by a literal, which the regex engine finds at C speed (an alternation in front is 9× slower).
_NUMERIC_LEVEL = tuple(
    re.compile(key + rb'"\s*:\s*(?:4[1-9]|[5-9]\d|\d{3})(?![\d.])') for key in (b"l", b"y")
)
# codes.CODE_RE: `code=H12`; `Error R14` is found by `err` above.
_CODE_HINT = re.compile(rb"code=[HRL]\d\d")
# `status=503` (logfmt) and `"status": 503` (JSON).
_STATUS_HINT = re.compile(rb'status"?\s*[:=]\s*"?[5-9]\d\d(?![\d.])')
# The same in a message, as the search language reads a field (logfmt keys start a word).
_STATUS_RE = re.compile(r"""(?:(?<![\w.\-])status=|"status"\s*:\s*"?)[5-9]\d\d(?![\d.])""")
ERROR_LEVELS = frozenset(("error", "critical"))


def is_trouble(message: str) -> bool:
    """A status ≥ 500, a level of error or worse, or a Heroku error code in `message`."""
    return (
        _STATUS_RE.search(message) is not None
        or find_code(message) is not None
        or detect_level(message) in ERROR_LEVELS
    )


def _hits(
    hay: bytes, pattern: re.Pattern[bytes], line_of: Callable[[int], int], found: set[int]
) -> None:
    """Lines of `hay` where `pattern` matches, one search per line at most."""
    search = pattern.search
    m = search(hay)
    while m is not None:
        found.add(line_of(m.start()))
        nl = hay.find(b"\n", m.start())
        if nl == -1:
            return
        m = search(hay, nl + 1)


def trouble_lines(data: bytes) -> list[int]:
    """Indexes (from 0) of the lines of `data` (whole lines, each ending in LF) that report
    trouble, ascending."""
    if not data:
        return []
    lines = data.split(b"\n")
    ends = list(map(add, accumulate(map(len, lines)), count(1)))  # just past each LF

    def line_of(pos: int) -> int:
        return bisect.bisect_right(ends, pos)

    candidates: set[int] = set()
    lowered = data.lower()
    for pattern in (*_LEVEL_EVIDENCE, *_NUMERIC_LEVEL):
        _hits(lowered, pattern, line_of, candidates)
    for pattern in (_CODE_HINT, _STATUS_HINT):
        _hits(data, pattern, line_of, candidates)
    out = []
    for i in sorted(candidates):
        if i < len(lines) and lines[i] and is_trouble(parse_line(decode(lines[i])).message):
            out.append(i)
    return out
