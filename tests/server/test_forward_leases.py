"""Drain leases and cursors at the store: one owner per drain, a cursor that survives owners.

Every store the router runs on must pass these (`sut` is parametrised by kind). SQLite admits
one router per file, so two owners are two names calling the same store here; on PostgreSQL
they could as well be two stores on one database (tests/pg/test_pg_leases.py shares drains out
between routers); the forwarders on top are tested in test_forward_handover.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tuilogs.server.hops import MAX_HOPS
from tuilogs.server.store import LogStore, StoredBatch
from tuilogs.server.store.postgres import PostgresStore
from tuilogs.server.store.sqlite import SQLiteStore

from kit import pg_days
from kit.forwarding import recs

TTL = 15.0


@dataclass
class StoreUnderTest:
    store: LogStore
    remove_upto: Callable[[int], int]  # retention: delete the lines with id <= N


@pytest.fixture(params=["sqlite", "postgres"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def sut(kind, tmp_path, request) -> Iterator[StoreUnderTest]:
    """A store of each kind the router runs on, with a way to make retention remove lines."""
    if kind == "postgres":
        pg = PostgresStore(request.getfixturevalue("postgres_url"), retention_seconds=86400)
        yield StoreUnderTest(pg, lambda upto: pg_days.remove_upto(pg, upto))
        pg.close()
        return
    store = SQLiteStore(tmp_path / "store.sqlite3")
    yield StoreUnderTest(store, store.upkeep.delete_upto)
    store.close()


def test_a_new_drain_starts_at_its_apps_head(sut):
    store = sut.store
    _, last = store.append("myapp", recs(3))
    store.append("other", recs(2))
    drain = store.add_drain("myapp", "https://logs.example/a")
    empty = store.add_drain("newapp", "https://logs.example/b")
    leases = {lease.drain.id: lease for lease in store.lease_drains("a", TTL)}
    assert leases[drain.id].cursor == last
    assert leases[drain.id].drain == drain
    assert leases[empty.id].cursor == 0


def test_one_owner_at_a_time_and_the_cursor_goes_with_the_drain(sut):
    store = sut.store
    drain = store.add_drain("myapp", "https://logs.example/a")
    first, last = store.append("myapp", recs(5))
    (lease,) = store.lease_drains("a", TTL)
    assert store.lease_drains("b", TTL) == []
    assert not store.advance_drain(drain.id, "b", last)
    assert store.advance_drain(drain.id, "a", first + 2)
    assert store.advance_drain(drain.id, "a", first)  # never backwards
    (renewed,) = store.lease_drains("a", TTL)
    assert renewed.cursor == first + 2 and renewed.expires_at >= lease.expires_at
    store.release_drains("a")
    (taken,) = store.lease_drains("b", TTL)
    assert (taken.drain.id, taken.cursor) == (drain.id, first + 2)
    assert not store.advance_drain(drain.id, "a", last)
    assert store.lease_drains("a", TTL) == []


def test_an_expired_lease_is_taken_over(sut):
    store = sut.store
    drain = store.add_drain("myapp", "https://logs.example/a")
    (lease,) = store.lease_drains("dead", 0.0)  # lapses at once: as a router killed with -9
    (taken,) = store.lease_drains("b", TTL)
    assert taken.drain.id == drain.id and taken.cursor == lease.cursor
    assert not store.advance_drain(drain.id, "dead", 1)
    assert store.lease_drains("dead", TTL) == []  # and it does not come back


def test_each_drain_has_its_own_lease(sut):
    store = sut.store
    one = store.add_drain("myapp", "https://logs.example/a")
    store.lease_drains("a", TTL)
    two = store.add_drain("myapp", "https://logs.example/b")
    assert [lease.drain.id for lease in store.lease_drains("b", TTL)] == [two.id]
    assert [lease.drain.id for lease in store.lease_drains("a", TTL)] == [one.id]


def test_a_removed_drain_has_no_lease(sut):
    store = sut.store
    drain = store.add_drain("myapp", "https://logs.example/a")
    store.lease_drains("a", TTL)
    store.remove_drain("myapp", drain.id)
    assert store.lease_drains("a", TTL) == []
    assert not store.advance_drain(drain.id, "a", 1)


def test_stored_batches_keep_their_hops_and_the_apps_running_count(sut):
    store = sut.store
    a = store.append("myapp", recs(3))
    store.append("other", recs(4))
    b = store.append("myapp", recs(2), hops=2)
    c = store.append("myapp", recs(1), hops=MAX_HOPS)
    assert store.stored_batches("myapp", 0) == [
        StoredBatch(a[0], a[1], 0, 0),
        StoredBatch(b[0], b[1], 2, 3),
        StoredBatch(c[0], c[1], MAX_HOPS, 5),
    ]
    assert store.stored_batches("myapp", a[1], 1) == [StoredBatch(b[0], b[1], 2, 3)]
    assert store.stored_batches("myapp", a[1] - 1, 1)[0].first_id == a[0]  # holds a[1]
    assert store.stored_batches("myapp", c[1]) == []


def test_retention_keeps_the_batch_holding_a_cursor(sut):
    store = sut.store
    drain = store.add_drain("myapp", "https://logs.example/a")
    store.lease_drains("a", TTL)
    batches = [store.append("myapp", recs(4, 4 * i)) for i in range(4)]
    assert store.advance_drain(drain.id, "a", batches[1][0] + 1)  # inside the second batch
    sut.remove_upto(batches[2][1])  # the lines of three batches
    kept = store.stored_batches("myapp", 0)
    assert [(b.first_id, b.seq) for b in kept] == [(batches[1][0], 4), (batches[3][0], 12)]
    assert store.lines("myapp") == store.lines("myapp", after=batches[2][1])


def test_frame_id_dedup_still_holds_with_hops(sut):
    store = sut.store
    assert store.append("myapp", recs(2), "frame-1", hops=1) is not None
    assert store.append("myapp", recs(2), "frame-1", hops=1) is None
    assert store.count("myapp") == 2


def test_a_file_made_before_leases_is_brought_up_to_date(tmp_path):
    """A store written by the version without cursors: its drains start at the head, and
    batches stored before have no running count (`seq` None)."""
    path = tmp_path / "old.sqlite3"
    store = SQLiteStore(path)
    first, last = store.append("myapp", recs(3))
    store.close()
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        drop table drain_leases;
        drop index batches_app_last;
        alter table batches drop column hops;
        alter table batches drop column seq;
        alter table apps drop column lines_total;
        insert into drains values ('old', 'myapp', 'https://logs.example/a', 'd.old', 't', 't');
        """
    )
    conn.close()
    store = SQLiteStore(path)
    try:
        (lease,) = store.lease_drains("a", TTL)
        assert (lease.drain.id, lease.cursor) == ("old", last)
        new = store.append("myapp", recs(1), hops=1)
        assert store.stored_batches("myapp", 0) == [
            StoredBatch(first, last, 0, None),
            StoredBatch(new[0], new[1], 1, 0),
        ]
    finally:
        store.close()
