"""The window arithmetic of alert rules (`server.alerting.windows`), on its own: no I/O,
times given."""

from __future__ import annotations

from tuilogs.server.alerting.windows import describe_window, firing_message, observe, silent
from tuilogs.server.store.alerts_interface import ABSENCE, COUNT, AlertRule, RuleState


def rule(kind: str = COUNT, threshold: int = 5, window: float = 60, cooldown: float = 60):
    return AlertRule("r", "shop", "h12", "code:H12", kind, threshold, window, cooldown, "", 1000.0)


class TestCount:
    def test_fires_once_when_the_window_reaches_the_threshold(self):
        r, s = rule(), RuleState("r")
        assert not observe(r, s, 3, 1000.0)
        assert observe(r, s, 2, 1010.0)
        assert (s.window_start, s.count, s.fired, s.last_fired) == (1000.0, 5, True, 1010.0)
        assert not observe(r, s, 50, 1059.0)  # the same window
        assert s.count == 55

    def test_a_window_opens_with_the_first_match_after_the_last_closed(self):
        r, s = rule(cooldown=0), RuleState("r")
        observe(r, s, 4, 1000.0)
        assert not observe(r, s, 4, 1060.0)  # a new window: 4, not 8
        assert (s.window_start, s.count) == (1060.0, 4)
        assert observe(r, s, 1, 1119.0)

    def test_the_cool_down_holds_a_new_window_until_it_is_over(self):
        r, s = rule(window=10, cooldown=100), RuleState("r")
        assert observe(r, s, 5, 1000.0)
        assert not observe(r, s, 5, 1050.0)  # a new window, cooling down
        assert not s.fired
        assert not observe(r, s, 4, 1100.0)  # cooled, in a new window still below 5
        assert observe(r, s, 1, 1105.0)

    def test_within_one_window_a_match_after_the_cool_down_fires(self):
        r, s = rule(threshold=1, window=100, cooldown=30), RuleState("r")
        s.last_fired = 990.0  # fired in an earlier window
        assert not observe(r, s, 1, 1000.0)  # cooling down until 1020
        assert observe(r, s, 1, 1025.0)  # the same window, now cooled

    def test_no_matches_change_nothing(self):
        s = RuleState("r")
        assert not observe(rule(), s, 0, 1000.0)
        assert s == RuleState("r")


class TestAbsence:
    def test_fires_once_per_silence(self):
        r, s = rule(ABSENCE, 1, window=600, cooldown=0), RuleState("r")
        assert not silent(r, s, 1599.0)  # created at 1000
        assert silent(r, s, 1600.0)
        assert not silent(r, s, 2500.0)  # the same silence
        assert not observe(r, s, 3, 2600.0)  # a match ends it
        assert (s.last_seen, s.fired) == (2600.0, False)
        assert not silent(r, s, 3100.0)
        assert silent(r, s, 3200.0)

    def test_count_rules_are_never_silent(self):
        assert not silent(rule(), RuleState("r"), 1e12)


def test_messages_and_windows():
    r, s = rule(), RuleState("r", count=7)
    assert firing_message(r, s) == (
        'Alert "h12" fired: 7 lines matching `code:H12` within 1 min (threshold 5)'
    )
    assert firing_message(rule(ABSENCE, window=600), s) == (
        'Alert "h12" fired: no lines matching `code:H12` for 10 min'
    )
    assert [describe_window(w) for w in (45, 60, 90, 3600, 7200)] == [
        "45 s",
        "1 min",
        "90 s",
        "1 h",
        "2 h",
    ]
