"""Times as people type them: each form, zones, daylight-saving-safe relative math, errors."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tuilogs.core.timerange import (
    TimeError,
    TimeRange,
    parse_range,
    parse_time,
    rfc3339,
    whole_unit,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 19, 4, 5, tzinfo=timezone.utc).timestamp()


def at(*args, tz=timezone.utc) -> int:
    return int(datetime(*args, tzinfo=tz).timestamp())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01T12:00:00Z", at(2026, 11, 1, 12)),
        ("2026-11-01T12:00:00.999999Z", at(2026, 11, 1, 12)),  # whole seconds
        ("2026-11-01T12:00:00+01:00", at(2026, 11, 1, 11)),
        ("2026-11-01T12:00:00.5-07:00", at(2026, 11, 1, 19)),
        ("2026-11-01 12:00:00+0530", at(2026, 11, 1, 6, 30)),
        ("2026-11-01t12:00z", at(2026, 11, 1, 12)),
    ],
)
def test_rfc3339_with_any_offset(text, expected):
    assert parse_time(text, reference=NOW, tz=BERLIN) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01 12:00", at(2026, 11, 1, 12, tz=BERLIN)),
        ("2026-11-01T12:00:30", at(2026, 11, 1, 12, 0, 30, tz=BERLIN)),
        ("2026-07-01 12:00", at(2026, 7, 1, 12, tz=BERLIN)),  # summer time: +02:00
        ("2026-11-01", at(2026, 11, 1, tz=BERLIN)),
        ("12:30", at(2026, 11, 23, 12, 30, tz=BERLIN)),  # the reference's day, local
        ("20:04:05", at(2026, 11, 23, 20, 4, 5, tz=BERLIN)),
    ],
)
def test_local_date_times_are_in_the_local_zone(text, expected):
    assert parse_time(text, reference=NOW, tz=BERLIN) == expected


def test_relative_forms():
    ref = int(NOW)
    assert parse_time("-15m", reference=NOW) == ref - 900
    assert parse_time("-2h", reference=NOW) == ref - 7200
    assert parse_time("15m", reference=NOW) == ref - 900  # unsigned: ago
    assert parse_time("2h ago", reference=NOW) == ref - 7200
    assert parse_time("+30s", reference=NOW) == ref + 30
    assert parse_time("-1h30m", reference=NOW) == ref - 5400
    assert parse_time("-90 seconds", reference=NOW) == ref - 90
    assert parse_time("now", reference=NOW) == ref
    assert parse_time("-1w", reference=NOW, tz=timezone.utc) == ref - 7 * 86400


def test_today_and_yesterday_are_local_midnights():
    assert parse_time("today", reference=NOW, tz=BERLIN) == at(2026, 11, 23, tz=BERLIN)
    assert parse_time("yesterday", reference=NOW, tz=BERLIN) == at(2026, 11, 22, tz=BERLIN)
    assert parse_time("TODAY", reference=NOW, tz=timezone.utc) == at(2026, 11, 23)


def test_days_keep_the_wall_clock_across_daylight_saving():
    # Berlin leaves summer time on 2026-10-25 at 03:00 (back to 02:00): that day has 25 hours.
    after = at(2026, 10, 25, 12, tz=BERLIN)
    assert parse_time("-1d", reference=after, tz=BERLIN) == at(2026, 10, 24, 12, tz=BERLIN)
    assert after - parse_time("-1d", reference=after, tz=BERLIN) == 25 * 3600
    assert after - parse_time("-24h", reference=after, tz=BERLIN) == 24 * 3600
    # ... and enters it on 2026-03-29 (02:00 → 03:00): 23 hours.
    spring = at(2026, 3, 29, 12, tz=BERLIN)
    assert spring - parse_time("-1d", reference=spring, tz=BERLIN) == 23 * 3600
    assert parse_time("today", reference=spring, tz=BERLIN) == at(2026, 3, 29, tz=BERLIN)


def test_the_system_zone_is_the_default(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        after = at(2026, 10, 25, 12, tz=BERLIN)
        assert after - parse_time("-1d", reference=after) == 25 * 3600
        assert parse_time("2026-11-01 12:00", reference=after) == at(2026, 11, 1, 12, tz=BERLIN)
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("yesterdayish", "not a time"),
        ("2026-13-01", "not a date-time"),
        ("2026-02-30 10:00", "not a date-time"),
        ("25:00", "not a time of day"),
        ("-15q", "unknown unit"),
        ("-15m ago", "not both"),
        ("2026-11-01T12:00+25:00", "not a UTC offset"),
        ("-99999999999999h", "too far"),
    ],
)
def test_invalid_input_says_why(text, says):
    with pytest.raises(TimeError, match=says):
        parse_time(text, reference=NOW)


def test_a_range_is_since_included_until_excluded():
    rng = parse_range("2026-11-01T12:00:00Z", "2026-11-01T13:00:00Z")
    assert at(2026, 11, 1, 12) in rng
    assert at(2026, 11, 1, 12, 59, 59) in rng
    assert at(2026, 11, 1, 13) not in rng
    assert at(2026, 11, 1, 11, 59, 59) not in rng
    assert TimeRange(None, None).bounded is False
    assert 0 in TimeRange(None, None)


def test_a_range_must_run_forwards():
    with pytest.raises(TimeError, match="must come before"):
        parse_range("-1h", "-2h", now=NOW)


def test_bounds_travel_as_rfc3339():
    assert rfc3339(at(2026, 11, 1, 12, 0, 5)) == "2026-11-01T12:00:05Z"
    assert parse_time(rfc3339(at(2026, 11, 1, 12, 0, 5))) == at(2026, 11, 1, 12, 0, 5)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (1, (1, "s")),
        (90, (90, "s")),  # not a whole number of minutes
        (300, (5, "m")),
        (5400, (90, "m")),
        (7200, (2, "h")),
        (2 * 86400, (2, "d")),
    ],
)
def test_a_span_is_named_in_the_largest_unit_that_divides_it(seconds, expected):
    assert whole_unit(seconds) == expected
