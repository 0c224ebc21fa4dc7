"""A merged view in the explorer: a facet per log in the sidebar, a colour tag on each line."""

from __future__ import annotations

import gzip
from pathlib import Path

from tests.ui.test_explorer import sidebar_select, visible_records
from tuilogs.core.buffer import LogBuffer
from tuilogs.core.ingest.merge import Merger
from tuilogs.core.ingest.targets import file_specs
from tuilogs.core.record import dyno_matches
from tuilogs.core.status import State
from tuilogs.ui.app import TuilogsApp
from tuilogs.ui.widgets.search_bar import SearchBar
from tuilogs.ui.widgets.sidebar import FilterSidebar

from kit.files import SAMPLE
from kit.merged import expected_merge
from kit.pilot import SIZE, screen_text, wait_for


def two_logs(root: Path) -> tuple[Path, Path]:
    """The sample split in two: its web lines in `web.log`, the others in `rest.log.gz`."""
    lines = SAMPLE.read_bytes().splitlines()
    web = [x for x in lines if b"[web." in x[:60]]
    rest = [x for x in lines if b"[web." not in x[:60]]
    (root / "web.log").write_bytes(b"\n".join(web) + b"\n")
    (root / "rest.log.gz").write_bytes(gzip.compress(b"\n".join(rest) + b"\n"))
    return root / "web.log", root / "rest.log.gz"


def merged_app(paths: list[Path]) -> TuilogsApp:
    specs = file_specs(paths, follow=False, poll=0.02)

    def start(feed, buffer):
        return [Merger(feed, buffer.origins, specs).start()]

    names = " + ".join(p.name for p in paths)
    buffer = LogBuffer(timed=True)
    return TuilogsApp(start, names, f"{len(paths)} files merged by time", buffer=buffer)


async def merged_loaded(pilot, lines: int) -> None:
    app = pilot.app
    await wait_for(
        pilot,
        lambda: (
            len(app.buffer) == lines
            and app.feed.empty()
            and app.feed.status.state is State.LOADED
            and not app.feed.head_pending
        ),
        timeout=10,
    )
    await pilot.pause(0.1)
    app.screen.query_one(SearchBar).input.cursor_blink = False


class TestMergedView:
    async def test_lines_in_time_order_each_tagged_with_its_log(self, tmp_path):
        web, rest = two_logs(tmp_path)
        app = merged_app([web, rest])
        expected = expected_merge(
            [web.read_bytes().splitlines(), gzip.decompress(rest.read_bytes()).splitlines()]
        )
        async with app.run_test(size=SIZE) as pilot:
            await merged_loaded(pilot, len(expected))
            assert app.buffer.raw_lines(0, len(app.buffer)) == expected
            rows = screen_text(app).splitlines()
            for row, pos in zip(rows, range(len(expected) - len(rows), len(expected)), strict=True):
                name = app.buffer.origin(app.screen.state.line_at(pos)).stream
                assert row.startswith(f" {name:11} ")  # the tag, as wide as the longest name

    async def test_a_facet_per_log_filters_to_it(self, tmp_path):
        web, rest = two_logs(tmp_path)
        app = merged_app([web, rest])
        async with app.run_test(size=SIZE) as pilot:
            await merged_loaded(pilot, len(SAMPLE.read_bytes().splitlines()))
            # The sidebar counts on its own tick; wait until it has counted every line.
            await wait_for(
                pilot,
                lambda: (
                    sum(
                        n
                        for e, _, n in app.screen.query_one(FilterSidebar)._rows
                        if e is not None and e.kind == "stream"
                    )
                    == len(app.buffer)
                ),
            )
            sidebar = sidebar_select(app, "stream", "rest.log.gz")
            names = [app.buffer.origin(i).stream for i in range(len(app.buffer))]
            assert [r[1:] for r in sidebar._rows[:3]] == [
                ("LOGS", 0),
                ("web.log", names.count("web.log")),
                ("rest.log.gz", names.count("rest.log.gz")),
            ]
            sidebar.focus()
            await pilot.press("o")
            await pilot.pause()
            shown = visible_records(app)
            assert shown and all(not r.dyno.startswith("web.") for r in shown)
            assert "log:rest.log.gz" in str(app.screen.query_one("#statusbar").render())
            # Heroku's own facets still work across both logs.
            await pilot.press("0")
            sidebar_select(app, "dyno", "web").focus()
            await pilot.press("o")
            await pilot.pause()
            shown = visible_records(app)
            assert {app.buffer.origin(i).stream for i in app.screen.state.visible} == {
                "web.log",
                "rest.log.gz",  # Fir's web-123-456
            }
            assert all(dyno_matches(r.dyno, "web") for r in shown)


def test_merged_view(snap_compare, tmp_path):
    paths = two_logs(tmp_path)

    async def run_before(pilot):
        await merged_loaded(pilot, len(SAMPLE.read_bytes().splitlines()))

    assert snap_compare(merged_app(list(paths)), terminal_size=SIZE, run_before=run_before)


def test_merged_view_80x24(snap_compare, tmp_path):
    paths = two_logs(tmp_path)

    async def run_before(pilot):
        await merged_loaded(pilot, len(SAMPLE.read_bytes().splitlines()))

    assert snap_compare(merged_app(list(paths)), terminal_size=(80, 24), run_before=run_before)
