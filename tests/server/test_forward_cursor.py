"""What a drain sends next, read from the store: cut the same by any router, hops carried, and
lines retention removed before they were sent announced by L10 (drain_cursor.py); on both
stores."""

from __future__ import annotations

import re

import pytest

from tuilogs.core.logplex_batch import INJECTED_PRIORITY
from tuilogs.core.octet_counting import parse_logplex_body
from tuilogs.core.record import LogRecord
from tuilogs.server.drain_cursor import Delivery, DrainCursor, frame_id
from tuilogs.server.hops import MAX_HOPS, REPORT_HOPS
from tuilogs.server.store import Drain, LogStore

from kit.forwarding import TS, recs, remove_upto

pytestmark = pytest.mark.stores("sqlite", "postgres")

MAX_BYTES = 100_000
L10 = re.compile(r"Error L10 \(output buffer overflow\): (\d+) messages dropped since \S+\.")


def cursor_at(store: LogStore, drain: Drain, position: int) -> DrainCursor:
    """A drain's cursor as a router taking the drain over at `position` makes it."""
    cursor = DrainCursor(store, drain, position, hostname="host", sd=False, max_bytes=MAX_BYTES)
    cursor.locate()
    return cursor


def sent(delivery: Delivery) -> list[LogRecord]:
    assert delivery.batch is not None
    return [f.record() for f in parse_logplex_body(delivery.batch.body).frames]


def drain_all(cursor: DrainCursor) -> list[Delivery]:
    out = []
    while (d := cursor.next()) is not None:
        out.append(d)
        cursor.done(d)
    return out


def test_a_delivery_is_cut_the_same_whoever_reads_it_and_whenever(new_store):
    store = new_store()
    drain = store.add_drain("myapp", "https://logs.example/x")
    first, last = store.append("myapp", recs(3))
    early = cursor_at(store, drain, 0).next()
    store.append("myapp", recs(2, 3))  # stored after the first router read
    late = cursor_at(store, drain, 0).next()
    assert early is not None and late is not None and early.batch and late.batch
    assert late.batch.frame_id == early.batch.frame_id == frame_id(drain.id, first, last)
    assert late.batch.body == early.batch.body and sent(late) == recs(3)
    assert (late.last_id, late.lines, late.hops, late.skipped) == (last, 3, 0, 0)
    assert re.fullmatch(r"[0-9A-F]{32}", late.batch.frame_id)
    assert frame_id("other drain", first, last) != late.batch.frame_id
    store.close()


def test_a_large_batch_goes_in_pieces_cut_the_same_from_any_cursor(new_store):
    store = new_store()
    drain = store.add_drain("myapp", "https://logs.example/x")
    lines = [LogRecord(TS, "app", "web.1", f"{i:04d} " + "x" * 1000) for i in range(300)]
    first, _ = store.append("myapp", lines)
    pieces = drain_all(cursor_at(store, drain, 0))
    assert len(pieces) == 4
    assert [r for d in pieces for r in sent(d)] == lines
    assert all(d.batch and len(d.batch.body) < MAX_BYTES + 1100 for d in pieces)
    for before, d in zip([0] + [p.last_id for p in pieces], pieces, strict=False):
        again = cursor_at(store, drain, before).next()
        assert again is not None and again.batch and d.batch
        assert (again.batch.frame_id, again.last_id) == (d.batch.frame_id, d.last_id)
    store.close()


def test_batches_are_never_joined(new_store):
    """Whether the next batch is stored yet depends on timing: each goes on its own."""
    store = new_store()
    drain = store.add_drain("myapp", "https://logs.example/x")
    for i in range(3):
        store.append("myapp", recs(2, 2 * i))
    assert [sent(d) for d in drain_all(cursor_at(store, drain, 0))] == [
        recs(2),
        recs(2, 2),
        recs(2, 4),
    ]
    store.close()


def test_hops_travel_with_the_lines_and_the_limit_is_stepped_over(new_store):
    store = new_store()
    drain = store.add_drain("myapp", "https://logs.example/x")
    store.append("myapp", recs(1), hops=2)
    store.append("myapp", recs(1, 1), hops=MAX_HOPS)
    store.append("myapp", [LogRecord(TS, "heroku", "logplex", "Error L13")], hops=REPORT_HOPS)
    _, last = store.append("myapp", recs(1, 2))
    relayed, limit, report, local = drain_all(cursor_at(store, drain, 0))
    assert (relayed.hops, sent(relayed)) == (2, recs(1))
    assert limit.batch is None and report.batch is None
    assert (local.hops, sent(local), local.last_id) == (0, recs(1, 2), last)
    store.close()


def test_lines_retention_removed_are_announced_by_l10(new_store):
    store = new_store()
    drain = store.add_drain("myapp", "https://logs.example/x")
    (lease,) = store.lease_drains("router", 15)
    done = store.append("myapp", recs(3))
    store.append("other", recs(5))
    store.append("myapp", recs(10, 3))
    third = store.append("myapp", recs(5, 13))
    assert store.advance_drain(drain.id, "router", done[1])  # the first batch was delivered
    remove_upto(store, third[0] + 1)  # the second batch, and two lines of the third

    for cursor in (cursor_at(store, drain, done[1]), cursor_at(store, drain, done[1])):
        d = cursor.next()
        assert d is not None and d.skipped == 12
        notice, *rest = sent(d)
        assert L10.fullmatch(notice.message) and L10.fullmatch(d.notice)
        assert L10.fullmatch(notice.message).group(1) == "12"
        assert (notice.source, notice.dyno) == ("heroku", "logplex")
        assert rest == recs(3, 15)
        assert d.batch is not None
        assert d.batch.frame_id == frame_id(drain.id, third[0] + 2, third[1])
        # Logplex's own message: priority 172 and no LF, the next frame follows at once.
        assert re.match(rb"\d+ <%d>1 [^\n]*\.\d+ <190>1 " % INJECTED_PRIORITY, d.batch.body)
        cursor.done(d)
        assert cursor.next() is None

    store.close()


def test_a_notice_waits_for_the_next_batch_sent(new_store):
    """Lines removed before a batch that is not forwarded (hop limit) are announced with the
    next one that is."""
    store = new_store()
    drain = store.add_drain("myapp", "https://logs.example/x")
    store.lease_drains("router", 15)
    gone = store.append("myapp", recs(4))
    store.append("myapp", recs(1, 4), hops=MAX_HOPS)
    store.append("myapp", recs(1, 5))
    remove_upto(store, gone[1])
    stepped, d = drain_all(cursor_at(store, drain, 0))
    assert stepped.batch is None and stepped.skipped == 0  # cursor 0: the count is unknown

    drain = store.add_drain("again", "https://logs.example/x")
    store.lease_drains("router", 15)
    start = store.append("again", recs(1))
    assert store.advance_drain(drain.id, "router", start[1])
    gone = store.append("again", recs(4, 1))
    store.append("again", recs(1, 5), hops=MAX_HOPS)
    store.append("again", recs(1, 6))
    remove_upto(store, gone[1])
    stepped, d = drain_all(cursor_at(store, drain, start[1]))
    assert stepped.batch is None and stepped.skipped == 4
    assert d.skipped == 4 and L10.fullmatch(sent(d)[0].message).group(1) == "4"
    assert sent(d)[1:] == recs(1, 6)
