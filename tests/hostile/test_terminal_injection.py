"""Hostile input: terminal injection through names. A syslog sender chooses its APP-NAME (a dyno
name on screen), a file's writer its lines, a server its error messages and drain tokens; sent
to the terminal raw, `ESC k … ESC \\` renames its window and `ESC [ 2 J` clears it.

Each attack is replayed with real inputs (a syslog frame to a real router, lines in a file, a
server's answers on loopback) and every widget on screen is checked the way the terminal would
get it: the compositor's strips, segment by segment, hold no control character.
"""

from __future__ import annotations

import socket
import unicodedata

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tuilogs.platform.client import PlatformClient
from tuilogs.platform.live import open_app
from tuilogs.ui.app import TuilogsApp
from tuilogs.ui.options import ExplorerOptions, FollowedApp
from tuilogs.ui.screens.detail import DetailScreen
from tuilogs.ui.screens.drains import DrainPanel
from tuilogs.ui.widgets.log_view import LogView
from tuilogs.ui.widgets.sidebar import FilterSidebar

from kit.pilot import loaded, make_app, wait_for

SIZE = (120, 30)
RENAME = "x\x1bkPWNED\x1b\\"  # xterm/screen: set the window title
# One line per way in: a dyno name, a message, a raw line, the Unicode line separators, a bidi
# override, C1 CSI and logfmt field names and values (the detail view's table).
FILE_LINES = [
    f"2026-11-29T00:00:01Z app[{RENAME}]: hi",
    "2026-11-29T00:00:02Z app[web.1]: clear\x1b[2J the screen",
    "not a header \x1b]0;PWNED\x07 raw",
    "2026-11-29T00:00:03Z app[sep\u2028ara\u2029ted]: line\u2028separators\u2029too",
    "2026-11-29T00:00:04Z heroku[rev\u202eersed]: bidi \u202eoverride",
    "2026-11-29T00:00:05Z app[web.2]: at=info k\x1b[2J=v\x9b31m path=/\x1b]0;x\x07",
]
BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def controls(text: str) -> list[str]:
    """What must never reach a terminal: C0/C1 controls, line separators, bidi controls
    (defined here from Unicode, independently of `tuilogs.core.safety`)."""
    return [c for c in text if unicodedata.category(c) in ("Cc", "Zl", "Zp") or ord(c) in BIDI]


def on_screen(app) -> list[str]:
    """The whole screen as the terminal gets it: every segment of every strip, row by row."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def assert_clean(app) -> str:
    rows = on_screen(app)
    assert [row for row in rows if controls(row)] == []
    return "\n".join(rows)


@pytest.fixture
def hostile_file(tmp_path):
    # The file's own name is the header's title: it may carry controls too.
    path = tmp_path / "app\x1b]0;PWNED\x07.log"
    path.write_text("\n".join(FILE_LINES) + "\n", encoding="utf-8")
    return path


async def test_file_lines_reach_no_widget_raw(hostile_file):
    app = make_app(hostile_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, len(FILE_LINES))
        sidebar = app.screen.query_one(FilterSidebar)
        await wait_for(pilot, lambda: any("PWNED" in str(r[1]) for r in sidebar._rows))
        await pilot.pause(0.3)
        text = assert_clean(app)
        assert "x\\x1bkPWNED\\x1b\\" in text  # the sidebar shows the name, escaped
        assert "app\\x1b]0;PWNED\\x07.log" in text  # the header, its title
        assert "sep\\u2028ara\\u2029ted" in text

        # The detail view of every line, and its copy (`c`): what is shown is what is copied.
        log = app.screen.query_one(LogView)
        for pos in range(len(FILE_LINES)):
            log.move_cursor_to(pos)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
            await pilot.pause(0.05)
            assert_clean(app)
            await pilot.press("c", "m")
            assert controls(app.clipboard) == []
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen))
            await pilot.press("c")
            assert controls(app.clipboard) == []
            assert "PWNED" in app.clipboard or pos not in (0, 2)

        # The command palette, and the export dialog with its toast.
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        assert_clean(app)
        await pilot.press("escape")
        await pilot.pause(0.1)
        await pilot.press("e")
        await pilot.pause(0.2)
        assert_clean(app)


def test_a_syslog_app_name_reaches_no_widget_raw(snap_compare, make_router):
    """The issue's own attack: `printf '<13>1 - evil w\\033kPWNED\\033\\\\ - - hi\\n'` to the
    syslog port, then the explorer on app `evil`."""
    router = make_router(syslog_port=0)
    (port,) = router.syslog_ports
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # A timestamp rather than the issue's `-` (now): the snapshot is the same every run.
        sock.sendall(b"<13>1 2026-11-29T00:00:01Z evil w\x1bkPWNED\x1b\\ - - hi\n")
        sock.sendall(b"<13>1 2026-11-29T00:00:02Z evil web 1 - clear\x1b[2J and\xe2\x80\xa8split\n")
    wait_for_count(router, "evil", 2)
    client = PlatformClient(router.base_url, router.token, kind="local")

    def start(feed, buffer):
        return open_app(client, "evil", feed, buffer.origins, history=False)

    app = TuilogsApp(start, "evil", "local router", options=ExplorerOptions())

    async def run_before(pilot):
        sidebar = pilot.app.screen.query_one(FilterSidebar)
        await wait_for(pilot, lambda: any("PWNED" in str(r[1]) for r in sidebar._rows), 15)
        await pilot.pause(0.3)
        text = assert_clean(pilot.app)
        assert "w\\x1bkPWNED\\x1b\\" in text

    try:
        assert snap_compare(app, terminal_size=(100, 12), run_before=run_before)
    finally:
        client.close()


def wait_for_count(router, app: str, n: int) -> None:
    from kit.platformkit import wait_for as wait_until

    wait_until(lambda: router.store.count(app) == n)


HOSTILE = "\x1b]0;PWNED\x07\x1b[2J"


def hostile_api() -> Starlette:
    """A Platform API whose every answer carries controls: drains and error messages."""

    async def drains(request):
        if request.method == "POST":
            return JSONResponse({"id": "invalid_params", "message": f"bad {HOSTILE}"}, 422)
        return JSONResponse(
            [
                {
                    "id": "d1",
                    "url": f"https://user:pw@logs.example.com/{HOSTILE}",
                    "token": f"t.{HOSTILE}",
                    "addon": {"id": "a1", "name": f"addon{HOSTILE}"},
                    "created_at": f"yesterday{HOSTILE}",
                }
            ]
        )

    async def gone(request):
        return JSONResponse({"id": "unavailable", "message": f"down {HOSTILE}"}, 503)

    return Starlette(
        routes=[
            Route("/apps/evil/log-drains", drains, methods=["GET", "POST"]),
            Route("/apps/evil/log-drains/{ident}", gone, methods=["DELETE"]),
        ]
    )


async def test_a_servers_answers_reach_no_widget_raw(serve_asgi, hostile_file):
    server = serve_asgi(hostile_api())
    client = PlatformClient(server.base_url, "token", kind="local", timeout=5)
    options = ExplorerOptions(app=FollowedApp(client, "evil"))
    app = make_app(hostile_file, options=options)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot, len(FILE_LINES))
            await pilot.press("D")
            await wait_for(pilot, lambda: isinstance(app.screen, DrainPanel))
            panel = app.screen
            await wait_for(pilot, lambda: not panel.busy() and panel.drains, 10)
            await pilot.pause(0.1)
            assert "PWNED" in assert_clean(app)
            await pilot.press("c")  # the token's toast
            await pilot.pause(0.1)
            assert_clean(app)
            assert controls(app.clipboard) == [] and "PWNED" in app.clipboard
            await pilot.press("a", *"https://x.example.com/d", "enter")
            await wait_for(pilot, lambda: not panel.busy(), 10)
            await pilot.pause(0.1)
            assert "bad" in assert_clean(app)
            await pilot.press("escape", "d", "y")
            await wait_for(pilot, lambda: not panel.busy(), 10)
            await pilot.pause(0.1)
            assert "down" in assert_clean(app)
    finally:
        client.close()
