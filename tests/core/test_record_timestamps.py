""" "Now" as the two timestamps tuilogs writes: a log line's, and the Platform API's."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tuilogs.core.record import api_timestamp, log_timestamp, parse_timestamp

WHEN = datetime(2026, 11, 23, 19, 4, 5, 1, tzinfo=timezone(timedelta(hours=2)))


def test_log_timestamp_has_microseconds_and_an_offset():
    assert log_timestamp(WHEN) == "2026-11-23T19:04:05.000001+02:00"
    now = log_timestamp()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", now)
    assert abs(parse_timestamp(now) - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_api_timestamp_is_utc_seconds_with_z():
    assert api_timestamp(WHEN) == "2026-11-23T17:04:05Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", api_timestamp())
