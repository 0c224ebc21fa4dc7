"""Where a level's evidence sits (the explorer colours that span) and the bounds of the rules:
pino's numeric levels at each threshold, the window the detector reads, the characters that
keep a `word:` from counting, and an upper-case word that outranks a later `error:`."""

import pytest

from tuilogs.core.levels import WINDOW, LevelMatch, find_level
from tuilogs.core.logfmt import is_logfmt, parse_logfmt


@pytest.mark.parametrize(
    "n, level",
    [(20, "debug"), (21, "info"), (30, "info"), (31, "warning"), (40, "warning")]
    + [(41, "error"), (50, "error"), (51, "critical")],
)
def test_numeric_levels_at_each_threshold(n, level):
    assert find_level(f'{{"level": {n}}}') == LevelMatch(level, 10, 10 + len(str(n)))


def test_only_the_window_is_read():
    assert find_level("x" * (WINDOW - 20) + " level=error") == LevelMatch(
        "error", WINDOW - 13, WINDOW - 8
    )
    assert find_level("x" * WINDOW + " level=error") is None
    assert find_level("x" * WINDOW + " error: late") is None


@pytest.mark.parametrize(
    "text, found",
    [
        ("error: boom", LevelMatch("error", 0, 5)),
        ("x error: boom", LevelMatch("error", 2, 7)),
        ("(warning: x)", LevelMatch("warning", 1, 8)),
        ("x-error: boom", None),
        ("x_error: boom", None),
        ("x$error: boom", None),
        ("xerror: then error: y", LevelMatch("error", 13, 18)),
        ("WARN disk error: x", LevelMatch("warning", 0, 4)),
        ("[info] then error: x", LevelMatch("info", 1, 5)),
    ],
)
def test_where_the_evidence_sits(text, found):
    assert find_level(text) == found


def test_logfmt_needs_two_pairs_and_text():
    assert is_logfmt("a=1 b=2") and not is_logfmt('msg="a=b"')
    assert not is_logfmt(None) and parse_logfmt(None) == [] and parse_logfmt("no pairs") == []
