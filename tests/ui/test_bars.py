"""The header and status bars: what they say, given data; and what makes them speak.

The bars render what they are handed (attributes down); the explorer hands it over when the
reader changes the view, which the log pane tells with a `ViewChanged` message (messages up).
Tests check the messages an action emitted, then what the screen shows (harlequin's habit).
"""

from __future__ import annotations

import time

from textual.app import App, ComposeResult

from tuilogs.core.status import HistoryProgress, State, Status
from tuilogs.ui.messages import ViewChanged
from tuilogs.ui.widgets.bars import (
    HeaderBar,
    SourceInfo,
    StatusBar,
    ViewInfo,
    header_text,
    status_text,
)

from kit.pilot import SIZE, loaded, make_app


class TestWhatTheBarsSay:
    def test_header_names_the_source_and_its_state(self):
        now = time.monotonic()
        info = SourceInfo(
            "myapp",
            "Heroku",
            Status(State.RECONNECTING, "connection refused", retry_at=now + 3),
            history=HistoryProgress(loaded=12_000),
            lines_per_second=5123.4,
            now=now,
        )
        assert header_text(info) == (
            " tuilogs │ myapp │ Heroku · reconnecting in 3 s · connection refused"
            " · history 12,000… │ 5,123 lines/s"
        )

    def test_a_followed_file_is_live_in_the_header_following_is_the_panes_word(self):
        info = SourceInfo("app.log", "file", Status(State.FOLLOWING))
        assert header_text(info) == " tuilogs │ app.log │ file · live"

    def test_header_says_indexing_while_a_files_head_is_read(self):
        info = SourceInfo("big.log", "file", Status(State.FOLLOWING), indexing=True)
        assert header_text(info) == " tuilogs │ big.log │ file · indexing…"

    def test_header_escapes_what_a_source_says(self):
        info = SourceInfo("x", "router", Status(State.FAILED, "bad\x1b]0;pwned\x07"))
        assert "\x1b" not in header_text(info) and "\\x1b]0;pwned" in header_text(info)

    def test_status_line_paused_filtered_and_finding(self):
        info = ViewInfo(
            following=False,
            pending=1200,
            shown=340,
            total=10_000,
            filters="dyno:web",
            find=(3, 120),
            scanning=True,
            wrap=True,
            time_mode="local",
        )
        assert status_text(info) == (
            " ⏸ paused · 1,200 new — End to follow │ 340 of 10,000 lines │ filter: dyno:web"
            " │ find: 3/120… │ wrap │ time: local"
        )

    def test_status_line_following_everything(self):
        info = ViewInfo(following=True, pending=0, shown=619, total=619)
        assert status_text(info) == " ● following │ 619 lines │ nowrap │ time: received"

    def test_status_line_narrow_keeps_the_position_and_its_time(self):
        info = ViewInfo(
            following=False,
            pending=0,
            shown=2_860,
            total=205_402,
            filters="status>=500",
            position=(1_752, 2_860),
            at_time="2026-11-01 13:10:13",
        )
        full = (
            " ⏸ paused — End to follow │ 2,860 of 205,402 lines │ line 1,752/2,860 61%"
            " · 2026-11-01 13:10:13 │ filter: status>=500 │ nowrap │ time: received"
        )
        assert status_text(info) == status_text(info, len(full)) == full
        settings_gone = (
            " ⏸ paused — End to follow │ 2,860 of 205,402 lines │ line 1,752/2,860 61%"
            " · 2026-11-01 13:10:13 │ filter: status>=500"
        )
        assert status_text(info, len(settings_gone)) == settings_gone
        assert status_text(info, 80) == (
            " ⏸ paused │ 2,860 of 205,402 lines │ line 1,752/2,860 61% · 13:10:13"
            " │ filter: status>=500"
        )


class BarsApp(App[None]):
    """The two bars alone, given data as the explorer gives it."""

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="topbar")
        yield StatusBar(id="statusbar")

    def on_mount(self) -> None:
        self.query_one(HeaderBar).info = SourceInfo(
            "myapp",
            "local router",
            Status(State.WAITING, "no lines of myapp yet"),
            history=HistoryProgress(loaded=1500),
        )
        self.query_one(StatusBar).info = ViewInfo(
            following=False, pending=7, shown=12, total=30, filters="source:app -timeout"
        )


def test_bars_snapshot(snap_compare):
    assert snap_compare(BarsApp(), terminal_size=(120, 3))


class TestTheStatusLineFollowsTheReader:
    async def test_keys_that_change_the_view_say_so_and_the_line_follows(self):
        messages: list = []
        app = make_app()
        async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
            await loaded(pilot)
            status = app.screen.query_one(StatusBar)
            assert str(status.render()).startswith(" ● following")

            for key, says in [
                ("up", "⏸ paused — End to follow"),
                ("w", "│ wrap │"),
                ("t", "time: local"),
                ("end", "● following"),
            ]:
                messages.clear()
                await pilot.press(key)
                await pilot.pause()
                assert any(isinstance(m, ViewChanged) for m in messages), key
                assert says in str(status.render()), key

    async def test_a_bar_is_not_repainted_for_the_same_text(self):
        app = BarsApp()
        async with app.run_test(size=(120, 3)) as pilot:
            bar = app.query_one(HeaderBar)
            shown = bar.render()
            info = bar.info
            assert info is not None
            bar.info = SourceInfo(info.title, info.kind, info.status, history=info.history, now=1)
            await pilot.pause()
            assert bar.render() is shown  # the same content object: no update was made
