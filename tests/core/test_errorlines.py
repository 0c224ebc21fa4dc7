"""The next and previous error from a place, in the lines shown."""

from __future__ import annotations

import pytest

from tuilogs.core import errorlines
from tuilogs.core.errorlines import error_query, next_error
from tuilogs.core.query import parse_query


def test_errors_are_5xx_error_levels_and_codes(sample):
    errors = set(error_query().scan(sample))
    assert set(parse_query("status>=500").scan(sample)) <= errors
    assert set(parse_query("level:error").scan(sample)) <= errors
    assert set(parse_query("code:R14").scan(sample)) <= errors
    assert not set(parse_query("status<500 -level>=error -code:*").scan(sample)) & errors


@pytest.mark.parametrize("window", [3, 2_000])
@pytest.mark.parametrize("shown", ["all", "web"])
def test_next_and_previous_error_in_the_lines_shown(sample, monkeypatch, window, shown):
    monkeypatch.setattr(errorlines, "FIRST_WINDOW", window)  # growing windows, or one
    visible = None if shown == "all" else parse_query("dyno:web OR dyno:router").scan(sample)
    lines = list(range(len(sample))) if visible is None else list(visible)
    every_error = set(error_query().scan(sample))
    errors = [p for p, line in enumerate(lines) if line in every_error]
    assert len(errors) > 5
    for pos in range(0, len(lines), 7):
        after = [lines[p] for p in errors if p > pos]
        before = [lines[p] for p in errors if p < pos]
        assert next_error(sample, visible, pos, True) == (after[0] if after else None)
        assert next_error(sample, visible, pos, False) == (before[-1] if before else None)


def test_a_cancelled_search_finds_nothing(sample):
    assert next_error(sample, None, 0, True, cancelled=lambda: True) is None
