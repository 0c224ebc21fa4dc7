"""The builds panel and a build's output in the log pane, driven with Pilot against a stand-in
of Heroku's builds endpoints on loopback (kit/heroku_builds.py), over an explorer of the sample
file following the app; and their snapshots."""

from __future__ import annotations

import pytest

from tuilogs.platform.builds import finish_build, get_build, record_build, send_output
from tuilogs.platform.client import PlatformClient
from tuilogs.ui.commands import offered
from tuilogs.ui.options import ExplorerOptions, FollowedApp
from tuilogs.ui.screens.build_output import BuildOutputScreen
from tuilogs.ui.screens.builds import BuildsPanel, BuildTable
from tuilogs.ui.screens.explorer import ExplorerScreen
from tuilogs.ui.screens.help import help_rows
from tuilogs.ui.widgets.search_bar import SearchBar

from kit.heroku_builds import APP, BuildsStandIn
from kit.pilot import SIZE, loaded, make_app, screen_text, wait_for

pytestmark = pytest.mark.usefixtures("isolated_env")

FAILED = [
    "-----> Building on the Heroku-24 stack",
    "-----> Determining which buildpack to use for this app",
    "-----> Python app detected",
    " !     Warning: Your app's Python version is not pinned.",
    "-----> Installing python-3.12.7",
    "-----> Installing requirements with pip",
    *(f"       Collecting package-{i}==1.{i}" for i in range(40)),
    "       ERROR: Could not find a version that satisfies the requirement flask==9.9.9",
    "       ERROR: No matching distribution found for flask==9.9.9",
    " !     Push rejected, failed to compile Python app.",
    " !     Push failed",
]
SUCCEEDED = ["-----> Python app detected", "       Installed 12 packages", "Build succeeded!"]


@pytest.fixture
def heroku(serve_asgi) -> BuildsStandIn:
    stand_in = BuildsStandIn()
    stand_in.serve(serve_asgi)
    return stand_in


@pytest.fixture
def client(heroku) -> PlatformClient:
    with PlatformClient(heroku.base_url, "t0ken", kind="heroku", timeout=10) as c:
        yield c


def seed(heroku: BuildsStandIn) -> dict[str, str]:
    """Builds as a real app has them: older successes, a failure, the newest a success."""
    ids = {}
    ids["first"] = heroku.add("succeeded", SUCCEEDED, user="alice@example.com", release_version=40)
    ids["second"] = heroku.add("succeeded", SUCCEEDED, user="bob@example.com", release_version=41)
    ids["failed"] = heroku.add("failed", FAILED, user="carol@example.com")
    ids["newest"] = heroku.add("succeeded", SUCCEEDED, user="alice@example.com", release_version=42)
    return ids


def explorer(client: PlatformClient, **options):
    return make_app(options=ExplorerOptions(app=FollowedApp(client, APP), **options))


async def open_panel(pilot) -> BuildsPanel:
    await loaded(pilot)
    pilot.app.screen.query_one(SearchBar).input.cursor_blink = False
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BuildsPanel))
    panel = pilot.app.screen
    await wait_for(pilot, lambda: bool(panel.builds) or "No builds" in status(panel), 10)
    table = panel.query_one(BuildTable)
    # Laid out: the table as high as its rows (a snapshot must not catch it growing).
    await wait_for(pilot, lambda: not panel.builds or table.region.height > 1)
    await pilot.pause(0.05)
    return panel


def status(panel: BuildsPanel) -> str:
    return str(panel.query_one("#builds-status").render())


def rows(panel: BuildsPanel) -> list[list[str]]:
    table = panel.query_one(BuildTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def topbar(app) -> str:
    return str(app.screen.query_one("#topbar").render())


async def output_shown(pilot, *, ended: bool = True) -> BuildOutputScreen:
    def shown() -> bool:  # pushed, and composed: its widgets are there
        screen = pilot.app.screen
        return isinstance(screen, BuildOutputScreen) and screen.is_mounted

    await wait_for(pilot, shown, 10)
    screen = pilot.app.screen
    screen.query_one(SearchBar).input.cursor_blink = False
    if ended:
        await wait_for(pilot, lambda: screen.producer.ended.is_set() and screen._placed, 10)
    await pilot.pause(0.1)
    return screen


class TestPanel:
    async def test_newest_first_and_a_failed_build_stands_out(self, heroku, client):
        seed(heroku)
        async with explorer(client).run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot)
            listed = rows(panel)
            assert [r[4] for r in listed] == [
                "alice@example.com", "carol@example.com", "bob@example.com", "alice@example.com",
            ]  # fmt: skip
            assert [r[:2] for r in listed] == [
                ["✓", "succeeded"], ["✗", "failed"], ["✓", "succeeded"], ["✓", "succeeded"],
            ]  # fmt: skip
            assert [r[5] for r in listed] == ["v42", "—", "v41", "v40"]  # from the releases
            await pilot.press("r")  # listed again: the releases are not asked for again
            await wait_for(pilot, lambda: len(heroku.range_headers) == 2 and not panel.busy(), 10)
            assert len(heroku.release_ranges) == 1 and rows(panel) == listed
            assert "4 builds, newest first · 1 failed ✗" in status(panel)
            table = panel.query_one(BuildTable)
            assert table.status_style("failed") != table.status_style("succeeded")

    async def test_the_next_page_comes_when_the_cursor_reaches_the_end(self, heroku, client):
        for _ in range(230):
            heroku.add()
        async with explorer(client).run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot)
            assert len(panel.builds) == 200 and "more below" in status(panel)
            await pilot.press("ctrl+end")  # the table's last row
            await wait_for(pilot, lambda: len(panel.builds) == 230, 10)
            assert heroku.range_headers[1] == heroku.range_headers[0].replace(
                "created_at ..", f"created_at ]{panel.builds[199].created_at}.."
            )
            assert len({b.id for b in panel.builds}) == 230

    async def test_no_builds_says_how_one_is_made(self, heroku, client):
        async with explorer(client).run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot)
            assert "git push heroku main" in status(panel)

    async def test_only_for_a_followed_app(self, sample_path):
        async with make_app().run_test(size=SIZE) as pilot:
            await loaded(pilot)
            assert all(e.binding.id != "app.builds" for e, _ in offered(pilot.app.screen))
            await pilot.press("b")
            await pilot.pause(0.1)
            assert isinstance(pilot.app.screen, ExplorerScreen)

    async def test_b_is_a_letter_in_the_search_box_and_opens_one_panel(self, heroku, client):
        async with explorer(client).run_test(size=SIZE) as pilot:
            await loaded(pilot)
            explorer_screen = pilot.app.screen
            await pilot.press("slash", "b")
            await pilot.pause(0.05)
            assert explorer_screen.query_one(SearchBar).input.value == "b"
            assert pilot.app.screen is explorer_screen
            await pilot.press("escape", "escape")
            panel = await open_panel(pilot)
            await pilot.press("b")  # over its own panel: not a second one
            await pilot.pause(0.05)
            assert pilot.app.screen is panel and len(pilot.app.screen_stack) == 3

    async def test_in_the_palette_and_the_help(self, heroku, client):
        async with explorer(client).run_test(size=SIZE) as pilot:
            await loaded(pilot)
            titles = [e.title for e, _ in offered(pilot.app.screen)]
            assert "Builds" in titles
            rows_ = help_rows(pilot.app.screen.key_entries(), "ctrl+p")
            assert ("Enter", "Stream the build's output") in rows_["builds"]
            assert any(label == "b" for label, _ in rows_["app"])


class TestOutput:
    async def test_a_growing_build_follows_and_its_end_is_said(self, heroku, client):
        build_id = heroku.add("pending", ["-----> Building on the Heroku-24 stack"], open=True)
        async with explorer(client).run_test(size=SIZE) as pilot:
            await open_panel(pilot)
            await pilot.press("enter")
            screen = await output_shown(pilot, ended=False)
            await wait_for(pilot, lambda: "-----> Building" in screen_text(pilot.app), 10)
            assert "● pending" in topbar(pilot.app)
            heroku.write(build_id, "-----> Installing requirements with pip")
            await wait_for(pilot, lambda: "Installing requirements" in screen_text(pilot.app), 10)
            assert screen.log_view.following
            heroku.write(build_id, *FAILED[-4:])
            heroku.finish(build_id, "failed")
            await wait_for(pilot, lambda: "✗ failed" in topbar(pilot.app), 15)
            await wait_for(pilot, lambda: screen.log_view.cursor is not None, 10)
            first_error = screen.buffer.record(screen.log_view.selected_line()).message
            assert first_error.startswith("       ERROR: Could not find a version")
            assert "ended" in topbar(pilot.app)

    async def test_a_failed_build_opens_at_its_first_error(self, heroku, client):
        ids = seed(heroku)
        async with explorer(client, build=get_build(client, APP, ids["failed"])).run_test(
            size=SIZE
        ) as pilot:
            screen = await output_shown(pilot)
            line = screen.log_view.selected_line()
            assert line == FAILED.index(next(x for x in FAILED if "ERROR" in x))
            assert "ERROR: Could not find a version" in screen_text(pilot.app)
            assert not screen.log_view.following

    async def test_escape_goes_back_to_the_app_s_logs_as_they_were(self, heroku, client):
        ids = seed(heroku)
        async with explorer(client).run_test(size=SIZE) as pilot:
            explorer_screen = pilot.app.screen
            await loaded(pilot)
            kept = len(pilot.app.buffer)
            panel = await open_panel(pilot)
            panel.query_one(BuildTable).move_cursor(row=1)
            await pilot.press("enter")
            screen = await output_shown(pilot)
            assert screen.producer.build.id == ids["failed"]
            await pilot.press("slash", *"ERROR", "enter")
            await wait_for(pilot, lambda: screen.state.searching)
            await pilot.press("escape")  # clears the search first
            await pilot.pause(0.05)
            assert not screen.state.searching and pilot.app.screen is screen
            await pilot.press("escape")
            await wait_for(pilot, lambda: pilot.app.screen is explorer_screen)
            assert len(pilot.app.buffer) >= kept and screen.producer.follower.stopped

    async def test_another_build_replaces_the_one_shown(self, heroku, client):
        seed(heroku)
        async with explorer(client).run_test(size=SIZE) as pilot:
            explorer_screen = pilot.app.screen
            await open_panel(pilot)
            await pilot.press("enter")
            first = await output_shown(pilot)
            await pilot.press("b")
            panel = pilot.app.screen
            await wait_for(pilot, lambda: isinstance(panel, BuildsPanel) and bool(panel.builds))
            await pilot.press("down", "enter")
            second = await output_shown(pilot)
            assert second is not first and first.producer.follower.stopped
            await pilot.press("escape")
            await wait_for(pilot, lambda: pilot.app.screen is explorer_screen)


class TestAgainstTheRouter:
    async def test_a_recorded_build_is_followed_to_its_failure(self, pclient):
        build = record_build(pclient, APP, user="ci@example.com", description="make")
        send_output(pclient, APP, build.id, ["-----> Compiling"])
        async with explorer(pclient).run_test(size=SIZE) as pilot:
            panel = await open_panel(pilot)
            assert rows(panel)[0][:2] == ["●", "pending"]
            await pilot.press("enter")
            screen = await output_shown(pilot, ended=False)
            await wait_for(pilot, lambda: "-----> Compiling" in screen_text(pilot.app), 10)
            assert "local router" in topbar(pilot.app)
            send_output(pclient, APP, build.id, ["make: *** [all] Error 2"])
            await wait_for(pilot, lambda: "make: ***" in screen_text(pilot.app), 10)
            finish_build(pclient, APP, build.id, "failed", 2)
            await wait_for(pilot, lambda: "✗ failed" in topbar(pilot.app), 15)
            await wait_for(pilot, lambda: screen.log_view.cursor is not None, 10)
            assert screen.log_view.selected_line() == 1


class TestSnapshots:
    def test_panel(self, heroku, client, snap_compare):
        seed(heroku)
        assert snap_compare(explorer(client), terminal_size=SIZE, run_before=open_panel)

    def test_panel_80x24(self, heroku, client, snap_compare):
        seed(heroku)
        assert snap_compare(explorer(client), terminal_size=(80, 24), run_before=open_panel)

    def test_a_failed_build_s_output(self, heroku, client, snap_compare):
        ids = seed(heroku)
        app = explorer(client, build=get_build(client, APP, ids["failed"]))
        assert snap_compare(app, terminal_size=SIZE, run_before=output_shown)


def test_build_lines_take_the_buildpack_colours_and_log_lines_keep_theirs(tmp_path):
    from rich.style import Style

    from tuilogs.ui.screens.build_output import BuildLines
    from tuilogs.ui.widgets.styles import COMPONENT_CLASSES, component

    from kit.files import load

    path = tmp_path / "build.log"
    path.write_text(
        "remote: -----> Building\n !     Warning: old\nERROR: boom\n"
        "2026-11-01T12:00:00+00:00 app[web.1]: at=error code=H12\n"
    )
    buffer, _feed, producer = load(path)
    producer.stop()
    lines = BuildLines(buffer)
    lines.styles = {name: Style(color=f"color({i})") for i, name in enumerate(COMPONENT_CLASSES)}

    def styled(line: int) -> list[tuple[str, Style]]:
        text = lines.line_text(line)
        return [(text.plain[s.start : s.end], s.style) for s in text.spans]

    style = lines.style
    assert ("remote:", style("build.remote")) in styled(0)
    assert ("-----> Building", style("build.step")) in styled(0)
    assert ("!     Warning: old", style("build.warning")) in styled(1)
    assert ("ERROR: boom", style("build.error")) in styled(2)
    assert lines.styles[component("build.error")] != lines.styles[component("build.warning")]
    assert all(s != style("build.error") for _, s in styled(3))  # a log line: log colours
