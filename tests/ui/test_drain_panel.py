"""The drain panel driven with Pilot against a real router on loopback, and its snapshots."""

from __future__ import annotations

import asyncio
import threading

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from textual.widgets import DataTable, Input, Static

from tuilogs.platform.client import PlatformClient
from tuilogs.platform.models import LogDrain
from tuilogs.ui.options import ExplorerOptions, FollowedApp
from tuilogs.ui.screens.drains import COLUMNS, EMPTY_HINT, ConfirmRemoval, DrainPanel, drain_row
from tuilogs.ui.widgets.sidebar import FilterSidebar

from kit.drains import APP, DEAD_API
from kit.pilot import SIZE, loaded, make_app, wait_for

# No Heroku credentials, no ~/.netrc, UTC: the backend is whatever the test says.
pytestmark = pytest.mark.usefixtures("isolated_env")

SECRET_URL = "https://logger:hunter2-secret@logs.example.com/drain"
SYSLOG_URL = "syslog+tls://logs.example.com:6514"
PLAIN_URL = "http://collector.internal:8080/heroku"


def panel_of(pilot) -> DrainPanel:
    screen = pilot.app.screen
    assert isinstance(screen, DrainPanel), screen
    return screen


async def settle(pilot, panel: DrainPanel) -> None:
    """Wait until the panel's calls are answered and the answers shown."""
    await wait_for(pilot, lambda: not panel.busy(), timeout=10)
    await pilot.pause(0.05)


async def explorer_ready(pilot) -> None:
    """The explorer behind the panel fully drawn, sidebar counts included (snapshots see it)."""
    await loaded(pilot)
    sidebar = pilot.app.screen.query_one(FilterSidebar)
    previous: list = []

    def steady() -> bool:
        nonlocal previous
        rows, previous = previous, list(sidebar._rows)
        return bool(rows) and rows == previous

    await wait_for(pilot, steady)


async def open_panel(pilot, client: PlatformClient, app: str = APP) -> DrainPanel:
    await explorer_ready(pilot)
    panel = DrainPanel(client, app)
    await pilot.app.push_screen(panel)
    await settle(pilot, panel)
    return panel


def status(panel: DrainPanel) -> str:
    return str(panel.query_one("#drains-status", Static).render())


def add_error(panel: DrainPanel) -> str:
    return str(panel.query_one("#drains-add-error", Static).render())


def rows(panel: DrainPanel) -> list[list[str]]:
    table = panel.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def type_url(pilot, panel: DrainPanel, url: str) -> None:
    await pilot.press("a")
    assert panel.query_one("#drains-url", Input).has_focus
    await pilot.press(*url, "enter")
    await settle(pilot, panel)


class TestList:
    async def test_shows_masked_url_token_addon_and_created(self, pclient):
        first = pclient.add_log_drain(APP, SECRET_URL)
        second = pclient.add_log_drain(APP, SYSLOG_URL)
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            shown = rows(panel)
            by_token = {r[1]: r for r in shown}
            assert by_token.keys() == {first.token, second.token}
            assert by_token[first.token][0] == "https://logger:***@logs.example.com/drain"
            assert by_token[second.token][0] == SYSLOG_URL
            assert all(r[2] == "—" for r in shown)
            assert all(r[3].startswith(first.created_at[:10]) for r in shown)
            assert status(panel) == "2 drains"
            assert "hunter2" not in str(rows(panel)) + status(panel)

    async def test_empty_state_says_how_to_add_one(self, pclient):
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            assert rows(panel) == []
            assert status(panel) == EMPTY_HINT
            # Nothing to remove or copy: those keys are shown disabled and do nothing.
            assert panel.check_action("remove", ()) is None
            await pilot.press("d", "c")
            assert isinstance(pilot.app.screen, DrainPanel)

    async def test_refresh_picks_up_changes_made_elsewhere(self, pclient):
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            pclient.add_log_drain(APP, PLAIN_URL)
            await pilot.press("r")
            await settle(pilot, panel)
            assert [r[0] for r in rows(panel)] == [PLAIN_URL]

    async def test_narrow_terminal_keeps_url_and_token(self, pclient):
        pclient.add_log_drain(APP, SECRET_URL)
        async with make_app().run_test(size=(80, 24)) as pilot:
            panel = await open_panel(pilot, pclient)
            table = panel.query_one(DataTable)
            assert [str(c.label) for c in table.columns.values()] == ["URL", "Token"]
            assert table.virtual_size.width <= table.scrollable_content_region.width
            await pilot.resize_terminal(120, 40)
            await pilot.pause(0.1)
            assert [str(c.label) for c in table.columns.values()] == list(COLUMNS)

    def test_row_of_an_addon_drain(self, monkeypatch):
        drain = LogDrain.from_json(
            {
                "url": "syslog://u:p@logs.papertrailapp.com:12345",
                "token": "d.1\x1b[2J",
                "addon": {"id": "x", "name": "papertrail-acute-12345"},
                "created_at": "2026-11-23T19:04:05Z",
            }
        )
        assert drain_row(drain) == (
            "syslog://u:***@logs.papertrailapp.com:12345",
            "d.1\\x1b[2J",
            "papertrail-acute-12345",
            "2026-11-23 19:04",
        )
        bare = LogDrain.from_json({"url": "https://x.example"})
        assert drain_row(bare)[1:] == ("—", "—", "—")


class TestAdd:
    async def test_valid_url_is_added_and_selected(self, pclient):
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            await type_url(pilot, panel, SECRET_URL)
            drains = pclient.log_drains(APP)
            assert [d.url for d in drains] == [SECRET_URL]
            assert rows(panel)[0][:2] == [
                "https://logger:***@logs.example.com/drain",
                drains[0].token,
            ]
            assert panel.selected == drains[0]
            assert not panel.adding and panel.query_one(DataTable).has_focus
            assert add_error(panel) == ""
            notes = [n.message for n in pilot.app._notifications]
            assert notes == ["Added drain https://logger:***@logs.example.com/drain"]

    async def test_invalid_scheme_is_refused_before_sending(self, pclient):
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            await type_url(pilot, panel, "ftp://logs.example.com/drain")
            assert "must use https://, http://, syslog:// or syslog+tls://" in add_error(panel)
            assert "ftp://" in add_error(panel)
            assert panel.adding
            assert pclient.log_drains(APP) == []
            assert not [w for w in pilot.app.workers if w.name == "add"]

    async def test_syslog_without_port_is_refused_with_the_password_masked(self, pclient):
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            await type_url(pilot, panel, "syslog://me:s3cret@logs.example.com")
            assert "needs a port" in add_error(panel)
            assert "s3cret" not in add_error(panel)
            assert pclient.log_drains(APP) == []

    async def test_the_apis_422_message_is_shown(self, pclient):
        pclient.add_log_drain(APP, PLAIN_URL)
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            await type_url(pilot, panel, PLAIN_URL)
            assert add_error(panel) == "Url has already been taken."
            assert panel.adding
            assert status(panel) == "1 drain"
            assert len(pclient.log_drains(APP)) == 1

    async def test_escape_closes_the_add_row_then_the_panel(self, pclient):
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            await pilot.press("a", "x", "escape")
            assert not panel.adding and isinstance(pilot.app.screen, DrainPanel)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(pilot.app.screen, DrainPanel)


class TestRemove:
    async def test_remove_after_confirmation(self, frozen_drains, pclient):
        keep = pclient.add_log_drain(APP, SYSLOG_URL)
        gone = pclient.add_log_drain(APP, SECRET_URL)
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            # Same second: the panel orders them by URL, so https:// comes before syslog+tls://.
            assert panel.selected.id == gone.id
            await pilot.press("d")
            await pilot.pause()
            confirm = pilot.app.screen
            assert isinstance(confirm, ConfirmRemoval)
            assert "hunter2" not in confirm.label and gone.token == confirm.token
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(pilot.app.screen, DrainPanel)
            assert len(pclient.log_drains(APP)) == 2
            await pilot.press("delete", "y")
            await settle(pilot, panel)
            assert [d.id for d in pclient.log_drains(APP)] == [keep.id]
            assert [r[0] for r in rows(panel)] == [SYSLOG_URL]
            notes = [n.message for n in pilot.app._notifications]
            assert "Removed drain https://logger:***@logs.example.com/drain" in notes

    async def test_removing_a_drain_already_gone_says_so(self, pclient):
        drain = pclient.add_log_drain(APP, PLAIN_URL)
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            pclient.remove_log_drain(APP, drain.token)
            await pilot.press("d", "y")
            await settle(pilot, panel)
            assert (
                status(panel)
                == f"Could not remove the drain: no such log drain on {APP} (r to retry)"
            )
            assert panel.query_one("#drains-status").has_class("-error")


class TestCopyToken:
    async def test_copies_the_selected_token(self, pclient):
        pclient.add_log_drain(APP, PLAIN_URL)
        second = pclient.add_log_drain(APP, SYSLOG_URL)
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            await pilot.press("down", "c")
            assert panel.selected.id == second.id
            await pilot.pause()
            assert pilot.app.clipboard == second.token
            notes = [n.message for n in pilot.app._notifications]
            assert notes == [f"Copied drain token {second.token}"]


class TestSlowServer:
    async def test_loading_state_and_the_panel_stays_responsive(self, serve_asgi):
        release, answered = threading.Event(), threading.Event()

        async def list_drains(request):
            await asyncio.to_thread(release.wait, 5)
            answered.set()
            return JSONResponse([])

        api = serve_asgi(Starlette(routes=[Route("/apps/{app}/log-drains", list_drains)]))
        with PlatformClient(api.base_url, "token", kind="local", timeout=10) as client:
            async with make_app().run_test(size=SIZE) as pilot:
                await loaded(pilot)
                panel = DrainPanel(client, APP)
                await pilot.app.push_screen(panel)
                await wait_for(pilot, lambda: panel.busy("load"))
                assert status(panel) == "Loading drains…"
                await pilot.press("escape")
                await pilot.pause()
                assert not isinstance(pilot.app.screen, DrainPanel)
                assert not answered.is_set()  # closed while its request was still pending
                release.set()


class TestErrors:
    async def test_router_stopped_shows_the_network_error(self, router, pclient):
        pclient.add_log_drain(APP, PLAIN_URL)
        async with make_app().run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot, pclient)
            router.stop()
            await pilot.press("r")
            await settle(pilot, panel)
            text = status(panel)
            assert text.startswith("Could not list drains: cannot connect to 127.0.0.1:")
            assert "connection refused" in text and router.token not in text
            assert panel.query_one("#drains-status").has_class("-error")
            assert [r[0] for r in rows(panel)] == [PLAIN_URL]  # what we knew stays visible
            await type_url(pilot, panel, SYSLOG_URL)
            assert "connection refused" in add_error(panel)
            assert isinstance(pilot.app.screen, DrainPanel)

    async def test_wrong_token_says_how_to_fix_it(self, router):
        with PlatformClient(router.base_url, "not-the-token", kind="local", timeout=10) as client:
            async with make_app().run_test(size=SIZE) as pilot:
                panel = await open_panel(pilot, client)
                assert "token invalid or missing" in status(panel)
                assert "not-the-token" not in status(panel)


# -- snapshots ------------------------------------------------------------------------------


def _snapshot(snap_compare, client: PlatformClient, then=None, size=SIZE) -> bool:
    async def run_before(pilot):
        panel = await open_panel(pilot, client)
        if then is not None:
            await then(pilot, panel)
        panel.query_one("#drains-url", Input).cursor_blink = False
        await pilot.pause(0.1)

    return snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_panel_with_drains(snap_compare, frozen_drains, pclient):
    for url in (SECRET_URL, SYSLOG_URL, PLAIN_URL):
        pclient.add_log_drain(APP, url)
    assert _snapshot(snap_compare, pclient)


def test_panel_80x24(snap_compare, frozen_drains, pclient):
    for url in (SECRET_URL, SYSLOG_URL):
        pclient.add_log_drain(APP, url)
    assert _snapshot(snap_compare, pclient, size=(80, 24))


def test_panel_empty(snap_compare, pclient):
    assert _snapshot(snap_compare, pclient)


def test_panel_error(snap_compare):
    with PlatformClient(DEAD_API, "token", kind="local", timeout=5) as client:
        assert _snapshot(snap_compare, client)


def test_panel_add_invalid(snap_compare, frozen_drains, pclient):
    pclient.add_log_drain(APP, SYSLOG_URL)

    async def then(pilot, panel):
        await type_url(pilot, panel, "ftp://logs.example.com/drain")

    assert _snapshot(snap_compare, pclient, then)


def test_confirm_removal(snap_compare, frozen_drains, pclient):
    pclient.add_log_drain(APP, SECRET_URL)

    async def then(pilot, panel):
        await pilot.press("d")
        await pilot.pause()

    assert _snapshot(snap_compare, pclient, then)


class TestFromTheExplorer:
    async def test_d_opens_the_panel_of_the_app_being_followed(self, pclient):
        app = make_app(options=ExplorerOptions(app=FollowedApp(pclient, APP)))
        async with app.run_test(size=SIZE) as pilot:
            await explorer_ready(pilot)
            await pilot.press("D")
            panel = panel_of(pilot)
            await settle(pilot, panel)
            assert panel.app_name == APP
            await pilot.press("escape")
            assert not isinstance(pilot.app.screen, DrainPanel)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert "Log drains" in titles

    async def test_a_file_has_no_drains(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await explorer_ready(pilot)
            await pilot.press("D")
            await pilot.pause()
            assert not isinstance(pilot.app.screen, DrainPanel)
            assert "Log drains" not in [c.title for c in app.get_system_commands(app.screen)]
