"""Drain leases in PostgreSQL: each drain has one owner at a time, a cursor that only its owner
moves, a new owner after the old one stopped renewing or gave it back, and drains spread over
the routers alive; an older schema migrated. (What every store must do with leases and
cursors: tests/server/test_forward_leases.py.)"""

from __future__ import annotations

import psycopg
import pytest

from tuilogs.server.store import StoredBatch
from tuilogs.server.store.postgres import PostgresStore
from tuilogs.server.store.postgres_sql import MIGRATIONS, SCHEMA_VERSION

from kit.routerkit import rec
from kit.waiting import wait_until


@pytest.fixture
def stores(postgres_url):
    """Two routers' stores on one database."""
    a, b = PostgresStore(postgres_url), PostgresStore(postgres_url)
    yield a, b
    a.close()
    b.close()


def owned(leases) -> set[str]:
    return {lease.drain.id for lease in leases}


def test_a_new_drain_forwards_from_its_apps_head(stores):
    a, _ = stores
    a.append("app", [rec("before"), rec("the drain")])
    drain = a.add_drain("app", "https://example.com/logs")
    empty = a.add_drain("new-app", "https://example.com/other")
    leases = {lease.drain.id: lease for lease in a.lease_drains("r1", 30)}
    assert leases[drain.id].cursor == 2 and leases[empty.id].cursor == 0
    assert leases[drain.id].drain == drain


def test_each_drain_has_one_owner_and_they_spread_over_the_routers(stores):
    a, b = stores
    drains = {a.add_drain("app", f"https://example.com/{i}").id for i in range(4)}
    assert owned(a.lease_drains("r1", 3)) == drains  # alone: all of them
    assert owned(b.lease_drains("r2", 30)) == set()  # none free yet
    mine = owned(a.lease_drains("r1", 30))  # two routers alive: r1 keeps its share
    assert len(mine) == 2
    # The two handed back are nobody's to send until r1's lease on them runs out.
    theirs = wait_until(lambda: owned(b.lease_drains("r2", 30)), 10, 0.05)
    assert theirs == drains - mine
    assert owned(a.lease_drains("r1", 30)) == mine  # stable once spread
    assert owned(b.lease_drains("r2", 30)) == theirs


def test_only_the_owner_moves_the_cursor(stores):
    a, b = stores
    drain = a.add_drain("app", "https://example.com/logs")
    a.lease_drains("r1", 30)
    assert a.advance_drain(drain.id, "r1", 10)
    assert a.advance_drain(drain.id, "r1", 5)  # never backwards
    assert not b.advance_drain(drain.id, "r2", 20)
    assert [lease.cursor for lease in a.lease_drains("r1", 30)] == [10]


def test_a_lease_not_renewed_passes_to_another_router(stores):
    a, b = stores
    drain = a.add_drain("app", "https://example.com/logs")
    assert owned(a.lease_drains("r1", 0.2)) == {drain.id}
    a.advance_drain(drain.id, "r1", 7)
    lease = wait_until(lambda: b.lease_drains("r2", 30), 10, 0.05)
    assert owned(lease) == {drain.id} and lease[0].cursor == 7  # resumes from the cursor
    assert not a.advance_drain(drain.id, "r1", 8)  # r1 learns it lost the drain


def test_released_drains_are_taken_at_once(stores):
    a, b = stores
    drains = {a.add_drain("app", f"https://example.com/{i}").id for i in range(3)}
    a.lease_drains("r1", 30)
    a.release_drains("r1")
    assert owned(b.lease_drains("r2", 30)) == drains
    assert a.remove_drain("app", sorted(drains)[0]) is not None
    assert len(b.lease_drains("r2", 30)) == 2


def test_a_database_of_schema_1_is_migrated_at_start(postgres_url):
    """Schema 1 had no batch rows; a router starting on it adds them (migration 2), and the
    later tables."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(MIGRATIONS[0])
        conn.execute("insert into tuilogs.meta(key, value) values ('schema', 1)")
        conn.execute(
            "insert into tuilogs.apps(name, created_at, updated_at, last_id)"
            " values ('old', 't', 't', 7)"
        )
    store = PostgresStore(postgres_url)
    try:
        assert store.append("old", [rec("a"), rec("b")], hops=1) == (8, 9)
        assert store.stored_batches("old", 0) == [StoredBatch(8, 9, 1, 7)]
        store.add_redactions("old", {"email": 2})  # migration 3
        assert store.redactions("old") == {"email": 2}
        build = store.create_build("old", user="u")  # migration 4
        assert store.builds("old") == [build]
        with store.db.conn() as conn:
            version = conn.execute("select value from tuilogs.meta where key = 'schema'")
            assert version.fetchone()[0] == SCHEMA_VERSION == 6
            assert conn.execute("select count(*) from tuilogs.leases").fetchone() == (0,)  # 6
    finally:
        store.close()
