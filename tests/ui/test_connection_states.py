"""The explorer following an app: its header in every connection state, against real servers.

Each state comes from a real server on loopback (a router, a stopped router, a router that
rejects the token, a server that never answers); only the backoff's jitter is fixed so the
"reconnecting in N s" countdown is the same on every run.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time

import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from tuilogs.platform.client import PlatformClient
from tuilogs.platform.live import open_app
from tuilogs.ui.app import TuilogsApp
from tuilogs.ui.options import ExplorerOptions, FollowedApp

from kit.pilot import wait_for
from kit.routerkit import post_batch, rec

SIZE = (100, 16)
APP = "myapp"


def explorer(client: PlatformClient, **tail_options) -> TuilogsApp:
    def start(feed, buffer):
        return open_app(client, APP, feed, buffer.origins, history=False, **tail_options)

    app = TuilogsApp(
        start, APP, "local router", options=ExplorerOptions(app=FollowedApp(client, APP))
    )
    return app


def topbar(app) -> str:
    return str(app.screen.query_one("#topbar").render())


async def settle(pilot, text: str) -> None:
    await wait_for(pilot, lambda: text in topbar(pilot.app), timeout=15)
    await pilot.pause(0.2)


# Fixed ports, because the header names the host and a snapshot must be the same every run.
# They lie below Linux's ephemeral range (32768–60999), so no outgoing connection of this
# or another test can be holding one of them.
FAILED_PORT = 29613
RECONNECT_PORT = 29614


def free_port(port: int, timeout: float = 10.0) -> int:
    """Wait until `port` can be listened on (a router of an earlier run may be closing)."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                if time.monotonic() > deadline:
                    raise
        time.sleep(0.1)


@pytest.fixture
def steady_backoff(monkeypatch):
    """Backoff without jitter, so the countdown on screen is deterministic."""
    monkeypatch.setattr(random, "uniform", lambda a, b: b)


@pytest.fixture
def seeded(router):
    post_batch(router, APP, [rec(f"request {i} done", dyno=f"web.{i % 2 + 1}") for i in range(20)])
    return router


def test_live(snap_compare, seeded):
    client = PlatformClient(seeded.base_url, seeded.token, kind="local")

    async def run_before(pilot):
        await settle(pilot, "· live")
        assert "request 19 done" in str(pilot.app.screen.query_one("#log").render_line(12))

    assert snap_compare(explorer(client), terminal_size=SIZE, run_before=run_before)


def test_failed_with_a_reason(snap_compare, make_router):
    router = make_router(port=free_port(FAILED_PORT))
    client = PlatformClient(router.base_url, "not-the-token", kind="local")

    async def run_before(pilot):
        await settle(pilot, "failed")
        assert "not-the-token" not in topbar(pilot.app)

    assert snap_compare(explorer(client), terminal_size=SIZE, run_before=run_before)


def test_reconnecting_after_the_server_went_away(snap_compare, make_router, steady_backoff):
    seeded = make_router(port=free_port(RECONNECT_PORT))
    post_batch(seeded, APP, [rec(f"request {i} done") for i in range(20)])
    client = PlatformClient(seeded.base_url, seeded.token, kind="local", timeout=2)

    async def run_before(pilot):
        await settle(pilot, "· live")
        seeded.stop()
        # The countdown shows 30 s for its first second: the picture is taken within it.
        await wait_for(pilot, lambda: "reconnecting in 30 s" in topbar(pilot.app), timeout=15)

    assert snap_compare(
        explorer(client, backoff=(30.0, 30.0)), terminal_size=SIZE, run_before=run_before
    )


def test_connecting_to_a_server_that_does_not_answer(snap_compare, serve_asgi):
    async def never(request):
        await asyncio.sleep(60)

    server = serve_asgi(Starlette(routes=[Route("/{path:path}", never, methods=["GET", "POST"])]))
    client = PlatformClient(server.base_url, "token", kind="local", timeout=30)

    async def run_before(pilot):
        await settle(pilot, "connecting")

    assert snap_compare(explorer(client), terminal_size=SIZE, run_before=run_before)


RECOVER_PORT = 29615


async def test_after_a_reconnect_the_header_says_live_not_the_old_problem(make_router):
    """Down when the explorer starts (`reconnecting · cannot connect … refused`), then up."""
    from tuilogs.server.auth import load_or_create_token

    port = free_port(RECOVER_PORT)
    client = PlatformClient(
        f"http://127.0.0.1:{port}", load_or_create_token(), kind="local", timeout=2
    )
    app = explorer(client, backoff=(0.1, 0.3))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, "connection refused")
            router = make_router(port=port)
            post_batch(router, APP, [rec(f"request {i} done") for i in range(3)])
            await settle(pilot, "· live")
            await wait_for(pilot, lambda: len(app.buffer) == 3)
            await pilot.pause(0.3)  # bars repaint at most 4×/s
            header = topbar(app)
            assert "· live" in header and "refused" not in header, header
            assert "cannot connect" not in header and "reconnecting" not in header
    finally:
        client.close()


async def test_the_header_and_status_line_agree_on_a_paused_followed_file(tmp_path):
    from kit.pilot import loaded, make_app

    path = tmp_path / "app.log"
    path.write_text("".join(f"2026-01-01T00:00:00Z app[web.1]: line {i}\n" for i in range(100)))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, 100)
        await pilot.press("up", "up")
        await pilot.pause(0.3)
        status = str(app.screen.query_one("#statusbar").render())
        assert "paused" in status
        assert topbar(app).endswith("file · live") and "following" not in topbar(app)
