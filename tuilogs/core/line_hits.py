"""The lines of a block a pattern occurs in, found with as few searches as there are such lines.

A block is whole lines (each ending in LF) in one bytes object; `line_of` names the line that
holds a byte offset. The search runs at C speed over the bytes and, after a hit, goes on from
the next line's start, so a line that matches many times costs one search, not many. The
search language's prefilters (`terms`) and the trouble definitions (`trouble`) both name
their candidate lines this way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from tuilogs.core.record import decode


def lines_hit(hay: bytes, pattern: re.Pattern[bytes], line_of: Callable[[int], int]) -> set[int]:
    """The lines of `hay` where `pattern` matches (by `line_of`), one search per line at most."""
    found = set()
    search = pattern.search
    m = search(hay)
    while m is not None:
        found.add(line_of(m.start()))
        m = search(hay, hay.index(b"\n", m.start()) + 1)
    return found


def regex_lines(
    data: bytes,
    hay: bytes,
    pattern: re.Pattern[bytes],
    confirm: re.Pattern[str],
    line_of: Callable[[int], int],
) -> set[int]:
    """The lines of `data` a regex matches. `pattern` searches `hay`: `data` itself, or `data`
    lower-cased (offsets agree); a hit that runs past the end of its line (a byte pattern may
    cross an LF) counts only if `confirm` matches the line's text. Every line ends in LF: a
    pattern that can match nothing (`/x*/`) also matches after the last one, where no line is,
    and a search from past the end would find it again."""
    found = set()
    search = pattern.search
    m = search(hay)
    while m is not None and m.start() < len(data):
        start = data.rfind(b"\n", 0, m.start()) + 1
        end = data.index(b"\n", m.start())
        if m.end() <= end or confirm.search(decode(data[start:end])):
            found.add(line_of(m.start()))
        m = search(hay, end + 1)
    return found


def text_regex_lines(
    text: str, pattern: re.Pattern[str], confirm: re.Pattern[str], lines: Sequence[int]
) -> set[int]:
    """`regex_lines` over a block decoded to text, whose lines are named `lines` in order:
    `pattern` (multi-line) searches `text`, and a hit that runs past its line's end counts
    only if `confirm` matches the line."""
    found = set()
    search = pattern.search
    line = at = 0  # the line starting at `at` is lines[line]
    m = search(text)
    while m is not None and m.start() < len(text):
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.index("\n", m.start())
        line += text.count("\n", at, start)
        at = start
        if m.end() <= end or confirm.search(text[start:end]):
            found.add(lines[line])
        m = search(text, end + 1)
    return found
