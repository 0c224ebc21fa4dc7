"""History paged in front of what is shown (as from the router): the screen keeps its lines.

Every prepend renumbers all lines; rows cached under the old numbers must never be shown for
the new ones, and a reader's place must not move.
"""

from __future__ import annotations

from tuilogs.core.ingest.spool import LIVE_BASE, HistorySpool, Spool
from tuilogs.ui.app import TuilogsApp

from kit.pilot import SIZE, screen_text, wait_for

TS = "2026-11-01T12:00:00.000000+00:00"


def lines(prefix: str, lo: int, hi: int) -> bytes:
    return "".join(f"{TS} app[web.1]: {prefix} {i}\n" for i in range(lo, hi)).encode()


def app_with_history_spool() -> tuple[TuilogsApp, list[HistorySpool]]:
    spools: list[HistorySpool] = []

    def start(feed, buffer):
        Spool(feed, buffer.origins, base=LIVE_BASE).write(lines("live", 0, 200), live=False)
        spools.append(HistorySpool(feed, buffer.origins))
        return []

    return TuilogsApp(start, "myapp", "local router"), spools


def rows(app) -> list[str]:
    return [row.rstrip() for row in screen_text(app).splitlines()]


async def test_prepends_keep_the_followed_end_and_a_readers_place():
    app, spools = app_with_history_spool()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.buffer) == 200)
        await pilot.pause(0.1)
        following = rows(app)
        assert following[-1].endswith("live 199")

        history = spools[0]
        for page in range(3):  # newest page first, as the loader sends them
            history.prepend(lines("old", 1000 * (2 - page), 1000 * (3 - page)))
            await wait_for(pilot, lambda p=page: len(app.buffer) == 200 + 1000 * (p + 1))
            await pilot.pause(0.1)
            assert rows(app) == following

        await pilot.press("home")
        await pilot.pause(0.1)
        assert rows(app)[0].endswith("old 0")
        await pilot.press("pagedown", "pagedown")
        await pilot.pause(0.1)
        reading = rows(app)
        assert all(" old " in row for row in reading if row)

        history.prepend(lines("older", 0, 500))
        await wait_for(pilot, lambda: len(app.buffer) == 3700)
        await pilot.pause(0.1)
        assert rows(app) == reading  # same lines, though every one was renumbered

        await pilot.press("home")  # the rows shown there before now hold other lines
        await pilot.pause(0.1)
        assert rows(app)[0].endswith("older 0")
        assert all(" older " in row for row in rows(app) if row)

        await pilot.press("end")
        await pilot.pause(0.1)
        assert rows(app) == following
