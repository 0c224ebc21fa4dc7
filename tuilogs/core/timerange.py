"""Times as people type them, and the time range they make (`--since`, `--until`, go-to).

    2026-11-01T12:00:00Z  2026-11-01T12:00:00.5+01:00   RFC 3339 (`+0100` and a space for T too)
    2026-11-01 12:00  2026-11-01T12:00:30  2026-11-01    a local date-time (a date: its midnight)
    12:00  12:00:30                                      a local time on the reference's day
    -15m  -2h  -1d  -1w  -1h30m  15m  "2h ago"  +30s     relative to the reference
    today  yesterday  now

The reference is now for `--since`/`--until`, and the time at the cursor for the go-to prompt
(where `-15m` means "15 minutes before this line"). Seconds, minutes and hours are elapsed
time; days and weeks are calendar days in local time, so `-1d` is the same wall-clock time
yesterday even across a daylight-saving change (23 or 25 hours), while `-24h` is 24 hours.

Times are whole seconds since the epoch (`int`): the resolution of the per-line time column
(`timeline.py`) and of the router's range filter, so a range means the same everywhere.
A range is [since, until): `since` included, `until` excluded.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": -1,  # calendar days: wall-clock arithmetic (see module doc)
    "day": -1,
    "days": -1,
    "w": -7,
    "week": -7,
    "weeks": -7,
}
_RELATIVE_RE = re.compile(r"([+-])?\s*((?:\d+\s*[a-z]+\s*)+?)\s*(ago)?", re.IGNORECASE)
_PART_RE = re.compile(r"(\d+)\s*([a-z]+)", re.IGNORECASE)
_DATETIME_RE = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)"
    r"(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d\d(?::?\d\d)?)?",
    re.IGNORECASE,
)
_CLOCK_RE = re.compile(r"(\d{1,2}):(\d\d)(?::(\d\d))?")
EXAMPLES = "2026-11-01T12:00Z, 2026-11-01 12:00, 12:00, -15m, -2h, -1d, today"


class TimeError(ValueError):
    """Text that is not a time; the message says what was expected, fit to show."""


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Lines whose time is in [since, until) (epoch seconds; None: unbounded)."""

    since: int | None = None
    until: int | None = None

    @property
    def bounded(self) -> bool:
        return self.since is not None or self.until is not None

    def __contains__(self, seconds: int | None) -> bool:
        """Whether a time (None: a line without one, in no bounded range) is in the range."""
        if seconds is None:
            return not self.bounded
        return (self.since is None or seconds >= self.since) and (
            self.until is None or seconds < self.until
        )

    def describe(self, tz: tzinfo | None = None) -> str:
        """`since 2026-11-01 12:00:00 until 13:00:00` in local time (what the header says)."""
        parts = []
        if self.since is not None:
            parts.append(f"since {format_local(self.since, tz)}")
        if self.until is not None:
            parts.append(f"until {format_local(self.until, tz)}")
        return " ".join(parts)


def format_local(seconds: float, tz: tzinfo | None = None) -> str:
    """`2026-11-01 13:00:00` in local time (or `tz`)."""
    return f"{_wall(seconds, tz):%Y-%m-%d %H:%M:%S}"


def rfc3339(seconds: int) -> str:
    """`2026-11-01T12:00:00Z`: how a bound travels to the router."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_unit(seconds: int) -> tuple[int, str]:
    """A span as a count of the largest unit that divides it: (5, "m"), (2, "h"), (90, "s").

    How a bucket's width is named (`5m a bar` under the histogram, `5 min/bar` in the stats
    view): a whole number of one unit reads at a glance, `1h30m` does not."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return seconds // size, unit
    return seconds, "s"


def _wall(seconds: float, tz: tzinfo | None) -> datetime:
    """The wall-clock time of an instant: naive local time (the system's rules, DST and all)
    when `tz` is None, else aware in `tz`. `.timestamp()` turns either back into an instant."""
    return (
        datetime.fromtimestamp(seconds, tz) if tz is not None else datetime.fromtimestamp(seconds)
    )


def parse_time(text: str, *, reference: float | None = None, tz: tzinfo | None = None) -> int:
    """The instant `text` names (see the module doc), in whole seconds since the epoch.

    `reference` is what relative forms and a bare clock time count from (default: now); `tz`
    is the local zone (default: the system's). Raises TimeError with a message fit to show.
    """
    t = text.strip()
    if not t:
        raise TimeError(f"empty time: give one like {EXAMPLES}")
    ref = time.time() if reference is None else reference
    word = t.lower()
    if word == "now":
        return math.floor(ref)
    if word in ("today", "yesterday"):
        day = _wall(ref, tz).replace(hour=0, minute=0, second=0, microsecond=0)
        if word == "yesterday":
            day = day - timedelta(days=1)
        return math.floor(_instant(day, tz))
    m = _DATETIME_RE.fullmatch(t)
    if m is not None:
        return _datetime(m, tz)
    m = _CLOCK_RE.fullmatch(t)
    if m is not None:
        hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise TimeError(f"not a time of day: {t!r}")
        wall = _wall(ref, tz).replace(hour=hour, minute=minute, second=second, microsecond=0)
        return math.floor(_instant(wall, tz))
    m = _RELATIVE_RE.fullmatch(t)
    if m is not None:
        return _relative(m, ref, tz, t)
    raise TimeError(f"not a time: {t!r} (try {EXAMPLES})")


def _instant(wall: datetime, tz: tzinfo | None) -> float:
    """Seconds of a wall-clock time: naive means local (`tz` None), aware carries its zone."""
    if tz is not None and wall.tzinfo is None:
        wall = wall.replace(tzinfo=tz)
    return wall.timestamp()


def _datetime(m: re.Match[str], tz: tzinfo | None) -> int:
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hour, minute, second = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    try:
        wall = datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise TimeError(f"not a date-time: {m[0]!r} ({exc})") from None
    zone = m[8]
    if zone is None:
        return math.floor(_instant(wall, tz))
    if zone.upper() == "Z":
        offset = timedelta(0)
    else:
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise TimeError(f"not a UTC offset: {zone!r}")
        offset = timedelta(hours=hours, minutes=minutes) * (-1 if zone[0] == "-" else 1)
    return math.floor(wall.replace(tzinfo=timezone(offset)).timestamp())


def _relative(m: re.Match[str], ref: float, tz: tzinfo | None, text: str) -> int:
    """`-1d2h`, `15m ago`, `+30s`: unsigned means before the reference, as `ago` does."""
    if m[1] and m[3]:
        raise TimeError(f"a sign or `ago`, not both: {text!r}")
    sign = 1 if m[1] == "+" else -1
    seconds, days = 0, 0
    for count, unit in _PART_RE.findall(m[2]):
        scale = _UNITS.get(unit.lower())
        if scale is None:
            raise TimeError(f"unknown unit {unit!r} in {text!r} (s, m, h, d, w)")
        if scale > 0:
            seconds += int(count) * scale
        else:
            days += int(count) * -scale
    if seconds > 10**11 or days > 10**6:
        raise TimeError(f"too far: {text!r}")
    when = ref + sign * seconds
    if days:
        # Calendar days in local time: the same wall-clock time N days away, whatever the
        # daylight-saving changes in between.
        wall = _wall(when, tz) + timedelta(days=sign * days)
        when = _instant(wall, tz)
    return math.floor(when)


def parse_range(
    since: str | None, until: str | None, *, now: float | None = None, tz: tzinfo | None = None
) -> TimeRange:
    """The range `--since`/`--until` name (either may be None); TimeError when since ≥ until."""
    now = time.time() if now is None else now
    lo = parse_time(since, reference=now, tz=tz) if since else None
    hi = parse_time(until, reference=now, tz=tz) if until else None
    if lo is not None and hi is not None and lo >= hi:
        raise TimeError(
            f"--since ({format_local(lo, tz)}) must come before --until ({format_local(hi, tz)})"
        )
    return TimeRange(lo, hi)
