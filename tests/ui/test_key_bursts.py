"""Keys sent in one burst (a paste, a laggy SSH link) reach the search box whole and in order
(Textual #6605, worked around in `tuilogs.ui.keyorder`). Pilot's `press` waits after every key;
a burst is every key posted before any is handled, as the driver does with one read."""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key

from tuilogs.core.view import FILTER, FIND
from tuilogs.ui.screens.explorer import ExplorerScreen
from tuilogs.ui.widgets.log_view import LogView
from tuilogs.ui.widgets.search_bar import SearchBar

from kit.pilot import SIZE, loaded, make_app, wait_for


def burst(app, *keys: str) -> None:
    """Post every key at once: a one-character key as typed, a longer one by its name."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_character_to_key(key), key))
        else:
            app.post_message(events.Key(key, None))


async def test_editing_keys_keep_their_place_among_typed_ones():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        burst(app, *"timeout", "backspace", "backspace", "left", "x", "home", "[", "end", "]")
        box = app.screen.query_one(SearchBar).input
        await wait_for(pilot, lambda: box.value == "[timexo]")
        await pilot.pause(0.1)
        assert box.value == "[timexo]"


async def test_a_search_typed_in_one_burst_from_the_log_pane_is_the_boxs():
    """`/timeout⏎` at once: before, `t` cycled the timestamps and `e` opened the export."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        log = app.screen.query_one(LogView)
        burst(app, "slash", *"timeout", "enter")
        await wait_for(pilot, lambda: log.cursor is not None)
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        assert screen.query_one(SearchBar).input.value == "timeout"
        assert (screen.state.mode, screen.state.query.text) == (FIND, "timeout")
        assert log.time_mode == "received"
        assert "timeout" in app.buffer.record(log.selected_line()).message.lower()


async def test_a_filter_typed_in_one_burst_applies():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        burst(app, "ampersand", *"status>=500", "enter")
        screen = app.screen
        await wait_for(pilot, lambda: screen.state.query is not None)
        assert (screen.state.mode, screen.state.query.text) == (FILTER, "status>=500")
        # Enter closed the box: the keys are the pane's again (its focus follows a message).
        await wait_for(pilot, lambda: app.focused is screen.query_one(LogView))
