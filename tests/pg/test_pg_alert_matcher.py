"""`alerting.pg_matcher` over the suite's real PostgreSQL: the batches of an app after a cursor,
whichever store (router) appended them, counted per rule and per batch with the database's
arrival times, the rules' own notices left out — as `matcher.evaluate` counts them on SQLite —
and the same through the child process."""

from __future__ import annotations

from tuilogs.core.record import LogRecord
from tuilogs.server.alerting.pg_matcher import PgMatcher, PgReader, evaluate
from tuilogs.server.store.postgres import PostgresStore

TS = "2026-11-23T19:00:00.000001+00:00"
H12 = LogRecord(TS, "heroku", "router", "at=error code=H12 desc=timeout status=503")
OK = LogRecord(TS, "heroku", "router", "at=info status=200")
WEB = LogRecord(TS, "app", "web.1", "ERROR boom")
NOTICE = LogRecord(TS, "heroku", "tuilogs", 'Alert "x" fired: ERROR code=H12')
QUERIES = ["code:H12", "level>=error", "dyno:web", ""]


def test_counts_per_batch_after_the_cursor_from_every_router(postgres_url):
    a, b = PostgresStore(postgres_url), PostgresStore(postgres_url)  # two routers' stores
    reader = PgReader(postgres_url)
    try:
        first = a.append("shop", [H12, OK, WEB])
        b.append("other", [H12, H12])
        last = b.append("shop", [H12, NOTICE, H12])
        cursor, batches = evaluate(reader, "shop", 0, QUERIES, {})
        assert [counts for _, counts in batches] == [[1, 2, 1, 3], [2, 2, 0, 2]]
        assert all(at > 1.7e9 for at, _ in batches)
        assert batches[0][0] <= batches[1][0]
        assert cursor == last[1]
        assert evaluate(reader, "shop", cursor, QUERIES, {}) == (cursor, [])
        _, [(_, counts)] = evaluate(reader, "shop", first[1], QUERIES, {})
        assert counts == [2, 2, 0, 2]
        assert evaluate(reader, "nobody", 0, QUERIES, {}) == (0, [])
    finally:
        reader.close()
        a.close()
        b.close()


def test_the_child_process_answers_the_same(postgres_url):
    store = PostgresStore(postgres_url)
    matcher = PgMatcher(store.db.url)
    try:
        store.append("shop", [H12, OK, WEB])
        store.append("shop", [H12, NOTICE, H12])
        matcher.warm()
        cursor, batches = matcher.evaluate("shop", 0, QUERIES)
        assert [counts for _, counts in batches] == [[1, 2, 1, 3], [2, 2, 0, 2]]
        assert cursor == store.head_id()
    finally:
        matcher.close()
        store.close()
