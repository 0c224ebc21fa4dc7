"""PostgreSQL fixtures: one real server per session (kit/postgres.py), a fresh database per test.

The router's tests against both stores will want these too; they then move to tests/conftest.py
(one definition, or pytest would start one server per definition).
"""

from __future__ import annotations

import pytest

from kit.postgres import PostgresServer, start_server

_started: list[PostgresServer] = []


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    server = start_server()
    _started.append(server)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """`postgresql://user:password@127.0.0.1:PORT/test_…` of a database made for this test."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


def pytest_terminal_summary(terminalreporter) -> None:
    for server in _started:
        terminalreporter.write_line(
            f"PostgreSQL for the tests: {server.version} ({server.binaries.origin}), "
            f"ready in {server.startup_seconds:.2f} s"
        )
