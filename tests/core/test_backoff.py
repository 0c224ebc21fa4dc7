"""The one retry rule: doubling from base, capped, jittered between half and all of the wait."""

from __future__ import annotations

import random

import pytest

from tuilogs.core.backoff import Backoff


@pytest.mark.parametrize("jitter", [0.5, 1.0], ids=["least jitter", "most jitter"])
def test_waits_double_from_base_then_stay_at_the_cap(monkeypatch, jitter):
    monkeypatch.setattr(random, "uniform", lambda a, b: jitter)
    backoff = Backoff(1.0, 8.0)
    assert [backoff.delay(n) for n in range(6)] == [w * jitter for w in (1, 2, 4, 8, 8, 8)]


def test_the_jitter_is_drawn_from_half_to_all_of_the_wait(monkeypatch):
    drawn: list[tuple[float, float]] = []

    def uniform(a: float, b: float) -> float:
        drawn.append((a, b))
        return 0.75

    monkeypatch.setattr(random, "uniform", uniform)
    assert Backoff(2.0, 60.0).delay(1) == 3.0
    assert drawn == [(0.5, 1.0)]


def test_a_base_below_the_cap_after_thirty_doublings_stops_doubling_there(monkeypatch):
    monkeypatch.setattr(random, "uniform", lambda a, b: b)
    tiny = Backoff(2.0**-40, 1.0)
    assert tiny.delay(30) == 2.0**-10
    assert tiny.delay(31) == 2.0**-10  # no 31st doubling


def test_failures_for_days_neither_overflow_nor_pass_the_cap():
    backoff = Backoff(1.0, 30.0)
    for failures in (1_100, 10**6):
        assert 15.0 <= backoff.delay(failures) <= 30.0
