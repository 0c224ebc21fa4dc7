"""Fixtures shared by every test directory: a REAL router on a free loopback port (its data
under a per-test TUILOGS_HOME), a Platform client for it, and `serve_asgi` for the few server
behaviours the router cannot produce on demand (a small Starlette app served by uvicorn on
loopback — never a mocked transport). Helpers for driving the router are in `routerkit.py`.

Routers run on SQLite unless a test module asks for both stores with
`pytestmark = pytest.mark.stores("sqlite", "postgres")`: its tests that use a router then run
once per store (`store_kind`). A PostgreSQL router's database is the test's own
(`postgres_url`, a real server the suite starts, kit/postgres.py); routers made in one test
share it, as a team's routers do. The server starts only when a test first needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import threading
import time
import types
import uuid
from collections.abc import Callable

import pytest
import uvicorn
from hypothesis import Phase, settings

from tuilogs.core import locations as paths
from tuilogs.platform.client import PlatformClient
from tuilogs.server.run import RouterHandle, start_in_thread
from tuilogs.server.store import LogStore, open_store
from tuilogs.server.store import interface as store_interface
from tuilogs.server.store import postgres as pg_store_module
from tuilogs.server.store import sqlite as store_module

from kit.files import SAMPLE, load
from kit.postgres import PostgresServer, start_server


@pytest.fixture
def tuilogs_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TUILOGS_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def _no_deploy_environment(monkeypatch):
    """`TUILOGS_TOKEN` and `PORT` set on the machine (a dyno, a CI) would choose the token and
    port of every router the tests start; the tests that mean them set them."""
    monkeypatch.delenv("TUILOGS_TOKEN", raising=False)
    monkeypatch.delenv("PORT", raising=False)


_pg_servers: list[PostgresServer] = []


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    server = start_server()
    _pg_servers.append(server)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """`postgresql://user:password@127.0.0.1:PORT/test_…` of a database made for this test."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


def pytest_terminal_summary(terminalreporter) -> None:
    for server in _pg_servers:
        terminalreporter.write_line(
            f"PostgreSQL for the tests: {server.version} ({server.binaries.origin}), "
            f"ready in {server.startup_seconds:.2f} s"
        )


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "stores(*kinds): run the module's router tests on each store (sqlite, postgres)"
    )


def pytest_generate_tests(metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("stores")
    if marker is not None and "store_kind" in metafunc.fixturenames:
        metafunc.parametrize("store_kind", marker.args, indirect=True)


@pytest.fixture
def store_kind(request) -> str:
    """The store the test's routers use: "sqlite" unless parametrized (the `stores` marker)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def make_router(tuilogs_home, store_kind, request) -> Callable[..., RouterHandle]:
    """`make_router(store=None, **settings)` starts a router with `Settings` overrides, on
    `store` ("sqlite" or "postgres"; default: the test's `store_kind`)."""
    started: list[RouterHandle] = []
    if store_kind == "postgres":
        # Started here, on the main thread: the server dies with the thread that started it
        # (PR_SET_PDEATHSIG, kit/postgres.py), and an async test calls `make` in a worker.
        # The database too: set up before the routers, it is dropped after they stopped
        # (dropped first, it cut their connections and their stop waited for the pool).
        request.getfixturevalue("postgres_server")
        request.getfixturevalue("postgres_url")

    def make(store: str | None = None, **settings) -> RouterHandle:
        if (store or store_kind) == "postgres" and "store_url" not in settings:
            settings["store_url"] = request.getfixturevalue("postgres_url")
        handle = start_in_thread(**settings)
        started.append(handle)
        return handle

    yield make
    for handle in started:
        handle.stop()
    log = paths.log_path()
    if log.exists():
        text = log.read_text(encoding="utf-8", errors="replace")
        for handle in started:
            assert handle.token not in text, "the router logged its token"


@pytest.fixture
def new_store(store_kind, tmp_path, request) -> Callable[[], LogStore]:
    """`new_store()` opens a store of the test's kind without a router: a SQLite file in
    `tmp_path` (one per test), or the test's PostgreSQL database (each call another router's
    view of the same one); every store opened is closed at teardown."""
    opened: list[LogStore] = []

    def new() -> LogStore:
        if store_kind == "postgres":
            store = open_store(request.getfixturevalue("postgres_url"), retention_seconds=86400)
        else:
            store = open_store(str(tmp_path / "store.sqlite3"))
        opened.append(store)
        return store

    yield new
    for store in opened:
        with contextlib.suppress(Exception):
            store.close()


@pytest.fixture
def router(make_router) -> RouterHandle:
    return make_router()


@pytest.fixture
def pclient(router) -> PlatformClient:
    with PlatformClient(router.base_url, router.token, kind="local", timeout=10) as c:
        yield c


class ServedApp:
    def __init__(self, server: uvicorn.Server, thread: threading.Thread, port: int):
        self.server, self.thread, self.port = server, thread, port
        self.base_url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def serve_asgi() -> Callable[..., ServedApp]:
    """Serve an ASGI app on a free loopback port in a thread; stopped at teardown."""
    served: list[ServedApp] = []

    def serve(app) -> ServedApp:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, timeout_graceful_shutdown=1
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "test server did not start"
            time.sleep(0.01)
        s = ServedApp(server, thread, port)
        served.append(s)
        return s

    yield serve
    for s in served:
        s.stop()


@pytest.fixture
def sample_path():
    return SAMPLE


@pytest.fixture
def sample(sample_path):
    """The sample log, fully loaded into a LogBuffer."""
    buffer, _feed, producer = load(sample_path)
    yield buffer
    producer.stop()


@pytest.fixture
def isolated_env(tmp_path, monkeypatch):
    """No Heroku credentials, no ~/.netrc, UTC: the backend is whatever the test says."""
    for name in ("HEROKU_API_KEY", "HEROKU_HOST", "HEROKU_APP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def frozen_drains(monkeypatch) -> None:
    """Drains made from now on get ids/tokens 00000000-…-000000000001, 2, … and one date."""
    counter = itertools.count(1)
    fake_uuid = types.SimpleNamespace(
        uuid4=lambda: uuid.UUID(int=next(counter)), uuid5=uuid.uuid5, UUID=uuid.UUID
    )
    monkeypatch.setattr(store_interface, "uuid", fake_uuid)  # `Drain.new` makes every drain
    for module in (store_interface, store_module, pg_store_module):
        monkeypatch.setattr(module, "api_timestamp", lambda: "2026-11-23T19:04:05Z")


# -- No luck (docs/testing.md) -----------------------------------------------------------------
# Hypothesis draws the same examples on every run and every machine (no seed, no example
# database), so CI's verdict does not depend on a random seed. `HYPOTHESIS_PROFILE=dev` explores:
# fresh random examples each run, more of them, and a local database that replays failures.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=1000, deadline=None)
# scripts/mutation.py: a failing example is all a mutant run needs; shrinking it costs seconds.
settings.register_profile(
    "mutation", settings.get_profile("ci"), phases=[Phase.explicit, Phase.reuse, Phase.generate]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# -- Skips are loud ----------------------------------------------------------------------------
# A skipped test fails the run unless it is listed here (node id without parameters), with why.
# Keep this short: a skip that is not worth a line here should be a test that runs.
SKIP_ALLOWED = {
    # util-linux `logger` ships with Debian (bsdutils, essential) and most Linux systems, not
    # with macOS: there the syslog framing is still tested through our own sender.
    "tests/server/test_syslog.py::test_util_linux_logger",
}


def _skip_allowed(nodeid: str) -> bool:
    return nodeid.split("[", 1)[0] in SKIP_ALLOWED


def _fail_the_skip(report) -> None:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (
        f"skipped ({reason}), and not on the skip allowlist in tests/conftest.py:"
        " make it run, or add it there with a comment saying why it may skip"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.skipped and not hasattr(report, "wasxfail") and not _skip_allowed(item.nodeid):
        _fail_the_skip(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    report = (yield).get_result()
    if report.skipped and not _skip_allowed(report.nodeid):
        _fail_the_skip(report)


# -- Mutation runs (scripts/mutation.py) -------------------------------------------------------
# mutmut runs the tests that cover a mutant and stops at the first failure: let the core's
# example tests go first, then its property tests, then the Platform client's tests against
# servers, which a broken parser can keep waiting until their deadlines.
def pytest_collection_modifyitems(items):
    if os.environ.get("MUTANT_UNDER_TEST"):  # set by mutmut only
        items.sort(
            key=lambda item: (
                not item.nodeid.startswith("tests/core/"),
                getattr(getattr(item, "obj", None), "is_hypothesis_test", False),
            )
        )
