"""The stats view (`S`) driven with Pilot: what it shows, Enter filtering the explorer, the
palette and help, the router's summary for router apps; and its snapshots at 120×40 and 80×24."""

from __future__ import annotations

import threading
from array import array

import pytest
from textual.widgets import DataTable, ProgressBar

from tuilogs.core.record import parse_line
from tuilogs.ui.commands import offered
from tuilogs.ui.options import ExplorerOptions, FollowedApp
from tuilogs.ui.screens.help import HelpScreen
from tuilogs.ui.screens.stats import StatsScreen, bars, buckets_for
from tuilogs.ui.stats_request import StatsRequest, running_stats
from tuilogs.ui.widgets.search_bar import SearchBar

from kit.files import SAMPLE
from kit.pilot import SIZE, loaded, make_app, wait_for
from kit.routerkit import post_batch

APP = "myapp"


async def open_stats(pilot) -> StatsScreen:
    await pilot.press("S")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatsScreen))
    screen = pilot.app.screen
    await wait_for(
        pilot, lambda: screen.summary is not None and screen.query_one(DataTable).display
    )
    await pilot.pause(0.05)
    return screen


def row_names(screen: StatsScreen) -> list[str]:
    table = screen.query_one(DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def choose(pilot, screen: StatsScreen, name: str) -> None:
    table = screen.query_one(DataTable)
    table.move_cursor(row=row_names(screen).index(name))
    await pilot.press("enter")


async def test_s_shows_the_numbers_of_the_lines_in_view():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await open_stats(pilot)
        s = screen.summary
        assert s.lines == len(app.buffer) and s.requests == 282
        names = row_names(screen)
        for expected in ("2xx", "5xx", "/static/app.js", "R14", "H12", "router", "web.1", "error"):
            assert expected in names
        assert screen.query_one("#stats-title").render().plain == "Stats — 619 lines in view"
        await pilot.press("escape")
        assert not isinstance(app.screen, StatsScreen)
        assert app.screen.state.query is None  # closing changes nothing


@pytest.mark.parametrize(
    ("row", "query", "lines"),
    [
        ("/static/app.js", "path:/static/app.js", 42),
        ("H12", "code:H12", 1),
        ("web.1", "dyno:web.1 -dyno:router", 40),
        ("5xx", "status>=500", 7),
        ("error", "level:error", None),
    ],
)
async def test_enter_filters_the_explorer_to_the_row(row, query, lines):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await open_stats(pilot)
        await choose(pilot, screen, row)
        explorer = app.screen
        await wait_for(pilot, lambda: not explorer.state.search_pending)
        assert explorer.state.query.text == query and explorer.state.filtering_by_query
        assert explorer.query_one(SearchBar).input.value == query
        if lines is not None:
            assert len(explorer.state) == lines


async def test_a_row_narrows_the_filter_already_applied_and_headings_do_nothing():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("ampersand")
        await pilot.press(*"status>=400", "enter")
        explorer = app.screen
        await wait_for(pilot, lambda: explorer.state.query and not explorer.state.search_pending)
        screen = await open_stats(pilot)
        assert screen.summary.lines == len(explorer.state)
        assert screen.summary.requests == 48 + 7 and screen.summary.status_total("2xx") == 0
        table = screen.query_one(DataTable)
        table.move_cursor(row=row_names(screen).index("Dynos"))
        await pilot.press("enter")
        assert app.screen is screen  # a heading: nothing to filter to
        await choose(pilot, screen, "/cart")
        await wait_for(pilot, lambda: not explorer.state.search_pending)
        assert explorer.state.query.text == "status>=400 path:/cart"
        assert len(explorer.state) == sum(
            1
            for line in SAMPLE.read_text(errors="replace").splitlines()
            if 'path="/cart"' in line and (" status=4" in line or " status=5" in line)
        )


async def test_in_the_palette_and_in_help():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        commands = {entry.title: entry.label for entry, _ in offered(app.screen)}
        assert commands["Stats view"] == "S"
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = app.screen.rows
        assert any(keys == "S" for keys, _ in rows["app"])
        assert [k for k, _ in rows["stats"]] == ["Enter", "Esc q S"]


async def test_router_apps_are_summarised_by_the_router(router, pclient):
    records = list(map(parse_line, SAMPLE.read_text(errors="replace").splitlines()))
    stored = [r for r in records if r.source] * 2  # the router holds more than is shown
    for at in range(0, len(stored), 200):
        assert post_batch(router, APP, stored[at : at + 200]).status_code == 204
    app = make_app(options=ExplorerOptions(app=FollowedApp(pclient, APP)))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await open_stats(pilot)
        title = screen.query_one("#stats-title").render().plain
        assert title == f"Stats — {APP}'s whole stored history, by the router"
        assert screen.summary.requests == 2 * 282 and screen.summary.lines == len(stored)
        assert screen.summary == pclient.log_summary(APP, buckets=buckets_for(SIZE[0]))
        await pilot.press("escape")
        await pilot.press("ampersand", *"/H1[0-9]/", "enter")  # a regex: not the router's
        await wait_for(pilot, lambda: not app.screen.state.search_pending)
        screen = await open_stats(pilot)
        assert screen.summary.lines == len(app.screen_stack[-2].state)
        assert "cannot apply these filters" in screen.query_one("#stats-note").render().plain


async def test_numbers_so_far_while_counting(sample_summaries):
    """While counting, the table shows the numbers so far under the progress bar, and the
    cursor keeps its row as they grow; then the whole, and the bar goes."""
    so_far, whole = sample_summaries
    go_on = threading.Event()

    def compute(listener):
        listener.progress(100, 619)
        listener.partial(so_far)
        go_on.wait(10)
        return whole, ""

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = StatsScreen(StatsRequest("a test", compute))
        await app.push_screen(screen)
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: screen.summary is so_far and table.display)
        assert screen.query_one(ProgressBar).display and not screen.summary_final
        assert "counting" in screen.query_one("#stats-note").render().plain
        table.move_cursor(row=3)
        go_on.set()
        await wait_for(pilot, lambda: screen.summary_final)
        assert screen.summary is whole and not screen.query_one(ProgressBar).display
        assert table.cursor_row == 3


@pytest.fixture
def sample_summaries():
    from tuilogs.core.stats import buffer_summary

    from kit.files import load

    buffer, _, producer = load(SAMPLE)
    producer.stop()
    return buffer_summary(buffer, array("I", range(100))), buffer_summary(buffer)


def test_bars_scale_to_their_peak():
    assert bars([0, 1, 8, 4]) == " ▁█▄"
    assert bars([0, 0]) == "  " and bars([]) == ""
    assert bars([1, 1000]) == "▁█"  # a lone request still shows


async def _stats_ready(pilot):
    await loaded(pilot)
    pilot.app.screen.query_one(SearchBar).input.cursor_blink = False
    await open_stats(pilot)


def test_snapshot_120x40(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=_stats_ready)


def test_snapshot_80x24(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_stats_ready)


async def test_s_again_on_the_same_view_is_answered_at_once():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        first = (await open_stats(pilot)).summary
        await pilot.press("escape")
        again = await open_stats(pilot)
        assert again.summary is first  # not counted again
        await pilot.press("escape")
        await pilot.press("ampersand", *"dyno:web", "enter")
        await wait_for(pilot, lambda: not app.screen.state.search_pending)
        narrowed = await open_stats(pilot)
        assert narrowed.summary is not first and narrowed.summary.lines < first.lines


@pytest.mark.parametrize(
    ("sidebar", "query", "expected"),
    [
        ({}, None, {}),
        ({"dyno": "web"}, None, {"dyno": "web"}),
        (
            {"source": "app", "dyno": "web.1"},
            "timeout",
            {"source": "app", "dyno": "web.1", "q": "timeout"},
        ),
        ({}, "source:heroku /cart", {"source": "heroku", "q": "/cart"}),
        ({}, "dyno:router /cart", None),  # `dyno:` also takes router lines by their dyno=
        ({"dyno": "web"}, "dyno:router", None),  # two dynos: the router takes one
        ({}, "Timeout", None),  # smart case: case-sensitive, the router's q is not
        ({}, "/H1[0-9]/", None),
        ({}, "status>=500", None),
        ({}, "-source:app", None),
        ({}, "one two", None),  # one substring only
    ],
)
def test_what_the_router_can_apply(sidebar, query, expected):
    from tuilogs.core.buffer import LogBuffer
    from tuilogs.core.filters import INCLUDE
    from tuilogs.core.query import parse_query
    from tuilogs.core.view import FILTER, ExplorerState
    from tuilogs.ui.stats_request import server_filters

    state = ExplorerState(LogBuffer())
    for kind, name in sidebar.items():
        state.filter.set(kind, name, INCLUDE)
    if query is not None:
        state.set_query(parse_query(query), FILTER)
    assert server_filters(state) == expected
    state.filter.set("dyno", "worker", "exclude")
    assert server_filters(state) is None  # an exclusion: not the router's either


async def test_every_line_is_counted_in_the_background_once_the_log_has_loaded():
    """The warm-up: with no filter, `S` is answered from counts already made."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        explorer = app.screen
        running = running_stats(explorer)
        await wait_for(pilot, running.caught_up, timeout=10)
        assert running.done == len(explorer.buffer)
        screen = await open_stats(pilot)
        assert screen.summary == running.summary(buckets_for(explorer.size.width))
        assert screen.summary.lines == len(explorer.buffer)
