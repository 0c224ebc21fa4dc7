"""A line's time in whole seconds, as the router stores it: one int32 per line, read in bulk.

The router's stores keep each line's time in seconds (`server/store`), and its histogram
counts with them (`server/histogram.py`). The explorer's own time column is the buffer's
microseconds (`core/ingest/times.py`); `core/timeline.py` reads both as whole seconds, so a
range or a bucket means the same on either side.

`line_times` reads a block's stamps without one Python call per line: the first 19 bytes of
each line (`2026-11-01T12:00:00`) and the zone at the position the block's first timestamp
puts it (`+00:00` after Logplex's six fraction digits) are looked up in two dict caches through
`map`, so a Logplex line costs two dictionary hits at C speed (~0.1 µs). Other shapes, and
lines whose bytes do not fit the block's shape, are parsed one by one (`parse_timestamp`).

Values are seconds since `BASE` (2020-01-01Z), so an int32 spans 1951-2088 (4 bytes a line);
`NO_TIME` marks a line without a readable timestamp, which no bounded range contains.
"""

from __future__ import annotations

import calendar
import re
from array import array
from collections.abc import Sequence
from itertools import compress
from operator import itemgetter, sub

from tuilogs.core.record import parse_timestamp

BASE = 1_577_836_800  # 2020-01-01T00:00:00Z
NO_TIME = -(2**31)
_MAX = 2**31 - 1
_LIMIT = 86_400 * 2  # zone offsets are < a day: local values are clamped this far inside
_BAD = 1 << 50  # a cache's "not this shape" (far outside any int32 once combined)

_LOCAL = itemgetter(slice(0, 19))
_LOCAL_RE = re.compile(rb"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)")
_ZONE_RE = re.compile(rb"(?:Z|([+-])(\d\d)(?::?(\d\d))?) ")


class _LocalSeconds(dict):
    """`b"2026-11-01T12:00:00"` → seconds since BASE as if UTC; -_BAD for anything else."""

    def __missing__(self, key: bytes) -> int:
        if len(self) > 200_000:  # garbage prefixes of raw lines must not grow it for ever
            self.clear()
        m = _LOCAL_RE.fullmatch(key)
        value = -_BAD
        if m is not None:
            y, mo, d, h, mi, s = map(int, m.groups())
            if 1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1] and h < 24 and mi < 60:
                seconds = calendar.timegm((y, mo, d, h, mi, min(s, 59))) - BASE
                value = max(NO_TIME + _LIMIT, min(_MAX - _LIMIT, seconds))
        self[key] = value
        return value


class _ZoneSeconds(dict):
    """`b"+01:00 "`, `b"Z "`, `b"+0100 "` → the offset in seconds; _BAD for anything else."""

    def __missing__(self, key: bytes) -> int:
        if len(self) > 10_000:
            self.clear()
        m = _ZONE_RE.fullmatch(key)
        value = _BAD
        if m is not None:
            value = 0
            if m[1]:
                value = (int(m[2]) * 3600 + int(m[3] or 0) * 60) * (-1 if m[1] == b"-" else 1)
        self[key] = value
        return value


_LOCALS = _LocalSeconds()
_ZONES = _ZoneSeconds()


def _zone_getter(lines: Sequence[bytes]) -> itemgetter:
    """Where the zone sits in this block's lines, from its first timestamped line: after the
    seconds and any fraction, up to and including the space that ends the timestamp."""
    for line in lines[:64]:
        if _LOCALS[line[:19]] == -_BAD:
            continue
        start = 19
        if line[19:20] in (b".", b","):
            start = 20
            while line[start : start + 1].isdigit():
                start += 1
        end = line.find(b" ", start, start + 8)
        if end > start:
            return itemgetter(slice(start, end + 1))
        break
    return itemgetter(slice(26, 33))  # Logplex's shape


def line_times(lines: Sequence[bytes]) -> array:
    """Seconds since BASE of each line's leading timestamp (`NO_TIME` where there is none)."""
    if not lines:
        return array("i")
    zone = _zone_getter(lines)
    values = list(
        map(
            sub,
            map(_LOCALS.__getitem__, map(_LOCAL, lines)),
            map(_ZONES.__getitem__, map(zone, lines)),
        )
    )
    if min(values) < NO_TIME:
        for i in compress(range(len(values)), map((NO_TIME).__gt__, values)):
            values[i] = _one_time(lines[i])
    return array("i", values)


def _one_time(line: bytes) -> int:
    """The slow path: one line's leading timestamp, whatever its shape."""
    if _LOCAL_RE.match(line) is None:
        return NO_TIME
    end = line.find(b" ")
    when = parse_timestamp(line[: end if end >= 0 else len(line)].decode("ascii", "replace"))
    if when is None:
        return NO_TIME
    return max(NO_TIME + 1, min(_MAX, int(when.timestamp() // 1) - BASE))
