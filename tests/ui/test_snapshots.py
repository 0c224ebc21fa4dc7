"""What users see, as SVG snapshots (regenerate with --snapshot-update, then look at them)."""

from __future__ import annotations

from tests.ui.test_explorer import sidebar_select
from tuilogs.ui.widgets.log_view import LogView
from tuilogs.ui.widgets.search_bar import SearchBar

from kit.pilot import loaded, make_app, wait_for

SIZE = (120, 40)


async def _ready(pilot):
    await loaded(pilot)
    search = pilot.app.screen.query_one(SearchBar).input
    search.cursor_blink = False


def test_main_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_ready)


def test_main_screen_80x24(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_ready)


def test_filtered_view(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        sidebar_select(pilot.app, "dyno", "web").focus()
        await pilot.press("o")
        sidebar_select(pilot.app, "source", "heroku")
        await pilot.press("space")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_find_mode(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await pilot.press("slash", *"timeout", "enter")
        log = pilot.app.screen.query_one(LogView)
        await wait_for(pilot, lambda: log.cursor is not None)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_detail_view(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await pilot.press("slash", *"H12", "enter")
        log = pilot.app.screen.query_one(LogView)
        await wait_for(pilot, lambda: log.cursor is not None)
        await pilot.press("enter")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_detail_view_json(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await pilot.press("slash", *"order created", "enter")
        log = pilot.app.screen.query_one(LogView)
        await wait_for(pilot, lambda: log.cursor is not None)
        await pilot.press("enter")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
