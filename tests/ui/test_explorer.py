"""The explorer driven with Pilot, the way a person uses it."""

from __future__ import annotations

import re

from tuilogs.core.query import parse_query
from tuilogs.core.record import dyno_matches
from tuilogs.ui.messages import SearchScanned, SearchSubmitted
from tuilogs.ui.widgets.log_view import LogView
from tuilogs.ui.widgets.search_bar import SearchBar
from tuilogs.ui.widgets.sidebar import FilterSidebar

from kit.pilot import SIZE, loaded, make_app, screen_text, wait_for


def visible_records(app):
    state = app.screen.state
    return [app.buffer.record(state.line_at(p)) for p in range(len(state))]


def status(app) -> str:
    return str(app.screen.query_one("#statusbar").render())


def sidebar_select(app, kind, name):
    sidebar = app.screen.query_one(FilterSidebar)
    for i, (entry, _, _) in enumerate(sidebar._rows):
        if entry is not None and entry.kind == kind and entry.name == name:
            sidebar.highlighted = i
            return sidebar
    raise AssertionError(f"no sidebar entry {kind}:{name}")


class TestSidebarFilters:
    async def test_only_a_process_type(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            sidebar_select(app, "dyno", "web").focus()
            await pilot.press("o")
            await pilot.pause()
            recs = visible_records(app)
            assert recs and all(dyno_matches(r.dyno, "web") for r in recs)
            assert any(r.dyno == "web-123-456" for r in recs)
            assert re.search(r"[\d,]+ of [\d,]+ lines", status(app))
            assert "filter: dyno:web" in status(app)
            await pilot.press("0")
            await pilot.pause()
            assert len(app.screen.state) == len(app.buffer)

    async def test_hide_a_dyno_and_a_source(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            sidebar_select(app, "source", "heroku").focus()
            await pilot.press("space")
            sidebar_select(app, "dyno", "web.1")
            await pilot.press("x")
            await pilot.pause()
            recs = visible_records(app)
            assert all(r.source != "heroku" and r.dyno != "web.1" for r in recs)
            assert any(r.is_raw for r in recs)  # raw lines are never hidden by exclusions
            counts = {row[1]: row[2] for row in app.screen.query_one(FilterSidebar)._rows}
            assert counts["web.1"] == sum(
                1 for i in range(len(app.buffer)) if app.buffer.record(i).dyno == "web.1"
            )


class TestSearch:
    async def test_find_highlights_counts_and_jumps(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("slash", *"H1", "enter")
            state = app.screen.state
            expected = list(parse_query("H1").scan(app.buffer))
            await wait_for(pilot, lambda: state.hits is not None and not state.search_pending)
            assert list(state.hits) == expected and len(expected) >= 2
            log = app.screen.query_one(LogView)
            await wait_for(pilot, lambda: log.cursor is not None)
            assert log.selected_line() == expected[-1]
            assert f"find: {len(expected)}/{len(expected)}" in status(app)
            assert "H1" in screen_text(app)
            await pilot.press("N")
            assert log.selected_line() == expected[-2]
            await pilot.press("n")
            assert log.selected_line() == expected[-1]
            assert len(state) == len(app.buffer)  # find mode hides nothing

    async def test_typing_submits_enter_scans_and_the_cursor_jumps(self):
        """Keystrokes post SearchSubmitted (not final), Enter a final one; the scan answers
        with SearchScanned from its worker thread, and the cursor jumps to the last hit."""
        messages: list = []
        app = make_app()
        async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
            await loaded(pilot)
            await pilot.press("slash", *"code:H12", "enter")
            log = app.screen.query_one(LogView)
            await wait_for(pilot, lambda: log.cursor is not None)
            # A message is seen by every node it bubbles through: count each once.
            submitted = list(
                {id(m): m for m in messages if isinstance(m, SearchSubmitted)}.values()
            )
            assert submitted[-1] == SearchSubmitted("code:H12", "find", final=True)
            assert all(not m.final for m in submitted[:-1])
            scans = list({id(m): m for m in messages if isinstance(m, SearchScanned)}.values())
            # Typing slower than the debounce may search a prefix first; Enter's scan is last.
            assert all("code:H12".startswith(m.query.text) for m in scans)
            last = scans[-1]
            assert last.query.text == "code:H12" and last.matches is not None
            assert list(last.matches) == list(parse_query("code:H12").scan(app.buffer))
            assert log.selected_line() == last.matches[-1]

    async def test_filter_mode_hides_non_matching(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("ampersand", *"status>=500", "enter")
            state = app.screen.state
            await wait_for(pilot, lambda: state.matches is not None and not state.search_pending)
            recs = visible_records(app)
            assert recs and len(recs) == len(parse_query("status>=500").scan(app.buffer))
            assert all(int(re.search(r"status=(\d+)", r.message).group(1)) >= 500 for r in recs)
            await pilot.press("escape")
            await pilot.pause()
            assert len(state) == len(app.buffer)

    async def test_switching_mode_in_the_box(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("slash", *"router", "tab")
            await wait_for(
                pilot,
                lambda: app.screen.state.mode == "filter" and not app.screen.state.search_pending,
            )
            assert all("router" in r.line() for r in visible_records(app))

    async def test_invalid_regex_shows_an_inline_error(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("slash", *"/[unclosed/", "enter")
            await pilot.pause()
            error = str(app.screen.query_one("#search-error").render())
            assert "invalid regex" in error
            assert app.screen.query_one(SearchBar).input.has_class("-bad-query")
            assert len(app.screen.state) == len(app.buffer)


class TestFollow:
    async def test_scrolling_up_pauses_and_end_resumes(self, tmp_path):
        path = tmp_path / "live.log"
        path.write_text(
            "".join(f"2026-01-01T00:00:00+00:00 app[web.1]: line {i}\n" for i in range(200))
        )
        app = make_app(path, follow=True)
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot, 200)
            log = app.screen.query_one(LogView)
            assert log.following and "line 199" in screen_text(app)
            await pilot.press("up", "up", "pageup")
            assert not log.following
            with open(path, "a") as f:
                f.write(
                    "".join(f"2026-01-01T00:00:01+00:00 app[web.1]: new {i}\n" for i in range(5))
                )
            await wait_for(pilot, lambda: log.pending == 5)
            await wait_for(pilot, lambda: "5 new" in status(app))
            assert "new 4" not in screen_text(app)
            await pilot.press("end")
            await pilot.pause()
            assert log.following and "new 4" in screen_text(app)
            with open(path, "a") as f:
                f.write("2026-01-01T00:00:02+00:00 app[web.1]: newest\n")
            await wait_for(pilot, lambda: "newest" in screen_text(app))


class TestSafety:
    async def test_escape_sequences_are_shown_not_sent(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("slash", *"hostile", "enter")
            log = app.screen.query_one(LogView)
            await wait_for(pilot, lambda: log.cursor is not None)
            text = screen_text(app)
            assert "\\x1b]0;pwned\\x07" in text and "\\x1b[2J" in text
            assert "\x1b" not in text and "\x07" not in text
            assert "bad utf8 \ufffd\ufffd here" in text


class TestScreens:
    async def test_detail_view_explains_the_error_code(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("slash", *"code:H12", "enter")
            log = app.screen.query_one(LogView)
            await wait_for(pilot, lambda: log.cursor is not None)
            await pilot.press("enter")
            await pilot.pause()
            from tuilogs.ui.screens.detail import DetailScreen

            assert isinstance(app.screen, DetailScreen)
            texts = " ".join(str(w.render()) for w in app.screen.query("Static"))
            assert "H12 — Request timeout" in texts
            await pilot.press("c")
            await pilot.press("escape")
            assert not isinstance(app.screen, DetailScreen)

    async def test_help_lists_keys(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("question_mark")
            await pilot.pause()
            from tuilogs.ui.screens.help import HelpScreen

            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")

    async def test_export_writes_the_filtered_view(self, tmp_path):
        app = make_app()
        out = tmp_path / "out.log"
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            sidebar_select(app, "dyno", "router").focus()
            await pilot.press("o")
            app.screen.query_one(LogView).focus()
            await pilot.press("ctrl+s")
            await pilot.pause()
            app.screen.query_one("#export-path").value = str(out)
            await pilot.press("enter")
            await wait_for(pilot, out.exists)
        lines = out.read_text().splitlines()
        assert lines and all(" heroku[router]: " in line for line in lines)

    async def test_wrap_and_time_toggles(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            log = app.screen.query_one(LogView)
            await pilot.press("w")
            assert log.wrap and "wrap │" in status(app)
            await pilot.press("t")
            assert log.time_mode == "local"
            await pilot.press("t")
            assert log.time_mode == "relative" and " ago" in screen_text(app)


class TestPalette:
    async def test_every_action_is_in_the_command_palette(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            for title in [
                "Find",
                "Filter by search",
                "Toggle wrap",
                "Cycle timestamps",
                "Toggle sidebar",
                "Export view",
                "Copy line",
                "Follow",
                "Keys",
            ]:
                assert title in titles
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"Toggle wrap")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert app.screen.query_one(LogView).wrap

    async def test_no_color_is_respected(self, monkeypatch):
        monkeypatch.setenv("NO_COLOR", "1")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            assert app.no_color


class TestStartedBeforeTheApp:
    async def test_a_buffer_filled_before_the_app_exists_is_the_one_shown(self):
        """The CLI starts reading before Textual loads; the app must use that very buffer."""
        from tuilogs.core.buffer import LogBuffer
        from tuilogs.core.ingest.feed import Feed
        from tuilogs.core.ingest.producers import FileFollower
        from tuilogs.ui.app import TuilogsApp

        from kit.pilot import SAMPLE

        buffer, feed = LogBuffer(), Feed()  # empty (and so falsy) when handed over
        producers = [FileFollower(SAMPLE, feed, buffer.origins, follow=False).start()]
        app = TuilogsApp(lambda f, b: producers, "sample.log", "file", buffer=buffer, feed=feed)
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            assert app.buffer is buffer
            names = [row[1] for row in app.screen.query_one(FilterSidebar)._rows]
            assert {"app", "heroku", "web.1", "router"} <= set(names)
