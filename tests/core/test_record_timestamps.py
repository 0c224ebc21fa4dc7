""" "Now" as the two timestamps tuilogs writes: a log line's, and the Platform API's."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from tuilogs.core.record import api_timestamp, iso_for_python, log_timestamp, parse_timestamp

WHEN = datetime(2026, 11, 23, 19, 4, 5, 1, tzinfo=timezone(timedelta(hours=2)))


def test_log_timestamp_has_microseconds_and_an_offset():
    assert log_timestamp(WHEN) == "2026-11-23T19:04:05.000001+02:00"
    now = log_timestamp()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", now)
    assert abs(parse_timestamp(now) - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_api_timestamp_is_utc_seconds_with_z():
    assert api_timestamp(WHEN) == "2026-11-23T17:04:05Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", api_timestamp())


# Python 3.11's fromisoformat reads every spelling below unchanged, so only the spelling itself
# shows whether the 3.10 normalisation still holds: each case pins the exact text it becomes.
@pytest.mark.parametrize(
    ("stamp", "spelt"),
    [
        ("2026-11-23T19:04:05Z", "2026-11-23T19:04:05+00:00"),
        ("2026-11-23 19:04:05Z", "2026-11-23T19:04:05+00:00"),
        ("2026-11-23T19:04:05.1234567Z", "2026-11-23T19:04:05.123456+00:00"),
        ("2026-11-23T19:04:05.1+02:00", "2026-11-23T19:04:05.100000+02:00"),
        ("2026-11-23T19:04:05,25", "2026-11-23T19:04:05.250000"),
        ("2026-11-23T19:04:05.5+0200", "2026-11-23T19:04:05.500000+02:00"),
        ("2011-02-10 00:19:36 -0800", "2011-02-10T00:19:36-08:00"),
        ("2026-11-23T19:04:05+02:00", "2026-11-23T19:04:05+02:00"),
        ("2026-11-23T19:04:05", "2026-11-23T19:04:05"),
        ("2026-11-23", "2026-11-23"),
        ("12:00", "12:00"),  # too short for an offset; left for fromisoformat to refuse
        ("2026-11-23T19:04:05.999", "2026-11-23T19:04:05.999000"),
        ("2026-11-23T19:04:05.1234", "2026-11-23T19:04:05.123400"),
        ("2026-11-23T19:04:05.5-0330", "2026-11-23T19:04:05.500000-03:30"),
        ("2026-11-23T19:04:05 X0800", "2026-11-23T19:04:05 X0800"),  # not an offset
        ("2026-11-23 ", "2026-11-23T"),
        ("2026-11-23T1:0 -0800", "2026-11-23T1:0 -08:00"),  # 20 long: the space stays
        ("2026-11-23T19:0 -0800", "2026-11-23T19:0-08:00"),  # 21 long: it goes
        ("1.5", "1.5"),  # fractions are looked for after the seconds only
        ("1,5", "1,5"),
        ("2026-11-23T19:04:05.5.5", "2026-11-23T19:04:05.500000.5"),  # the first one
        ("2026-11-23T19:04:05,5,5", "2026-11-23T19:04:05.500000,5"),
        ("2026-11-23T19:04:05.x", "2026-11-23T19:04:05.000000x"),
        ("+0800", "+08:00"),
        ("123:4+0800", "123:4+08:00"),
        ("2026-11-23T10:00:00.123Zjunk", "2026-11-23T10:00:00.123000Zjunk"),
    ],
)
def test_stamps_are_spelt_for_every_python(stamp, spelt):
    assert iso_for_python(stamp) == spelt


def test_offsets_and_fractions_read_as_written():
    assert parse_timestamp("2026-11-23T19:04:05.5+0200") == datetime(
        2026, 11, 23, 19, 4, 5, 500000, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_timestamp("2026-11-23T19:04:05.1234567Z") == datetime(
        2026, 11, 23, 19, 4, 5, 123456, tzinfo=timezone.utc
    )
    assert parse_timestamp("") is None
    assert parse_timestamp("yesterday") is None


def syslog_stamp(when: datetime) -> str:
    return when.strftime("%b %d %H:%M:%S")


def test_syslog_stamps_keep_every_field():
    when = datetime.now().replace(microsecond=0) - timedelta(days=3, minutes=7, seconds=13)
    assert parse_timestamp(syslog_stamp(when)) == when.astimezone()
    assert parse_timestamp("Jan 05 01:02:03xyz").replace(tzinfo=None).timetuple()[1:6] == (
        1,
        5,
        1,
        2,
        3,
    )


def test_syslog_stamps_more_than_two_days_ahead_are_last_years():
    now = datetime.now().replace(microsecond=0)
    for ahead, year in [
        (timedelta(days=1), now.year),
        (timedelta(days=2, hours=12), now.year - 1),
        (timedelta(days=40), now.year - 1),
    ]:
        when = now + ahead
        if when.year != now.year or (when.month, when.day) == (2, 29):
            continue  # the rule speaks of this year's calendar; a stamp past New Year is moot
        parsed = parse_timestamp(syslog_stamp(when))
        assert parsed.replace(tzinfo=None) == when.replace(year=year), ahead


def test_api_timestamps_are_utc_whatever_the_local_zone(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert api_timestamp(WHEN) == "2026-11-23T17:04:05Z"
        now = datetime.strptime(api_timestamp(), "%Y-%m-%dT%H:%M:%SZ")
        assert abs(now - datetime.now(timezone.utc).replace(tzinfo=None)) < timedelta(minutes=1)
    finally:
        monkeypatch.undo()
        time.tzset()
