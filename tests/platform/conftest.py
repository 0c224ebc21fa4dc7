"""Fixtures for the Platform client tests: a REAL router on loopback (as tests/server does),
plus `serve_asgi` for the few faults the router cannot produce on demand (429, 500, a trickling
stream): a small Starlette app served by uvicorn on a free loopback port, never a mock transport.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))

from tuilogs.platform.client import PlatformClient  # noqa: E402
from tuilogs.server import paths as server_paths  # noqa: E402
from tuilogs.server.main import RouterHandle, start_in_thread  # noqa: E402


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
    log = server_paths.log_path()
    if log.exists():
        text = log.read_text(encoding="utf-8", errors="replace")
        for handle in started:
            assert handle.token not in text, "the router logged its token"


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
