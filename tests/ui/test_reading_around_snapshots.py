"""What reading around a line looks like, as SVG snapshots (regenerate with --snapshot-update,
then look at them): context lines and separators, a find within a filter, marks, the detail
view's fields and steps, show in context and the hanging indent, at 80×24 and 120×40."""

from __future__ import annotations

import pytest

from tuilogs.ui.screens.detail import DetailScreen
from tuilogs.ui.widgets.log_view import LogView
from tuilogs.ui.widgets.search_bar import SearchBar

from kit.pilot import loaded, make_app, wait_for
from kit.request_lines import request_file

SIZES = {"120x40": (120, 40), "80x24": (80, 24)}


async def _ready(pilot):
    await loaded(pilot)
    pilot.app.screen.query_one(SearchBar).input.cursor_blink = False


async def _filtered(pilot, text):
    await _ready(pilot)
    await pilot.press("ampersand", *text, "enter")
    await wait_for(pilot, lambda: not pilot.app.screen.state.search_pending)


@pytest.mark.parametrize("size", SIZES)
def test_context_lines(snap_compare, size):
    async def run_before(pilot):
        await _filtered(pilot, "status>=500")
        await pilot.press("C", "home", "down")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)


def test_find_within_a_filter(snap_compare):
    async def run_before(pilot):
        await _filtered(pilot, "status>=500 OR code:*")
        await pilot.press("slash", *"POST", "enter")
        log = pilot.app.screen.query_one(LogView)
        await wait_for(pilot, lambda: log.cursor is not None)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_marked_lines(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await pilot.press("up", "up", "m", "up", "up", "up", "m", "up")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_show_in_context(snap_compare):
    async def run_before(pilot):
        await _filtered(pilot, "code:H12")
        await pilot.press("home", "z")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_detail_fields_and_steps(snap_compare):
    async def run_before(pilot):
        await _filtered(pilot, "code:H12")
        await pilot.press("home", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DetailScreen))
        await pilot.press("down", "down")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_wrapped_lines_hang_under_the_message(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await pilot.press("w")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_next_error(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        log = pilot.app.screen.query_one(LogView)
        await pilot.press("home", "e", "e")
        await wait_for(pilot, lambda: log.cursor is not None and log.cursor > 0)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_follow_a_request(snap_compare, tmp_path):
    async def run_before(pilot):
        await loaded(pilot, 5)
        pilot.app.screen.query_one(SearchBar).input.cursor_blink = False
        await pilot.press("up", "up", "r")
        state = pilot.app.screen.state
        await wait_for(pilot, lambda: not state.search_pending and len(state) == 3)
        await pilot.pause()

    app = make_app(request_file(tmp_path))
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
