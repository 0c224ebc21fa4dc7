"""The saved-searches panel and alert firings in the explorer, driven with Pilot: on this
machine for a file, in a real router on loopback for an app; snapshots at 120x40 and 80x24."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input, OptionList

from tuilogs.core import saved_searches
from tuilogs.platform.alerts import AlertsApi
from tuilogs.server.store.alerts_interface import Firing, RuleState
from tuilogs.ui.commands import offered
from tuilogs.ui.options import ExplorerOptions, FollowedApp
from tuilogs.ui.screens.explorer import ExplorerScreen
from tuilogs.ui.screens.saved_searches import EMPTY_HINT, SavedSearchesPanel

from kit.pilot import SIZE, loaded, make_app, wait_for
from kit.routerkit import post_batch, rec

pytestmark = pytest.mark.usefixtures("isolated_env", "tuilogs_home")

APP = "shop"
FIRED_AT = 1_795_000_000.0  # 2026-11-18 11:06:40 UTC; isolated_env shows UTC


def router_app(pclient) -> ExplorerOptions:
    return ExplorerOptions(app=FollowedApp(pclient, APP))


def panel_of(pilot) -> SavedSearchesPanel:
    screen = pilot.app.screen
    assert isinstance(screen, SavedSearchesPanel), screen
    return screen


def rows(panel: SavedSearchesPanel) -> list[str]:
    options = panel.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def open_panel(pilot) -> SavedSearchesPanel:
    await pilot.press("apostrophe")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SavedSearchesPanel))
    panel = panel_of(pilot)
    # The panel's own workers (the app's list also holds the explorer's, such as the
    # background count of the stats view, which runs for as long as the explorer does).
    mine = lambda: [w for w in panel.workers if w.node is panel]  # noqa: E731
    await wait_for(pilot, lambda: all(w.is_finished for w in mine()), timeout=10)
    await pilot.pause(0.05)
    return panel


async def filter_by(pilot, text: str) -> None:
    await pilot.press("ampersand", *text, "enter")
    screen = pilot.app.screen
    await wait_for(
        pilot, lambda: screen.state.query is not None and not screen.state.search_pending
    )


class TestOnThisMachine:
    async def test_save_the_current_search_then_apply_it(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            panel = await open_panel(pilot)
            assert EMPTY_HINT in str(panel.query_one("#saved-status").render())
            await pilot.press("escape")
            await filter_by(pilot, "code:H12")
            panel = await open_panel(pilot)
            await pilot.press("a", *"timeouts", "enter")
            await wait_for(pilot, lambda: rows(panel) == ["timeouts  code:H12"])
            saved = json.loads(saved_searches.path().read_text())
            assert saved == {"files": {"timeouts": "code:H12"}}
            await pilot.press("escape")
            screen = pilot.app.screen
            assert isinstance(screen, ExplorerScreen)
            screen.action_clear_search()
            await wait_for(pilot, lambda: not screen.state.searching)
            await open_panel(pilot)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, ExplorerScreen))
            await wait_for(pilot, lambda: screen.state.query is not None)
            assert screen.state.query.text == "code:H12"
            assert screen.state.filtering_by_query
            assert screen.query_one("#search").input.value == "code:H12"

    async def test_remove(self):
        saved_searches.LocalSearches().save("errors", "level>=error")
        async with make_app().run_test(size=SIZE) as pilot:
            await loaded(pilot)
            panel = await open_panel(pilot)
            assert rows(panel) == ["errors  level>=error"]
            await pilot.press("d")
            await wait_for(pilot, lambda: rows(panel) == [])
            assert saved_searches.LocalSearches().all() == []

    async def test_the_palette_offers_it(self):
        async with make_app().run_test(size=SIZE) as pilot:
            await loaded(pilot)
            [entry] = [e for e, _ in offered(pilot.app.screen) if e.binding.id == "search.saved"]
            assert (entry.title, entry.label) == ("Saved searches", "'")

    async def test_saving_without_a_search_says_how(self):
        async with make_app().run_test(size=SIZE) as pilot:
            await loaded(pilot)
            panel = await open_panel(pilot)
            await pilot.press("a")
            assert not panel.adding
            assert any("Search first" in n.message for n in pilot.app._notifications)


class TestOnTheRouter:
    async def test_searches_are_the_routers(self, pclient):
        AlertsApi(pclient).save_search(APP, "timeouts", "code:H12")
        async with make_app(options=router_app(pclient)).run_test(size=SIZE) as pilot:
            await loaded(pilot)
            panel = await open_panel(pilot)
            assert rows(panel) == ["timeouts  code:H12"]
            assert panel.book.where == "router (shared)"
            await pilot.press("escape")
            await filter_by(pilot, "level>=error")
            panel = await open_panel(pilot)
            await pilot.press("a", *"errors", "enter")
            await wait_for(pilot, lambda: len(rows(panel)) == 2)
        names = [s.name for s in AlertsApi(pclient).searches(APP)]
        assert names == ["errors", "timeouts"]

    async def test_a_firing_is_told_at_once_wherever_you_are(self, router, pclient):
        AlertsApi(pclient).add_rule(APP, name="h12", query="code:H12", threshold=2)
        async with make_app(options=router_app(pclient)).run_test(size=SIZE) as pilot:
            await loaded(pilot)
            explorer = pilot.app.screen
            await wait_for(pilot, lambda: explorer._alerts_after is not None)
            await pilot.press("question_mark")  # on another screen: the help
            line = rec("at=error code=H12 desc=timeout", dyno="router", source="heroku")
            assert post_batch(router, APP, [line, line]).status_code == 204
            await wait_for(pilot, lambda: len(pilot.app._notifications) > 0, timeout=10)
            [notice] = list(pilot.app._notifications)
            assert notice.title == "Alert"
            assert notice.message.startswith('Alert "h12" fired: 2 lines matching `code:H12`')
            assert explorer.title_text.endswith("· ⚠ alert: h12")
            await pilot.press("escape")
            await open_panel(pilot)  # seen: the header is itself again
            assert "alert" not in explorer.title_text


# -- snapshots ------------------------------------------------------------------------------


def seed(router, pclient) -> None:
    """Two saved searches, and a rule that fired at a fixed time (recorded in the store)."""
    api = AlertsApi(pclient)
    api.save_search(APP, "timeouts", "code:H12 -path:/health")
    api.save_search(APP, "errors", "level>=error")
    rule = api.add_rule(APP, name="h12", query="code:H12", threshold=5, window=60)
    message = 'Alert "h12" fired: 7 lines matching `code:H12` within 1 min (threshold 5)'
    alerting = router.router.alerting
    firing = Firing("f1", rule.id, APP, "h12", FIRED_AT, 7, message)
    alerting.store.record_firing(firing, RuleState(rule.id, FIRED_AT, 7, True, FIRED_AT))


def _snapshot(snap_compare, pclient, size, then=None) -> bool:
    async def run_before(pilot):
        await loaded(pilot)
        panel = await open_panel(pilot)
        panel.query_one("#saved-name", Input).cursor_blink = False
        if then is not None:
            await then(pilot)
        await pilot.pause(0.1)

    app = make_app(options=router_app(pclient))
    return snap_compare(app, terminal_size=size, run_before=run_before)


def test_panel_120x40(snap_compare, router, pclient):
    seed(router, pclient)
    assert _snapshot(snap_compare, pclient, SIZE)


def test_panel_80x24(snap_compare, router, pclient):
    seed(router, pclient)
    assert _snapshot(snap_compare, pclient, (80, 24))


def _firing_snapshot(snap_compare, router, pclient, size) -> bool:
    AlertsApi(pclient).add_rule(APP, name="h12", query="code:H12", threshold=2)

    async def run_before(pilot):
        await loaded(pilot)
        explorer = pilot.app.screen
        await wait_for(pilot, lambda: explorer._alerts_after is not None)
        line = rec("at=error code=H12 desc=timeout", dyno="router", source="heroku")
        assert post_batch(router, APP, [line, line]).status_code == 204
        await wait_for(pilot, lambda: "alert: h12" in explorer.title_text, timeout=10)
        explorer._show_bars()
        await pilot.pause(0.2)

    app = make_app(options=router_app(pclient))
    return snap_compare(app, terminal_size=size, run_before=run_before)


def test_firing_120x40(snap_compare, router, pclient):
    assert _firing_snapshot(snap_compare, router, pclient, SIZE)


def test_firing_80x24(snap_compare, router, pclient):
    assert _firing_snapshot(snap_compare, router, pclient, (80, 24))
