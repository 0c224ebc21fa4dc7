"""Reading around a line, driven with Pilot: find within a filter, context lines, show in
context, errors, marks, following a request, the detail view's steps and field filters, and
wrapped lines' hanging indent."""

from __future__ import annotations

from tuilogs.core.context import expand
from tuilogs.core.errorlines import error_query
from tuilogs.core.query import parse_query
from tuilogs.ui.screens.detail import DetailScreen
from tuilogs.ui.widgets.log_view import LogView
from tuilogs.ui.widgets.search_bar import SearchBar

from kit.files import SAMPLE
from kit.pilot import SIZE, loaded, make_app, screen_text, wait_for
from kit.request_lines import RID, request_file

SMALL = (80, 24)


def status(app) -> str:
    return str(app.screen.query_one("#statusbar").render())


def box_label(app) -> str:
    return str(app.screen.query_one("#search-mode").render())


def log_of(app) -> LogView:
    return app.screen.query_one(LogView)


async def filtered(pilot, text: str) -> None:
    """`&` TEXT Enter, until the filter has scanned every line."""
    await pilot.press("ampersand", *text, "enter")
    await wait_for(pilot, lambda: not pilot.app.screen.state.search_pending)


class TestFindWithinAFilter:
    async def test_slash_finds_inside_the_filter_and_escape_peels_one_at_a_time(self):
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            state = app.screen.state
            await filtered(pilot, "status>=500")
            shown = list(state.visible)
            await pilot.press("slash")
            assert box_label(app) == "Find in filter"
            assert app.screen.query_one(SearchBar).input.value == ""
            await pilot.press(*"POST", "enter")
            await wait_for(pilot, lambda: state.hits is not None and not state.search_pending)
            expected = [i for i in parse_query("POST").scan(app.buffer) if i in shown]
            assert expected and list(state.hits) == expected
            assert list(state.visible) == shown  # the filter stays
            assert "filter: status>=500" in status(app) and "find: " in status(app)
            await wait_for(pilot, lambda: log_of(app).cursor is not None)
            assert log_of(app).selected_line() in expected
            await pilot.press("escape")  # the find goes, the filter stays, shown in the box
            await pilot.pause()
            assert state.finding.query is None and list(state.visible) == shown
            assert box_label(app) == "Filter"
            assert app.screen.query_one(SearchBar).input.value == "status>=500"
            await pilot.press("escape")
            await pilot.pause()
            assert not state.searching and len(state) == len(app.buffer)

    async def test_tab_turns_the_find_into_a_narrower_filter(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            state = app.screen.state
            await filtered(pilot, "status>=500 OR level:error")
            await pilot.press("slash", *"POST", "tab")
            await wait_for(pilot, lambda: state.finding.query is None and not state.search_pending)
            assert state.filtering.query.text == "(status>=500 OR level:error) POST"
            expected = parse_query("(status>=500 OR level:error) POST").scan(app.buffer)
            assert list(state.visible) == list(expected) and expected
            assert app.screen.query_one(SearchBar).input.value == state.filtering.query.text

    async def test_an_invalid_group_says_why_in_the_box(self):
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            await pilot.press("ampersand", *"(status>=500 OR", "enter")
            await pilot.pause()
            error = str(app.screen.query_one("#search-error").render())
            assert "OR needs a term on each side" in error
            assert len(app.screen.state) == len(app.buffer)


class TestFindWhileIndexing:
    async def test_a_find_entered_before_the_head_is_read_lands_on_its_hit(self, tmp_path):
        # Past 1 MB the tail is shown first and the head read behind it: a find entered
        # meanwhile, with no hit in the tail, waits for the head instead of giving up.
        path = tmp_path / "big.log"
        sample = SAMPLE.read_bytes()
        token = "2026-11-01T09:00:00.123456"
        with open(path, "wb") as out:
            out.write(f"{token}+00:00 app[web.1]: the one line we want\n".encode())
            for _ in range(12_000_000 // len(sample)):
                out.write(sample)
        lines = len(path.read_bytes().splitlines())
        app = make_app(path)
        async with app.run_test(size=SMALL) as pilot:
            await pilot.press("slash", *token, "enter")
            await loaded(pilot, lines)
            log = log_of(app)
            await wait_for(pilot, lambda: log.cursor is not None, timeout=30)
            assert log.selected_line() == 0 and "find: 1/1" in status(app)


class TestContext:
    async def test_context_lines_separators_and_their_number(self):
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            state = app.screen.state
            await filtered(pilot, "status>=500")
            own = list(state.visible)
            await pilot.press("C")
            assert list(state.visible) == list(expand(own, 3, len(app.buffer)))
            assert "filter: status>=500 ±3" in status(app)
            await pilot.press("plus", "plus")
            assert list(state.visible) == list(expand(own, 5, len(app.buffer)))
            await pilot.press("minus")
            assert state.context == 4
            await pilot.press("home")
            await pilot.pause()
            text = screen_text(app)
            gaps = [state.hidden_before(p) for p in range(len(state))]
            first = next(p for p, gap in enumerate(gaps) if gap)
            assert f"── {gaps[first]:,} lines ──" in text
            rows = text.splitlines()
            assert rows[first].startswith("──")  # its own row, above the group it starts
            await pilot.press("C")
            assert list(state.visible) == own and "±" not in status(app)

    async def test_the_cursor_stays_visible_below_separators(self):
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            await filtered(pilot, "status>=500 OR code:*")
            await pilot.press("C", "home")
            log = log_of(app)
            for _ in range(40):
                await pilot.press("down")
                line = app.buffer.record(log.selected_line()).line()[:40]
                assert line in screen_text(app)

    async def test_show_in_context_and_back(self):
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            state, log = app.screen.state, log_of(app)
            await filtered(pilot, "code:H12")
            await pilot.press("home", "down")
            line = log.selected_line()
            await pilot.press("z")
            assert state.visible is None and log.selected_line() == line
            assert "off (z: back)" in status(app)
            await pilot.press("down", "down")
            await pilot.press("z")
            assert list(state.visible) == list(parse_query("code:H12").scan(app.buffer))
            assert log.selected_line() == line  # the filtered line at or before the cursor


class TestErrors:
    async def test_e_and_shift_e_walk_the_errors_shown(self):
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            log = log_of(app)
            errors = list(error_query().scan(app.buffer))
            await pilot.press("home")
            for expected in errors[:4]:
                await pilot.press("e")
                await wait_for(pilot, lambda e=expected: log.selected_line() == e)
            await pilot.press("E")
            await wait_for(pilot, lambda: log.selected_line() == errors[2])
            await pilot.press("end", "up")  # the cursor on the last line
            after_last = [e for e in errors if e > log.selected_line()]
            assert not after_last
            await pilot.press("e")

            def told() -> bool:
                return any("No error below" in n.message for n in app._notifications)

            await wait_for(pilot, told)
            assert log.selected_line() == len(app.buffer) - 1


class TestMarks:
    async def test_mark_walk_show_alone_and_export(self, tmp_path):
        app = make_app()
        out = tmp_path / "marked.log"
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            state, log = app.screen.state, log_of(app)
            await pilot.press("home", "down", "m", "down", "down", "down", "m")
            assert list(state.marks.lines()) == [1, 4]
            await pilot.press("left_square_bracket")
            assert log.selected_line() == 1
            await pilot.press("right_square_bracket")
            assert log.selected_line() == 4
            await pilot.press("M")
            assert list(state.visible) == [1, 4] and "marked (2)" in status(app)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: bool(app.screen.query("#export-path")))
            app.screen.query_one("#export-path").value = str(out)
            await pilot.press("enter")
            await wait_for(pilot, out.exists)
            assert out.read_bytes().splitlines() == [app.buffer.raw(1), app.buffer.raw(4)]
            await pilot.press("m")  # unmarking in the marked view hides the line
            assert list(state.visible) == [1]


class TestRequests:
    async def test_r_shows_every_line_of_the_request(self, tmp_path):
        app = make_app(request_file(tmp_path))
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot, 5)
            state, log = app.screen.state, log_of(app)
            await pilot.press("up", "up")  # the router's line
            await pilot.press("r")
            await wait_for(pilot, lambda: not state.search_pending and len(state) == 3)
            assert list(state.visible) == [1, 2, 3]
            assert f'filter: "{RID}"' in status(app)
            assert log.selected_line() == 3  # the cursor stays on the line it came from
            await pilot.press("escape")
            await pilot.pause()
            assert len(state) == 5 and log.selected_line() == 3


class TestQueries:
    async def test_the_router_lines_a_dyno_served_and_groups(self):
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            state = app.screen.state
            await filtered(pilot, "service>1000 dyno:web.1")
            assert len(state) and "filter: service>1000 dyno:web.1" in status(app)
            assert all(app.buffer.record(i).dyno == "router" for i in state.visible)
            await pilot.press("escape")
            await filtered(pilot, "-(path:/health OR path:/static)")
            hidden = set(parse_query("path:/health OR path:/static").scan(app.buffer))
            assert hidden and len(state) == len(app.buffer) - len(hidden)


class TestDetail:
    async def test_steps_along_the_view_and_filters_by_a_field(self):
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            state, log = app.screen.state, log_of(app)
            await filtered(pilot, "dyno:router")
            await pilot.press("home", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
            first = app.screen.line_number
            assert first == state.visible[0]
            await pilot.press("j", "j")
            assert app.screen.line_number == state.visible[2]
            await pilot.press("k")
            assert app.screen.line_number == state.visible[1]
            fields = dict(app.screen.fields)
            row = [k for k, _ in app.screen.fields].index("dyno")
            for _ in range(row):
                await pilot.press("down")
            await pilot.press("f")
            await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen))
            await wait_for(pilot, lambda: not state.search_pending)
            assert state.filtering.query.text == f"dyno={fields['dyno']}"
            shown = {app.buffer.record(i).message for i in state.visible}
            assert shown and all(f"dyno={fields['dyno']}" in m for m in shown)
            assert log.cursor is None or log.selected_line() in state.visible

    async def test_enter_still_closes_and_the_footer_says_the_keys(self):
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
            footer = " ".join(str(k.render()) for k in app.screen.query("FooterKey"))
            assert "Next line" in footer and "Previous line" in footer
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen))


class TestWrap:
    async def test_wrapped_lines_continue_under_the_message(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("s", "w")  # no sidebar: 120 columns for the lines
            await pilot.pause()
            rows = screen_text(app).splitlines()
            continued = [
                (a, b)
                for a, b in zip(rows, rows[1:], strict=False)
                if " heroku[router]: " in a and not b.startswith("2026-")
            ]
            assert continued, rows
            for head, cont in continued:
                indent = head.index("heroku[router]: ") + len("heroku[router]: ")
                assert cont[:indent].strip() == "" and cont[indent] != " ", (head, cont)
