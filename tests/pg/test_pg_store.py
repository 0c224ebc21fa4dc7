"""The PostgreSQL store on its own: day partitions and retention by whole days, search over
lines indexed or not yet, frame ids, NUL bytes, the dyno filter in SQL, the schema made by
several routers at once."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuilogs.core.record import dyno_matches
from tuilogs.server.store import StoreFull
from tuilogs.server.store.postgres import PostgresStore
from tuilogs.server.store.postgres_sql import SCHEMA_VERSION, dyno_clause
from tuilogs.server.store.postgres_upkeep import AHEAD_DAYS, partition_name

from kit.routerkit import rec

DYNOS = ["web.1", "web.10", "web-123-456", "web-1", "web-", "web--1", "web", "run.1234", ""]
DYNO_ALPHABET = "web.wor-_0123456789aZ"


@pytest.fixture
def store(postgres_url):
    s = PostgresStore(postgres_url)
    yield s
    s.close()


def today(store) -> dt.date:
    with store.db.conn() as conn:
        return conn.execute("select (now() at time zone 'utc')::date").fetchone()[0]


def days_of(store) -> list[dt.date]:
    with store.db.conn() as conn:
        return [day for day, _, _ in store.upkeep.partitions(conn)]


def index_all(store) -> None:
    while store.upkeep.index_pending():
        pass


def move_to_day(store, app: str, upto: int, day: dt.date) -> None:
    """Lines of `app` with id <= `upto` as if they had arrived on `day` (its partition made)."""
    index_all(store)
    with store.db.conn() as conn:
        if partition_name(day) not in {n for _, n, _ in store.upkeep.partitions(conn)}:
            store.upkeep.make_partition(conn, day)
        conn.execute(
            "update tuilogs.lines set day = %s where id <= %s"
            " and app_id = (select id from tuilogs.apps where name = %s)",
            (day, upto, app),
        )
        conn.execute("vacuum tuilogs.lines, tuilogs.recent")  # moved rows leave no dead space


def fill(store, app="app", n=3000, chunk=500):
    for i in range(0, n, chunk):
        store.append(
            app,
            [
                rec(f"msg {j} {'needle' if j % 37 == 0 else 'hay'} 100%_x", f"web.{j % 3 + 1}")
                for j in range(i, min(n, i + chunk))
            ],
        )


def test_partitions_exist_from_today_ahead_and_take_todays_lines(store):
    day = today(store)
    assert days_of(store) == [day + dt.timedelta(days=k) for k in range(AHEAD_DAYS + 1)]
    assert store.append("app", [rec("a"), rec("b")]) == (1, 2)
    assert store.upkeep.index_pending() == 2
    with store.db.conn() as conn:
        count = conn.execute(f"select count(*) from tuilogs.{partition_name(day)}").fetchone()
    assert count == (2,)


def test_lines_of_a_day_without_partition_get_one(store):
    with store.db.conn() as conn:
        for _, name, _ in store.upkeep.partitions(conn):
            conn.execute(f"alter table tuilogs.lines detach partition tuilogs.{name}")
            conn.execute(f"drop table tuilogs.{name}")
    assert days_of(store) == []
    assert store.append("app", [rec("after a clock jump")]) == (1, 1)
    assert store.upkeep.index_pending() == 1
    assert days_of(store) == [today(store)]
    assert [x.message for x in store.since("app", 0)] == ["after a clock jump"]


def test_ids_count_per_app_and_are_never_reused(store):
    assert store.append("a", [rec("1"), rec("2")]) == (1, 2)
    assert store.append("b", [rec("3")]) == (1, 1)
    assert store.append("a", [rec("4")]) == (3, 3)
    move_to_day(store, "a", 3, today(store) - dt.timedelta(days=10))
    store.upkeep.retention_seconds = 86400
    assert store.enforce_retention() == 3
    assert store.count("a") == 0 and store.count("b") == 1
    assert store.append("a", [rec("5")]) == (4, 4)
    assert store.tail_bounds("a", 10) == (0, 4)  # the head is the app's own newest id


def test_retention_by_age_drops_whole_days(store):
    fill(store, n=3000)
    old = today(store) - dt.timedelta(days=5)
    move_to_day(store, "app", 1000, old)
    move_to_day(store, "app", 500, old - dt.timedelta(days=1))
    store.upkeep.retention_seconds = 3 * 86400
    assert store.enforce_retention() == 1000
    assert old not in days_of(store)
    remaining = store.since("app", 0, 10_000)
    assert remaining[0].id == 1001 and len(remaining) == 2000
    assert store.enforce_retention() == 0


def test_retention_by_size_drops_the_oldest_days_but_never_today(store, caplog):
    day = today(store)
    fill(store, n=4000)
    for k, upto in ((3, 1000), (2, 2000), (1, 3000)):
        move_to_day(store, "app", upto, day - dt.timedelta(days=k))
    whole = store.used_bytes()
    store.upkeep.retention_bytes = int(whole * 0.6)
    store.enforce_retention()
    assert store.used_bytes() <= store.upkeep.retention_bytes
    kept = store.since("app", 0, 10_000)
    assert kept[0].id in (2001, 3001) and kept[-1].id == 4000
    # A budget smaller than today's lines: today is kept, and the log says why.
    store.upkeep.retention_bytes = 1
    with caplog.at_level(logging.WARNING, logger="tuilogs.server.store"):
        store.enforce_retention()
    assert [x.id for x in store.since("app", 0, 10_000)] == list(range(3001, 4001))
    assert "keeps the day being written" in caplog.text
    assert min(days_of(store)) == day


def test_a_hard_cap_refuses_batches_until_retention_made_room(store):
    fill(store, n=1000)
    move_to_day(store, "app", 1000, today(store) - dt.timedelta(days=2))
    store.upkeep.max_bytes = store.used_bytes() // 2
    store.upkeep._next_size = 0
    store.maintain(busy=False)  # measures, drops the old day: under the cap again
    assert not store.upkeep.full and store.count() == 0
    fill(store, n=1000)
    store.upkeep.max_bytes = 1
    store.upkeep._next_size = 0
    store.maintain(busy=False)
    with pytest.raises(StoreFull):
        store.append("app", [rec("refused")])


def test_frame_ids_dedupe_across_two_stores_on_one_database(postgres_url):
    a, b = PostgresStore(postgres_url), PostgresStore(postgres_url)
    try:
        assert a.append("app", [rec("x")], "f1") == (1, 1)
        assert b.append("app", [rec("x")], "f1") is None
        assert b.append("other", [rec("x")], "f1") == (1, 1)
        assert a.append("app", [rec("y")], "f2") == (2, 2)  # no id was spent on the retry
        assert a.count() == 3
    finally:
        a.close()
        b.close()


def tail(store, app, n, **filters):
    start, head = store.tail_bounds(app, n, **filters)
    return store.lines(app, after=start, before=head + 1, limit=n, **filters), head


def test_tail_filters_search_and_byte_budget(store):
    store.append("a", [rec("w1", "web.1"), rec("w10", "web.10"), rec("r", "router", "heroku")])
    store.append("a", [rec("Zürich NUL\x00 here", "web-12-34")])
    lines, head = tail(store, "a", 10, dyno="web")
    assert [x.message for x in lines] == ["w1", "w10", "Zürich NUL\ufffd here"] and head == 4
    assert [x.message for x in tail(store, "a", 10, source="heroku")[0]] == ["r"]
    assert store.tail_bounds("a", 1, q="W1") == (1, 4)
    assert [x.id for x in store.lines("a", q="zürich")] == [4]
    assert [x.id for x in store.lines("a", q="%")] == []
    store.append("big", [rec(f"{i} " + "x" * 998) for i in range(10)])
    assert len(store.lines("big", limit=10, max_bytes=3000)) == 3
    assert len(store.lines("big", limit=10, max_bytes=1)) == 1
    assert [x.id for x in store.lines("big", after=8, q="xxx", max_bytes=1)] == [9]


@pytest.mark.parametrize("indexed", [0, 1000, 3000])
def test_search_is_exact_over_lines_indexed_or_not_yet(store, indexed):
    fill(store, n=3000)
    assert store.upkeep.index_pending(indexed) == indexed
    want = [j + 1 for j in range(3000) if j % 37 == 0]
    got, before = [], None
    while True:
        start, head = store.tail_bounds("app", 50, q="NEEDLE", before=before)
        upper = head + 1 if before is None else min(before, head + 1)
        page = store.lines("app", after=start, before=upper, limit=50, q="NEEDLE")
        if not page:
            break
        got = [x.id for x in page] + got
        before = page[0].id
    assert got == want
    assert [x.id for x in store.lines("app", q="100%_", limit=5)] == [1, 2, 3, 4, 5]


@pytest.fixture(scope="module")
def pg_conn(postgres_server):
    name = postgres_server.create_database()
    conn = postgres_server.connect(name)
    yield conn
    conn.close()
    postgres_server.drop_database(name)


def sql_matches(conn, dyno: str, wanted: str) -> bool:
    clause, args = dyno_clause(wanted, "d")
    return (
        conn.execute(
            f"select 1 from (select %s::text as d) x where {clause}", [dyno, *args]
        ).fetchone()
        is not None
    )


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dyno=st.one_of(st.text(alphabet=DYNO_ALPHABET, max_size=12), st.sampled_from(DYNOS)),
    wanted=st.one_of(st.text(alphabet=DYNO_ALPHABET, min_size=1, max_size=8)),
)
def test_dyno_clause_is_record_dyno_matches(pg_conn, dyno, wanted):
    assert sql_matches(pg_conn, dyno, wanted) == dyno_matches(dyno, wanted)


def test_routers_starting_at_once_make_the_schema_once(postgres_url):
    stores, errors = [], []

    def open_one():
        try:
            stores.append(PostgresStore(postgres_url, pool_min=1, pool_max=2))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == [] and len(stores) == 4
        assert stores[0].append("app", [rec("x")]) == (1, 1)
        assert stores[3].count("app") == 1
        with psycopg.connect(postgres_url) as conn:
            version = conn.execute("select value from tuilogs.meta where key = 'schema'")
            assert version.fetchone() == (SCHEMA_VERSION,)
    finally:
        for s in stores:
            s.close()
