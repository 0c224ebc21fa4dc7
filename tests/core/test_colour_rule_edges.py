"""Edges of the colour rules: every dyno-manager transition word, release versions, and how
overlapping claims settle when spans touch, arrive out of order or run past the line."""

import pytest

from tuilogs.core import colorize
from tuilogs.core.colorize import highlight


@pytest.mark.parametrize("word", ["Restarting", "Cycling", "Idling", "Unidling"])
def test_each_transition_is_coloured_whole(word):
    assert highlight("heroku", "web.1", word) == [(0, len(word), "state.to")]
    assert highlight("heroku", "web.1", f"{word} because") == []


def test_release_and_rollback_versions():
    assert highlight("app", "api", "Release v12 created") == [(8, 11, "release")]
    assert highlight("app", "api", "Rollback to v11") == [(12, 15, "release")]


def test_spans_that_only_touch_are_all_kept():
    touching = [(0, 3, "a"), (3, 5, "b"), (5, 9, "c")]
    assert colorize._settle(touching, 9) == touching
    assert colorize._settle([(5, 9, "c"), (0, 5, "a"), (3, 6, "x"), (9, 12, "d")], 10) == [
        (0, 5, "a"),
        (5, 9, "c"),
        (9, 10, "d"),
    ]


def test_empty_and_overlapping_claims_are_dropped():
    spans = [(0, 4, "a"), (4, 4, "empty"), (2, 6, "late"), (6, 8, "c"), (-3, 0, "before")]
    assert colorize._settle(spans, 8) == [(0, 4, "a"), (6, 8, "c")]


def test_a_router_status_that_is_not_a_number_has_its_own_colour():
    spans = highlight("heroku", "router", "at=info method=GET path=/ status=abc bytes=1")
    assert (33, 36, "status.other") in spans


def test_json_may_start_after_spaces():
    assert highlight("app", "web.1", '  {"a": 1}')[:2] == [(2, 3, "json.punct"), (3, 6, "json.key")]


def test_a_claim_that_overlaps_a_later_kept_span_is_dropped_and_the_rest_still_settle():
    assert colorize._settle([(5, 9, "a"), (3, 6, "b"), (0, 2, "c")], 10) == [
        (0, 2, "c"),
        (5, 9, "a"),
    ]
