"""Time in the explorer, driven with Pilot: the histogram strip (numbers, filters, moving along
it, an app's numbers from the router), the go-to prompt, the position in the status line,
--since/--until; and their snapshots, at 120×40 and 80×24."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from tuilogs.core.filters import INCLUDE
from tuilogs.core.ingest.producers import FileFollower
from tuilogs.core.record import parse_line
from tuilogs.core.timeline import to_seconds
from tuilogs.core.timerange import TimeRange
from tuilogs.core.trouble import is_trouble
from tuilogs.platform.live import open_app
from tuilogs.ui.app import TuilogsApp
from tuilogs.ui.messages import FiltersChanged
from tuilogs.ui.options import ExplorerOptions, FollowedApp
from tuilogs.ui.screens.goto import GotoScreen
from tuilogs.ui.screens.help import HelpScreen
from tuilogs.ui.widgets.histogram import HistogramStrip
from tuilogs.ui.widgets.log_view import LogView

from kit.pilot import loaded, make_app, wait_for
from kit.routerkit import post_batch, rec

T0 = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
LINES = 3000
MESSAGES = [
    "at=info method=GET path=/ status=200 service=12ms",
    "at=info method=POST path=/api status=201 service=80ms",
    'at=error code=H12 desc="Request timeout" status=503',
    "level=info msg=fine",
    "level=error msg=boom",
    "Error R14 (Memory quota exceeded)",
]


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    """Local time is UTC here, so that what the strip and status line show is the same on
    every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="microseconds")


def history(n: int = LINES, seed: int = 5) -> list[str]:
    """Two hours of lines: busier in the middle, an incident at 13:10, clocks a little off."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        t = i * 7200 / n + rnd.randint(-20, 20)
        dyno = rnd.choice(["web.1", "web.2", "router", "worker.1"])
        source = "heroku" if dyno == "router" else "app"
        weights = [30, 10, 1, 10, 1, 1]
        if 4200 <= t < 4500:
            weights = [5, 2, 20, 2, 20, 5]
        message = rnd.choices(MESSAGES, weights)[0]
        out.append(f"{stamp(t)} {source}[{dyno}]: {message}")
    return out


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "app.log"
    path.write_text("\n".join(history()) + "\n")
    return path


def trouble(record) -> bool:
    return is_trouble(record.message, router=record.dyno == "router")


def strip(app) -> HistogramStrip:
    return app.screen.query_one(HistogramStrip)


def statusbar(app) -> str:
    return str(app.screen.query_one("#statusbar").render())


async def show_histogram(pilot) -> HistogramStrip:
    await pilot.press("H")
    bar = strip(pilot.app)
    await wait_for(pilot, lambda: bar.histogram is not None and bar.histogram.errors_known)
    await pilot.pause(0.1)
    return bar


def cursor_line(app) -> int:
    log = app.screen.query_one(LogView)
    return log.state.line_at(log.cursor)


def seconds_of(app, line: int) -> int:
    return to_seconds(app.buffer.times[line])


class TestHistogramStrip:
    async def test_counts_every_line_with_trouble_stacked(self, log_file):
        app = make_app(log_file)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot, LINES)
            bar = await show_histogram(pilot)
            hist = bar.histogram
            assert hist.total == LINES and hist.buckets <= bar.size.width
            assert bar.size.width == 120 - 28  # the log pane's width, beside the sidebar
            assert hist.step == 90  # two hours and a bit in at most 92 columns
            troubles = [i for i in range(LINES) if trouble(app.buffer.record(i))]
            assert sum(hist.errors) == len(troubles)
            worst = max(range(hist.buckets), key=lambda b: hist.errors[b])
            assert 4200 <= hist.bucket_start(worst) - T0.timestamp() < 4500  # the incident
            await pilot.press("H")
            assert not bar.display or not bar.has_class("-shown")

    async def test_follows_the_sidebar_filter_and_the_search(self, log_file):
        app = make_app(log_file)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot, LINES)
            bar = await show_histogram(pilot)
            await pilot.press("ampersand", *"status>=500", "enter")
            state = app.screen.state
            await wait_for(
                pilot, lambda: not state.search_pending and bar.histogram.total == len(state)
            )
            assert 0 < bar.histogram.total < LINES
            assert bar.histogram.errors == bar.histogram.lines  # every 5xx is trouble
            await pilot.press("escape")
            await wait_for(pilot, lambda: bar.histogram.total == LINES)
            await pilot.press("slash", *"boom", "enter")
            await wait_for(
                pilot,
                lambda: (
                    bar.histogram.what == "matches"
                    and not state.search_pending
                    and bar.histogram.total == len(state.hits)
                ),
            )
            assert 0 < len(state.hits) < LINES

    async def test_a_big_files_head_is_sampled_ahead_and_estimated_until_indexed(self, log_file):
        release = threading.Event()

        class HeldHead(FileFollower):
            """Indexes the head only when the test says so: the head stays pending."""

            def _index_head(self, fd: int, stop: int) -> None:
                release.wait(30)
                super()._index_head(fd, stop)

        def start(feed, buffer):
            return [HeldHead(log_file, feed, buffer.origins, follow=False, tail_bytes=4096).start()]

        app = TuilogsApp(start, log_file.name, "file")
        async with app.run_test(size=(120, 40)) as pilot:
            timeline = app.screen.timeline
            # Sampled once the first screen is painted, before anyone asks for the strip.
            await wait_for(pilot, lambda: timeline._sample is not None)
            assert app.feed.head_pending and strip(app).histogram is None
            await pilot.press("H")
            bar = strip(app)
            await wait_for(pilot, lambda: bar.histogram is not None)
            assert bar.histogram.note.startswith("estimate")
            assert abs(bar.histogram.total - LINES) < LINES * 0.1
            release.set()
            await loaded(pilot, LINES)
            await wait_for(pilot, lambda: bar.histogram is not None and not bar.histogram.note)
            assert bar.histogram.total == LINES

    async def test_few_buckets_still_fill_the_strip_at_80x24(self, log_file):
        app = make_app(log_file)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot, LINES)
            bar = await show_histogram(pilot)
            width, buckets = bar.size.width, bar.histogram.buckets
            assert buckets < width < 2 * buckets  # one column each would leave a gap
            bars = bar.render_line(1).text
            assert len(bars) == width and bars[-1] != " "  # the last bucket at the right edge
            assert [bar.bucket_at(x) for x in (0, width - 1)] == [0, buckets - 1]

    async def test_moving_along_it_jumps_the_pane(self, log_file):
        app = make_app(log_file)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot, LINES)
            bar = await show_histogram(pilot)
            bar.focus()
            await pilot.pause()
            last = bar.selected
            assert last == bar.histogram.buckets - 1  # the window on screen: the end
            await pilot.press("home")
            await pilot.pause()
            assert bar.selected == 0 and cursor_line(app) == 0
            await pilot.press("right", "right", "right")
            await pilot.pause()
            target = bar.histogram.bucket_start(3)
            line = cursor_line(app)
            assert seconds_of(app, line) >= target
            assert all(seconds_of(app, i) < target for i in range(line))  # first in buffer order
            window = bar.window
            assert window[0] <= seconds_of(app, line) <= window[1]
            await pilot.click(HistogramStrip, offset=(bar._edges()[40], 0))
            await pilot.pause()
            assert bar.selected == 40
            assert seconds_of(app, cursor_line(app)) >= bar.histogram.bucket_start(40)
            await pilot.press("escape")
            assert app.screen.query_one(LogView).has_focus

    async def test_an_apps_numbers_come_from_the_router_whole_history(self, router, pclient):
        records = [parse_line(line) for line in history(2000, seed=9)]
        for i in range(0, len(records), 500):
            post_batch(
                router,
                "myapp",
                [rec(r.message, r.dyno, r.source, r.timestamp) for r in records[i : i + 500]],
            )

        def start(feed, buffer):  # only the newest 300 lines are loaded here
            return open_app(pclient, "myapp", feed, buffer.origins, lines=300, history=False)

        options = ExplorerOptions(app=FollowedApp(pclient, "myapp"))
        app = TuilogsApp(start, "myapp", "local router", options=options)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: len(app.buffer) == 300)
            bar = await show_histogram(pilot)
            await wait_for(pilot, lambda: bar.histogram.total == 2000)
            assert bar.note == ""
            assert sum(bar.histogram.errors) == sum(map(trouble, records))
            app.screen.state.filter.set("dyno", "router", INCLUDE)  # as the sidebar's "only"
            app.screen.post_message(FiltersChanged())
            routers = sum(r.dyno == "router" for r in records)
            await wait_for(pilot, lambda: bar.histogram.total == routers)
            await pilot.press("slash", *"boom", "enter")  # a search the router cannot count
            await wait_for(pilot, lambda: bar.histogram.what == "matches")
            assert bar.histogram.note == "loaded lines"


class TestGoto:
    async def test_line_share_time_and_relative(self, log_file):
        app = make_app(log_file)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot, LINES)
            log = app.screen.query_one(LogView)
            await pilot.press("ctrl+g", *"100", "enter")
            await pilot.pause()
            assert log.cursor == 99 and not isinstance(app.screen, GotoScreen)
            assert "line 100/3,000 3%" in statusbar(app)
            await pilot.press("ctrl+g", *"50%", "enter")
            await pilot.pause()
            assert log.cursor == 1500
            await pilot.press("ctrl+g", *"2026-11-01T13:00:00Z", "enter")
            await pilot.pause()
            target = int(T0.timestamp()) + 3600
            line = cursor_line(app)
            assert seconds_of(app, line) >= target
            assert all(seconds_of(app, i) < target for i in range(line))
            assert "· 2026-11-01 13:00:" in statusbar(app)
            await pilot.press("ctrl+g", *"-30m", "enter")  # from the cursor's time
            await pilot.pause()
            earlier = cursor_line(app)
            assert seconds_of(app, earlier) >= seconds_of(app, line) - 1800
            assert all(seconds_of(app, i) < seconds_of(app, line) - 1800 for i in range(earlier))
            await pilot.press("ctrl+g", *"12:15", "enter")  # a time on the cursor's day
            await pilot.pause()
            assert seconds_of(app, cursor_line(app)) >= int(T0.timestamp()) + 900

    async def test_a_mistake_is_shown_and_the_prompt_stays(self, log_file):
        app = make_app(log_file)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot, LINES)
            await pilot.press("ctrl+g", *"[b]soon", "enter")
            await pilot.pause()
            assert isinstance(app.screen, GotoScreen)
            error = str(app.screen.query_one("#goto-error").render())
            assert "not a time: '[b]soon'" in error
            await pilot.press("escape")
            assert not isinstance(app.screen, GotoScreen)
            await pilot.press("ctrl+g", *"2030-01-01", "enter")
            await pilot.pause()
            assert "no line at or after 2030-01-01 00:00:00" in str(
                app.screen.query_one("#goto-error").render()
            )

    async def test_goto_keeps_to_the_filter(self, log_file):
        app = make_app(log_file)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot, LINES)
            await pilot.press("ampersand", *"dyno:worker", "enter")
            state = app.screen.state
            await wait_for(pilot, lambda: not state.search_pending)
            assert app.screen.query_one(LogView).has_focus  # Enter went back to the log
            await pilot.press("ctrl+g", *"2026-11-01T13:00:00Z", "enter")
            await pilot.pause()
            line = cursor_line(app)
            assert app.buffer.record(line).dyno == "worker.1"


async def test_since_and_until_hide_what_is_outside(log_file):
    since = int(T0.timestamp()) + 1800
    rng = TimeRange(since, since + 1800)
    app = make_app(log_file, options=ExplorerOptions(time_range=rng))
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, LINES)
        state = app.screen.state
        expected = [i for i in range(LINES) if seconds_of(app, i) in rng]
        await wait_for(pilot, lambda: len(state) == len(expected))
        assert [state.line_at(p) for p in range(len(state))] == expected
        bar = await show_histogram(pilot)
        assert bar.histogram.start >= since - 60 and bar.histogram.end <= since + 1800 + 60
        assert bar.histogram.total == len(expected)


# -- snapshots --------------------------------------------------------------------------


def _app(log_file) -> TuilogsApp:
    return make_app(log_file)


async def _histogram_at_13_10(pilot):
    await loaded(pilot, LINES)
    await show_histogram(pilot)
    await pilot.press("ctrl+g", *"2026-11-01T13:10:00Z", "enter")
    await pilot.pause(0.3)


def test_snapshot_histogram(snap_compare, log_file):
    assert snap_compare(_app(log_file), terminal_size=(120, 40), run_before=_histogram_at_13_10)


def test_snapshot_histogram_80x24(snap_compare, log_file):
    assert snap_compare(_app(log_file), terminal_size=(80, 24), run_before=_histogram_at_13_10)


def test_snapshot_histogram_focused(snap_compare, log_file):
    async def run_before(pilot):
        await _histogram_at_13_10(pilot)
        strip(pilot.app).focus()
        await pilot.press("right")
        await pilot.pause(0.3)

    assert snap_compare(_app(log_file), terminal_size=(120, 40), run_before=run_before)


def test_snapshot_goto_prompt(snap_compare, log_file):
    async def run_before(pilot):
        await loaded(pilot, LINES)
        await pilot.press("ctrl+g", *"half past", "enter")
        await pilot.pause(0.2)
        pilot.app.screen.query_one("#goto-input").cursor_blink = False
        await pilot.pause(0.1)

    assert snap_compare(_app(log_file), terminal_size=(80, 24), run_before=run_before)


async def test_in_the_palette_and_the_help(log_file):
    from tuilogs.ui.commands import offered
    from tuilogs.ui.keys import by_area

    app = make_app(log_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, LINES)
        titles = {entry.title for entry, _ in offered(app.screen)}
        assert {"Toggle histogram", "Go to a line or a time"} <= titles
        rows = by_area(app.screen.key_entries())["time"]
        labels = {row.label: row.help for row in rows}
        assert labels["H"].startswith("Lines per time bucket")
        assert labels["Ctrl+G"].startswith("A line number")
        assert labels["← h"] == "The bucket before" and "Home" in labels
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = [str(area.render()) for area in app.screen.query(".help-area")]
        # Every area with keys is on the screen (an area left out of the help's columns
        # used to vanish from it): the time keys among them.
        assert len(shown) == len(app.screen.rows)
        (time_area,) = [text for text in shown if text.startswith("Time")]
        assert "Ctrl+G" in time_area and "H" in time_area.split()
        assert "A line number" in time_area and "Lines per time bucket" in time_area
