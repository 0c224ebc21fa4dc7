"""`lines_hit` names each line a pattern occurs in once, and goes on from the next line's start.

The prefilters of the search language and the trouble index depend on both halves: a line with
many matches is one search, and a match at the very start of the following line is not skipped
(nor is the search caught on a match at the end of its own line).
"""

from __future__ import annotations

import bisect
import re

import pytest

from tuilogs.core.line_hits import lines_hit


def line_finder(hay: bytes):
    starts = [0] + [i + 1 for i, b in enumerate(hay) if b == 0x0A][:-1]
    return lambda pos: bisect.bisect_right(starts, pos) - 1


@pytest.mark.parametrize(
    "hay, pattern, lines",
    [
        (b"ax\nx\n", rb"x", {0, 1}),  # a match at a line's end, then at the next one's start
        (b"xxx\nyy\nx\n", rb"x", {0, 2}),
        (b"ab\nab\nab\n", rb"ab", {0, 1, 2}),
        (b"a\nb\n", rb"c", set()),
        (b"ERR\nerr\n", rb"err", {1}),
    ],
)
def test_each_line_a_pattern_occurs_in_is_named_once(hay, pattern, lines):
    assert lines_hit(hay, re.compile(pattern), line_finder(hay)) == lines
