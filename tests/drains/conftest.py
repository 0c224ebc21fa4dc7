"""Fixtures for the drain panel and CLI: a REAL router on loopback (as tests/server does), and an
environment that cannot reach Heroku by accident. `serve_asgi` (as in tests/platform) serves a
small Starlette app for what the router cannot answer (Heroku's add-on drains), never a mock
transport.

`frozen_drains` makes the router's drain ids, tokens and timestamps predictable, so snapshots
are stable: it swaps the store's clock and uuid4 (the router still runs for real over HTTP).
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import sys
import threading
import time
import types
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))

from tuilogs.platform.client import PlatformClient  # noqa: E402
from tuilogs.server import store as store_module  # noqa: E402
from tuilogs.server.main import RouterHandle, start_in_thread  # noqa: E402

APP = "myapp"
# Nothing listens on port 1: a connection there is refused at once, on every machine.
DEAD_API = "http://127.0.0.1:1"


@pytest.fixture(autouse=True)
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
def tuilogs_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TUILOGS_HOME", str(home))
    return home


@pytest.fixture
def make_router(tuilogs_home) -> Callable[..., RouterHandle]:
    started: list[RouterHandle] = []

    def make(**settings) -> RouterHandle:
        handle = start_in_thread(**settings)
        started.append(handle)
        return handle

    yield make
    for handle in started:
        handle.stop()


@pytest.fixture
def router(make_router) -> RouterHandle:
    return make_router()


@pytest.fixture
def pclient(router) -> PlatformClient:
    with PlatformClient(router.base_url, router.token, kind="local", timeout=10) as c:
        yield c


@pytest.fixture
def frozen_drains(monkeypatch) -> None:
    """Drains made from now on get ids/tokens 00000000-…-000000000001, 2, … and one date."""
    counter = itertools.count(1)
    fake_uuid = types.SimpleNamespace(
        uuid4=lambda: uuid.UUID(int=next(counter)), uuid5=uuid.uuid5, UUID=uuid.UUID
    )
    monkeypatch.setattr(store_module, "uuid", fake_uuid)
    monkeypatch.setattr(store_module, "now_iso", lambda: "2026-11-23T19:04:05Z")


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
