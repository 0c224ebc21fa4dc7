"""Which lines report trouble: a status of 500 or more, a level of error or worse, or a Heroku
error code (H, R or L). What the histogram stacks in red, for the explorer and the router.

The same definitions as the search language (`status>=500`, `level>=error`, `code:H12`),
found in bulk: a few literal searches over a block of whole lines (the level words in a
lower-cased copy) name the candidate lines, and only those are parsed and confirmed with
`levels.detect_level` and `codes.find_code`. Each search is one pass over the bytes (~0.4 ns
a byte), so there are as few as the definitions allow, and the level words are not looked
for in the router's lines (`heroku[router]`, 60% of the bytes of a busy app): their level is
their `at=` field, which Heroku sets to `error` only together with a code. About 0.8 µs a
line in all, on a worker thread.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from itertools import accumulate, compress, count
from operator import add

from tuilogs.core.codes import find_code
from tuilogs.core.levels import detect_level
from tuilogs.core.line_hits import lines_hit
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
# codes.CODE_RE: `code=H12`, `Error R14` (in router lines too, where `err` is not looked for).
_CODE_HINTS = (re.compile(rb"code=[HRL]\d\d"), re.compile(rb"Error [HRL]\d\d"))
# `status=503` (logfmt) and `"status": 503` (JSON).
_STATUS_HINT = re.compile(rb'status"?\s*[:=]\s*"?[5-9]\d\d(?![\d.])')
# The same in a message, as the search language reads a field (logfmt keys start a word).
_STATUS_RE = re.compile(r"""(?:(?<![\w.\-])status=|"status"\s*:\s*"?)[5-9]\d\d(?![\d.])""")
ERROR_LEVELS = frozenset(("error", "critical"))


def is_trouble(message: str, router: bool = False) -> bool:
    """A status ≥ 500, a Heroku error code, or (unless it is a router line, see the module
    doc) a level of error or worse in `message`."""
    return (
        _STATUS_RE.search(message) is not None
        or find_code(message) is not None
        or (not router and detect_level(message) in ERROR_LEVELS)
    )


def _line_finder(lines: list[bytes]) -> Callable[[int], int]:
    """The index of the line holding a byte offset of `b"\\n".join(lines)`."""
    ends = list(map(add, accumulate(map(len, lines)), count(1)))  # just past each LF

    def line_of(pos: int) -> int:
        return bisect.bisect_right(ends, pos)

    return line_of


def trouble_lines(data: bytes, routers: Sequence[bool] | None = None) -> list[int]:
    """Indexes (from 0) of the lines of `data` (whole lines, each ending in LF) that report
    trouble, ascending. `routers` says which lines are the router's (`heroku[router]`),
    where no level word is looked for (see the module doc)."""
    if not data:
        return []
    lines = data.split(b"\n")
    line_of = _line_finder(lines)
    candidates: set[int] = set()
    for pattern in (*_CODE_HINTS, _STATUS_HINT):
        candidates |= lines_hit(data, pattern, line_of)
    others, numbers = data, None
    if routers is not None and any(routers):
        keep = [not r for r in routers]
        numbers = list(compress(range(len(keep)), keep))
        kept = list(compress(lines, keep))
        others = b"\n".join(kept) + b"\n" if kept else b""
        line_of = _line_finder(kept + [b""])
    found: set[int] = set()
    lowered = others.lower()
    for pattern in (*_LEVEL_EVIDENCE, *_NUMERIC_LEVEL):
        found |= lines_hit(lowered, pattern, line_of)
    candidates.update(found if numbers is None else map(numbers.__getitem__, found))
    out = []
    for i in sorted(candidates):
        router = routers is not None and routers[i]
        if i < len(lines) and lines[i] and is_trouble(parse_line(decode(lines[i])).message, router):
            out.append(i)
    return out
