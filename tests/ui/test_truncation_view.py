"""A followed file truncated by logrotate's copytruncate: the pane keeps what it showed, marks
the cut with a line, and shows the new content after it (before, it started over, empty)."""

from __future__ import annotations

import shutil

from kit.pilot import loaded, make_app, screen_text, wait_for

SIZE = (100, 16)
MARKER = "── app.log was truncated here: the lines above are in app.log.1 ──"


def write_and_rotate(tmp_path):
    path = tmp_path / "app.log"
    path.write_text(
        "".join(f"2026-11-29T00:00:0{i}Z app[web.1]: before the cut {i}\n" for i in range(6))
    )
    return path


def copytruncate(path) -> None:
    shutil.copyfile(path, path.with_name("app.log.1"))
    with open(path, "r+b") as f:
        f.truncate(0)
    with open(path, "a") as f:
        f.write("2026-11-29T00:01:00Z app[web.1]: after the cut\n")


async def test_the_cut_is_marked_and_what_was_shown_stays(tmp_path):
    path = write_and_rotate(tmp_path)
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, 6)
        copytruncate(path)
        await wait_for(pilot, lambda: "after the cut" in screen_text(app))
        rows = screen_text(app).splitlines()
        want = [f"before the cut {i}" for i in range(6)] + [MARKER, "after the cut"]
        found = [next(i for i, row in enumerate(rows) if text in row) for text in want]
        assert found == sorted(found)  # in order, on screen


def test_truncation_snapshot(snap_compare, tmp_path):
    path = write_and_rotate(tmp_path)

    async def run_before(pilot):
        await loaded(pilot, 6)
        copytruncate(path)
        await wait_for(pilot, lambda: "after the cut" in screen_text(pilot.app))
        # The new line counts in the header's lines/s: wait until the rate has fallen below
        # 1 (no more lines come, so it stays there) and the header has been redrawn since.
        screen = pilot.app.screen
        await wait_for(pilot, lambda: screen.lines_per_second < 1, timeout=10)
        await pilot.pause(0.5)
        assert "lines/s" not in str(screen.query_one("#topbar").render())

    assert snap_compare(make_app(path, follow=True), terminal_size=SIZE, run_before=run_before)
