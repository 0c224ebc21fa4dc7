"""Time ranges in the store itself (`tail_bounds`, `lines`, `since` with `since`/`until`), on
both stores: the same lines, whatever the offset form, and a stamp that only looks like a date
(February 30th, 25 o'clock) is in no bounded range rather than failing the read."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kit.routerkit import rec

pytestmark = pytest.mark.stores("sqlite", "postgres")

T0 = int(datetime(2026, 11, 1, 12, tzinfo=timezone.utc).timestamp())

RECORDS = [
    rec("a", ts="2026-11-01T12:00:00.000001+00:00"),
    rec("b", ts="2026-11-01T13:59:30+02:00"),  # 11:59:30Z
    rec("c", ts="2026-11-01T12:00:10Z"),
    rec("d", ts="2026-02-30T12:00:00Z"),  # not a date
    rec("e", ts="2026-11-01T25:00:00Z"),  # nor this
    rec("f", ts="2026-11-01T17:30:20+0530"),  # 12:00:20Z
    rec("g", ts="garbage"),
    rec("h", ts="2026-11-01T12:01:00.5Z"),
]


def messages(lines) -> list[str]:
    return [line.message for line in lines]


def test_lines_tail_bounds_and_since_keep_to_the_range(new_store):
    store = new_store()
    first, last = store.append("app", RECORDS)
    assert messages(store.lines("app", since=T0)) == ["a", "c", "f", "h"]
    assert messages(store.lines("app", until=T0)) == ["b"]
    assert messages(store.lines("app", since=T0, until=T0 + 60)) == ["a", "c", "f"]
    assert messages(store.lines("app", since=T0, until=T0 + 60, q="c")) == ["c"]
    start, head = store.tail_bounds("app", 2, since=T0, until=T0 + 60)
    assert head == last
    assert messages(store.lines("app", after=start, before=head + 1, since=T0, until=T0 + 60)) == [
        "c",
        "f",
    ]
    assert messages(store.since("app", first, since=T0 + 10)) == ["c", "f", "h"]
    assert messages(store.lines("app")) == [r.message for r in RECORDS]  # no range: every line
