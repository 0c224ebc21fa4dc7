#!/usr/bin/env python3
"""Regenerate the README's pictures in screenshots/ (run after any UI change, then look).

    python scripts/screenshots.py

Drives the real app with Textual's Pilot over the generated sample (`tuilogs sample`).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from tests.ui.test_explorer import sidebar_select  # noqa: E402
from tuilogs.cli.explore import sample_file  # noqa: E402
from tuilogs.ui.widgets.log_view import LogView  # noqa: E402

from kit.pilot import loaded, make_app, wait_for  # noqa: E402

OUT = ROOT / "screenshots"


async def shoot(name: str, steps, size=(120, 36)) -> None:
    path = sample_file()
    app = make_app(path)
    async with app.run_test(size=size) as pilot:
        await loaded(pilot, len(path.read_bytes().splitlines()))
        app.screen.query_one("#search-input").cursor_blink = False
        await steps(pilot)
        await pilot.pause(0.3)
        app.save_screenshot(str(OUT / f"{name}.svg"))
    print("wrote", OUT / f"{name}.svg")


async def main_view(pilot):
    pass


async def filtered(pilot):
    sidebar_select(pilot.app, "dyno", "web").focus()
    await pilot.press("o")


async def find(pilot):
    await pilot.press("slash", *"status>=500", "enter")
    log = pilot.app.screen.query_one(LogView)
    await wait_for(pilot, lambda: log.cursor is not None)


async def detail(pilot):
    await pilot.press("slash", *"H12", "enter")
    log = pilot.app.screen.query_one(LogView)
    await wait_for(pilot, lambda: log.cursor is not None)
    await pilot.press("enter")


async def help_screen(pilot):
    await pilot.press("question_mark")


async def stats_view(pilot):
    from tuilogs.ui.screens.stats import StatsScreen

    await pilot.press("S")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatsScreen))
    await wait_for(pilot, lambda: pilot.app.screen.summary_final, timeout=30)


async def context_lines(pilot):
    await pilot.press("ampersand", *"status>=500", "enter")
    await wait_for(pilot, lambda: not pilot.app.screen.state.search_pending, timeout=30)
    await pilot.press("C")


async def histogram(pilot):
    await pilot.press("H")
    await pilot.pause(1.0)


async def merged_view() -> None:
    """Two logs (the sample's web lines, the rest gzipped) merged by time, a tag per line."""
    import tempfile

    from tests.ui.test_multi_view import merged_app, merged_loaded, two_logs

    from kit.files import SAMPLE

    paths = two_logs(Path(tempfile.mkdtemp(prefix="tuilogs-shots-")))
    app = merged_app(list(paths))
    async with app.run_test(size=(120, 36)) as pilot:
        await merged_loaded(pilot, len(SAMPLE.read_bytes().splitlines()))
        await pilot.pause(0.3)
        app.save_screenshot(str(OUT / "merged.svg"))
    print("wrote", OUT / "merged.svg")


async def drains_panel() -> None:
    """The drain panel over a real, throwaway router with two drains."""
    import os
    import tempfile

    os.environ["TUILOGS_HOME"] = tempfile.mkdtemp(prefix="tuilogs-shots-")
    from tuilogs.platform.client import PlatformClient
    from tuilogs.server.run import start_in_thread
    from tuilogs.ui.screens.drains import DrainPanel

    router = start_in_thread()
    client = PlatformClient(router.base_url, router.token, kind="local")
    client.add_log_drain("demo", "https://logger:s3cret@logs.example.com/heroku")
    client.add_log_drain("demo", "syslog+tls://logs.papertrailapp.com:12345")

    async def steps(pilot):
        await pilot.app.push_screen(DrainPanel(client, "demo"))
        await pilot.pause(1.0)

    try:
        await shoot("drains", steps)
    finally:
        client.close()
        router.stop()


async def run() -> None:
    OUT.mkdir(exist_ok=True)
    for name, steps in [
        ("main", main_view),
        ("filtered", filtered),
        ("find", find),
        ("detail", detail),
        ("help", help_screen),
        ("stats", stats_view),
        ("context", context_lines),
        ("histogram", histogram),
    ]:
        await shoot(name, steps)
    await merged_view()
    await drains_panel()


if __name__ == "__main__":
    asyncio.run(run())
