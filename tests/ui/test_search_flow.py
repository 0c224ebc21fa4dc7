"""The search as a newcomer meets it: `-q` opens in filter mode, an invalid query shows its text
and its error while the last valid one stays applied, and clearing a filter keeps the line the
reader was on in view; a source filter naming no source says which there are."""

from __future__ import annotations

from tuilogs.core.query import parse_query
from tuilogs.core.view import FILTER
from tuilogs.ui.options import ExplorerOptions
from tuilogs.ui.widgets.log_view import LogView
from tuilogs.ui.widgets.search_bar import SearchBar

from kit.pilot import SIZE, loaded, make_app, wait_for


def in_view(log: LogView) -> bool:
    top = int(log.scroll_offset.y)
    return top <= log.cursor < top + log.scrollable_content_region.height


def scanned(app) -> bool:
    state = app.screen.state
    return state.query is not None and not state.search_pending


async def test_q_opens_in_filter_mode_with_the_box_showing_it():
    query = parse_query("status>=500")
    app = make_app(options=ExplorerOptions(query=query))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: scanned(app))
        await pilot.pause(0.3)  # past the box's debounce: its text must not switch the mode
        screen, bar = app.screen, app.screen.query_one(SearchBar)
        assert (screen.state.mode, screen.state.query.text) == (FILTER, "status>=500")
        assert bar.has_class("-visible") and bar.mode == FILTER
        assert bar.input.value == "status>=500"
        assert str(bar.query_one("#search-mode").render()) == "Filter"
        assert app.focused is screen.query_one(LogView)
        shown = [app.buffer.record(screen.state.line_at(p)) for p in range(len(screen.state))]
        assert shown and all("status=5" in r.message for r in shown)


async def test_clearing_a_search_filter_keeps_the_selected_line_in_view():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("ampersand", *"H12", "enter")
        await wait_for(pilot, lambda: scanned(app))
        log = app.screen.query_one(LogView)
        await pilot.press("home", "down")
        chosen = log.selected_line()
        assert chosen is not None and chosen < len(app.buffer) - 100  # far from the end
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.state.query is None)
        await wait_for(pilot, lambda: in_view(log))  # scrolled there after the next refresh
        assert log.selected_line() == chosen


async def test_an_invalid_query_shows_its_text_and_keeps_the_last_valid_one():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("ampersand", *"status>=500", "enter")
        await wait_for(pilot, lambda: scanned(app))
        state = app.screen.state
        shown = len(state)
        assert 0 < shown < len(app.buffer)
        bar = app.screen.query_one(SearchBar)
        error = bar.query_one("#search-error")
        for text in ("status>=", "status>=abc"):
            bar.input.value = text
            await wait_for(pilot, lambda: "needs a number" in str(error.render()))
            await pilot.pause(0.3)  # past the debounce
            assert (state.query.text, len(state)) == ("status>=500", shown)
            # The box shows what was typed (one row, no error border over it).
            assert bar.input.region.height == 1
            assert text in "".join(s.text for s in bar.input.render_line(0))


def test_an_invalid_query(snap_compare):
    async def run_before(pilot):
        await loaded(pilot)
        bar = pilot.app.screen.query_one(SearchBar)
        bar.input.cursor_blink = False
        await pilot.press("ampersand", *"status>=500", "enter")
        await wait_for(pilot, lambda: scanned(pilot.app))
        await pilot.press("ampersand")
        # At once: typed key by key, the debounce might apply `status>=5` on the way.
        bar.input.value = "status>=abc"
        await pilot.press("end")
        await wait_for(pilot, lambda: "needs" in str(bar.query_one("#search-error").render()))
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=(100, 16), run_before=run_before)


async def test_a_source_filter_naming_no_source_says_which_there_are():
    app = make_app(options=ExplorerOptions(sources=("router",)))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: app._notifications)
        (note,) = [n.message for n in app._notifications]
        assert "no source 'router': the sources are app and heroku" in note
        assert "use -d router" in note
        assert len(app.screen.state) == 0


async def test_a_known_source_filter_says_nothing():
    app = make_app(options=ExplorerOptions(sources=("heroku",)))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.pause(0.3)
        assert not app._notifications
