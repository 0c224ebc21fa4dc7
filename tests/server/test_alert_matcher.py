"""`alerting.matcher.evaluate` over a real SQLite store: the batches after a cursor, counted
per rule and per batch with their arrival times, the rules' own notices left out."""

from __future__ import annotations

from tuilogs.core.record import LogRecord
from tuilogs.server.alerting.matcher import _connect, evaluate
from tuilogs.server.store.sqlite import SQLiteStore

TS = "2026-11-23T19:00:00.000001+00:00"
H12 = LogRecord(TS, "heroku", "router", "at=error code=H12 desc=timeout status=503")
OK = LogRecord(TS, "heroku", "router", "at=info status=200")
WEB = LogRecord(TS, "app", "web.1", "ERROR boom")
NOTICE = LogRecord(TS, "heroku", "tuilogs", 'Alert "x" fired: ERROR code=H12')


def test_counts_per_batch_after_the_cursor(tmp_path):
    store = SQLiteStore(tmp_path / "s.db")
    try:
        first = store.append("shop", [H12, OK, WEB])
        store.append("other", [H12, H12])
        store.append("shop", [H12, NOTICE, H12])
        conn = _connect(str(store.path))
        queries = ["code:H12", "level>=error", "dyno:web", ""]
        cursor, batches = evaluate(conn, "shop", 0, queries, {})
        assert [counts for _, counts in batches] == [[1, 2, 1, 3], [2, 2, 0, 2]]
        assert all(at > 1.7e9 for at, _ in batches)
        assert cursor == store.head_id()
        assert evaluate(conn, "shop", cursor, queries, {}) == (cursor, [])
        _, [(_, counts)] = evaluate(conn, "shop", first[1], queries, {})
        assert counts == [2, 2, 0, 2]
        conn.close()
    finally:
        store.close()


def test_a_line_break_inside_a_message_stays_in_its_line(tmp_path):
    """The store keeps messages as sent; a rule reads each as one line, its breaks escaped as
    the explorer shows them (`LogRecord.line`)."""
    store = SQLiteStore(tmp_path / "s.db")
    try:
        broken = [
            LogRecord(TS, "app", "web.1", "ERROR first\nsecond"),
            LogRecord(TS, "app", "web.1", "a\rb\u2028c\x85d"),
            LogRecord("", "", "", "raw\nline"),
            WEB,
        ]
        store.append("shop", broken)
        conn = _connect(str(store.path))
        queries = ["", "level>=error", "second", "\\x0a", "\\u2028", "/^second/"]
        _, [(_, counts)] = evaluate(conn, "shop", 0, queries, {})
        assert counts == [4, 2, 1, 2, 1, 0]
        conn.close()
    finally:
        store.close()


def test_a_long_backlog_is_read_in_pieces_and_counted_whole(tmp_path):
    store = SQLiteStore(tmp_path / "s.db")
    try:
        for n in (1500, 1500, 1500):  # more than one read (READ_LINES) each way
            store.append("shop", ([H12, NOTICE, OK] * n)[:n])
        conn = _connect(str(store.path))
        _, batches = evaluate(conn, "shop", 0, ["", "code:H12"], {})
        assert [counts for _, counts in batches] == [[1000, 500]] * 3
        conn.close()
    finally:
        store.close()
