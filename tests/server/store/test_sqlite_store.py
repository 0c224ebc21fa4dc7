"""The SQLite store: dyno filter in SQL, paging and search, dedupe, retention, full disk."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuilogs.core.record import dyno_matches
from tuilogs.server.store import StoreFull
from tuilogs.server.store.sqlite import SQLiteStore
from tuilogs.server.store.sqlite_fts import parts, stale_bytes
from tuilogs.server.store.sqlite_sql import dyno_clause

from kit.routerkit import rec

DYNO_ALPHABET = "web.workr-_0123456789aZ"
dyno_text = st.text(alphabet=DYNO_ALPHABET, max_size=12)
DYNOS = [
    "web.1",
    "web.10",
    "web.12",
    "web-123-456",
    "web-1",
    "web-",
    "web--1",
    "web-1-",
    "web",
    "worker.1",
    "router",
    "api",
    "run.1234",
    "heroku-postgres",
    "a-b.1",
    "web.1.2",
    "WEB.1",
    "webby.1",
    "web_2-3",
    "web.",
    ".web",
    "",
]


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "s.sqlite3")
    yield s
    s.close()


@pytest.fixture(scope="module")
def memdb():
    conn = sqlite3.connect(":memory:")
    yield conn
    conn.close()


def sql_matches(conn, dyno: str, wanted: str) -> bool:
    clause, args = dyno_clause(wanted)
    sql = f"select 1 from (select ? as dyno) where {clause}"
    return conn.execute(sql, [dyno, *args]).fetchone() is not None


@pytest.mark.parametrize("wanted", ["web", "web.1", "worker", "run", "heroku-postgres", "a-b", ""])
@pytest.mark.parametrize("dyno", DYNOS)
def test_dyno_clause_examples(memdb, dyno, wanted):
    assert sql_matches(memdb, dyno, wanted) == dyno_matches(dyno, wanted)


@settings(
    max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dyno=st.one_of(dyno_text, st.sampled_from(DYNOS)), wanted=dyno_text)
def test_dyno_clause_is_record_dyno_matches(memdb, dyno, wanted):
    assert sql_matches(memdb, dyno, wanted) == dyno_matches(dyno, wanted)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dyno=st.one_of(dyno_text, st.sampled_from(DYNOS)))
def test_dyno_clause_prefix_of_real_dyno(memdb, dyno):
    for cut in range(len(dyno) + 1):
        wanted = dyno[:cut]
        assert sql_matches(memdb, dyno, wanted) == dyno_matches(dyno, wanted)


def test_append_ids_are_received_order_and_never_reused(tmp_path):
    s = SQLiteStore(tmp_path / "s.sqlite3")
    assert s.append("a", [rec("1"), rec("2")]) == (1, 2)
    assert s.append("b", [rec("3")]) == (3, 3)
    assert s.append("a", []) is None
    s.upkeep.delete_upto(3)
    assert s.count() == 0
    s.close()
    s = SQLiteStore(tmp_path / "s.sqlite3")
    assert s.append("a", [rec("4")]) == (4, 4)
    s.close()


def test_dedupe_by_frame_id(store):
    assert store.append("a", [rec("x")], "f1") == (1, 1)
    assert store.append("a", [rec("x")], "f1") is None
    assert store.append("b", [rec("x")], "f1") == (2, 2)
    assert store.count() == 2


def tail(store, app, n, **filters):
    """The last `n` lines as a log session reads them: bounds, then the lines up to the head."""
    start, head = store.tail_bounds(app, n, **filters)
    return store.lines(app, after=start, before=head + 1, limit=n, **filters), head


def page_of(store, *, before=None, after=None, limit=100, **filters):
    """A `log-lines` page as the endpoint reads it (forward after `after`, else backward)."""
    if after is not None and before is None:
        return store.lines("app", after=after, limit=limit, **filters)
    start, head = store.tail_bounds("app", limit, before=before, after=after or 0, **filters)
    upper = head + 1 if before is None else min(before, head + 1)
    return store.lines("app", after=start, before=upper, limit=limit, **filters)


def test_tail_filters_and_head(store):
    store.append("a", [rec("w1", "web.1"), rec("w10", "web.10"), rec("r", "router", "heroku")])
    store.append("b", [rec("other", "web.1")])
    lines, head = tail(store, "a", 10, dyno="web.1")
    assert [x.message for x in lines] == ["w1"] and head == 4
    lines, _ = tail(store, "a", 10, dyno="web")
    assert [x.message for x in lines] == ["w1", "w10"]
    lines, _ = tail(store, "a", 10, source="heroku")
    assert [x.message for x in lines] == ["r"]
    lines, _ = tail(store, "a", 2)
    assert [x.message for x in lines] == ["w10", "r"]
    assert tail(store, "a", 0) == ([], 4)
    assert store.tail_bounds("a", 2, q="W1") == (0, 4)  # fewer matches than asked: all of them
    assert store.tail_bounds("a", 1, q="W1") == (1, 4)  # "w10" (id 2) alone


def test_reads_stop_at_a_byte_budget(store):
    store.append("app", [rec(f"{i} " + "x" * 998) for i in range(10)])
    assert len(store.lines("app", limit=10, max_bytes=3000)) == 3
    assert len(store.lines("app", limit=10, max_bytes=1)) == 1  # at least one line
    assert len(store.lines("app", limit=10, q="xxx", max_bytes=2500)) == 3
    store.index_pending()
    assert len(store.lines("app", limit=10, q="xxx", max_bytes=2500)) == 3
    assert [x.id for x in store.lines("app", after=8, limit=10, q="xxx", max_bytes=1)] == [9]


def _fill(store, n=5000, chunk=700):
    msgs = []
    for i in range(0, n, chunk):
        batch = [
            rec(f"msg {j} {'needle' if j % 37 == 0 else 'hay'} 100%_x", f"web.{j % 3 + 1}")
            for j in range(i, min(n, i + chunk))
        ]
        store.append("app", batch)
        msgs += batch
    return msgs


@pytest.mark.parametrize(
    ("indexed", "deleted"), [(0, 0), (2000, 0), (10_000, 0), (2000, 1500), (10_000, 2222)]
)
def test_paging_with_search_matches_a_naive_scan(tmp_path, indexed, deleted):
    store = SQLiteStore(tmp_path / "s.sqlite3")
    msgs = _fill(store)
    while store.fts_upto < indexed and store.index_pending(300):
        pass
    store.upkeep.delete_upto(deleted)  # their index entries stay until their partition goes

    def naive(q, dyno=None):
        return [
            i + 1
            for i, r in enumerate(msgs)
            if i >= deleted
            and q.lower() in r.message.lower()
            and (dyno is None or dyno_matches(r.dyno, dyno))
        ]

    for q, dyno in [
        ("needle", None),
        ("NEEDLE", "web.2"),
        ("100%_", None),
        ("%", None),
        ("zz", None),
    ]:
        want = naive(q, dyno)
        got, before = [], None
        while True:
            page = page_of(store, before=before, limit=50, q=q, dyno=dyno)
            if not page:
                break
            got = [x.id for x in page] + got
            before = page[0].id
        assert got == want, (q, dyno)
        got, after = [], 0
        while True:
            page = page_of(store, after=after, limit=64, q=q, dyno=dyno)
            if not page:
                break
            got += [x.id for x in page]
            after = page[-1].id
        assert got == want, (q, dyno)
        assert page_of(store, before=deleted, limit=5, q=q) == []  # below the oldest line
    store.close()


def test_paging_without_search(store):
    _fill(store, 1000)
    page = page_of(store, limit=10)
    assert [x.id for x in page] == list(range(991, 1001))
    page = page_of(store, before=500, limit=3)
    assert [x.id for x in page] == [497, 498, 499]
    page = page_of(store, after=500, limit=3)
    assert [x.id for x in page] == [501, 502, 503]


def test_retention_by_age_and_size(tmp_path):
    s = SQLiteStore(tmp_path / "s.sqlite3", retention_seconds=3600)
    _fill(s, 3000)
    s.index_pending(10_000)
    s.db.writer.execute("update batches set received_at = received_at - 7200 where first_id < 1400")
    s.enforce_retention()
    remaining = s.since("app", 0, 10_000)
    assert remaining and remaining[0].id == 1401  # batches are 700 lines: 1..1400 were old
    # Search reads no entry of a deleted line (they wait in their partition to be dropped).
    assert [x.id for x in page_of(s, limit=500, q="needle")] == [
        i + 1 for i in range(1400, 3000) if i % 37 == 0
    ]
    assert s.integrity_check() == "ok"
    s.upkeep.retention_seconds = None
    s.upkeep.retention_bytes = s.used_bytes() // 2
    s.enforce_retention()
    # Index entries of deleted lines wait for their partition: not counted, not a reason to
    # delete more lines.
    assert s.used_bytes() - stale_bytes(s.db.reader()) <= s.upkeep.retention_bytes
    assert 0 < s.count() < 1600
    assert s.index_integrity_check() == "ok"
    s.close()


def test_retention_drops_whole_index_partitions(tmp_path):
    s = SQLiteStore(tmp_path / "s.sqlite3")
    s.upkeep.retention_bytes = 4 << 20  # partitions of 256 KB of messages (the smallest)
    s.append("app", [rec(f"{i} " + "x" * 2000) for i in range(2000)])
    while s.index_pending(100):  # 200 KB at a time: a partition is full after two
        pass
    before = parts(s.db.reader())
    assert len(before) >= 8 and sum(p.bytes for p in before) > 4_000_000
    cut = before[1].last_id
    s.upkeep.delete_upto(cut)  # every line of the first two partitions
    assert parts(s.db.reader()) == before[2:]
    s.upkeep.delete_upto(cut + 1)  # the third holds entries of one deleted line: kept
    assert parts(s.db.reader()) == before[2:]
    assert s.index_integrity_check() == "ok"
    assert page_of(s, limit=3, q="xxx")[0].id == 1998
    assert page_of(s, after=0, limit=1, q="xxx")[0].id == cut + 2
    s.close()


def test_an_earlier_single_index_is_adopted(tmp_path):
    path = tmp_path / "s.sqlite3"
    s = SQLiteStore(path)
    _fill(s, 1000)
    s.close()
    conn = sqlite3.connect(path)  # the index as the previous version kept it
    conn.execute(
        "create virtual table lines_fts using fts5(message, content='lines',"
        " content_rowid='id', tokenize='trigram', detail=none)"
    )
    conn.execute("insert into lines_fts(rowid, message) select id, message from lines")
    conn.execute("insert into meta(key, value) values ('fts_upto', 1000)")
    conn.commit()
    conn.close()
    s = SQLiteStore(path)
    assert [(p.name, p.first_id, p.last_id) for p in parts(s.db.reader())] == [
        ("lines_fts", 1, 1000)
    ]
    assert [x.id for x in page_of(s, limit=3, q="needle")] == [926, 963, 1000]
    s.upkeep.delete_upto(1000)
    assert parts(s.db.reader()) == []
    s.close()


def test_full_disk_raises_store_full_and_rolls_back(tmp_path):
    s = SQLiteStore(tmp_path / "s.sqlite3")
    s.append("app", [rec("small")])
    s.set_max_bytes(s.used_bytes() + 8192)
    with pytest.raises(StoreFull):
        for _ in range(100):
            s.append("app", [rec("x" * 1000) for _ in range(100)])
    count = s.count()
    assert count % 100 == 1  # whole batches only
    s.set_max_bytes(None)
    assert s.append("app", [rec("after")]) is not None
    assert s.integrity_check() == "ok"
    s.close()


def test_drains_crud(store):
    d = store.add_drain("app", "https://u:p@example.com/x")
    assert d.token.startswith("d.") and (d.app, d.url) == ("app", "https://u:p@example.com/x")
    assert store.add_drain("app", "https://u:p@example.com/x") is None
    for ident in (d.id, d.url, d.token):
        assert store.find_drain("app", ident) == d
    assert store.find_drain("other", d.id) is None
    assert store.drains() == [d] and [a.name for a in store.apps()] == ["app"]
    assert store.remove_drain("app", d.token) == d
    assert store.drains() == []


def test_an_older_database_is_converted_to_give_space_back(tmp_path):
    path = tmp_path / "s.sqlite3"
    conn = sqlite3.connect(path)  # as earlier versions made it: no auto-vacuum
    conn.execute(
        "create table lines(id integer primary key, app text not null, ts text not null,"
        " source text not null, dyno text not null, message text not null)"
    )
    conn.executemany(
        "insert into lines values (?, 'app', 't', 'app', 'web.1', ?)",
        [(i, "x" * 1000) for i in range(1, 3001)],
    )
    conn.commit()
    conn.close()
    s = SQLiteStore(path)
    assert s.db.reader().execute("pragma auto_vacuum").fetchone()[0] == 2  # incremental
    assert s.count() == 3000
    big = s.disk_bytes()
    s.upkeep.delete_upto(2900)
    while s.maintain(busy=False).more:
        pass
    assert s.disk_bytes() < big / 5  # the freed pages went back, and the WAL with them
    assert s.integrity_check() == "ok"
    s.close()
