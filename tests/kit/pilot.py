"""Pilot helpers: the real app over a real file, waited on until it has loaded."""

from __future__ import annotations

from pathlib import Path

from tuilogs.core.ingest.producers import FileFollower
from tuilogs.core.status import State
from tuilogs.ui.app import TuilogsApp
from tuilogs.ui.options import ExplorerOptions

from kit.files import SAMPLE

SIZE = (120, 40)


def make_app(
    path: Path = SAMPLE, follow: bool = False, options: ExplorerOptions | None = None
) -> TuilogsApp:
    def start(feed, buffer):
        return [FileFollower(path, feed, buffer.origins, follow=follow, poll=0.02).start()]

    return TuilogsApp(start, path.name, "file", options=options)


async def loaded(pilot, lines: int | None = None) -> None:
    """Wait until the file is indexed and the explorer has taken every batch."""
    app = pilot.app
    expected = lines if lines is not None else len(SAMPLE.read_bytes().splitlines())
    for _ in range(400):
        await pilot.pause(0.01)
        if (
            len(app.buffer) >= expected
            and app.feed.empty()
            and app.feed.status.state in (State.LOADED, State.FOLLOWING)
        ):
            break
    await pilot.pause(0.1)
    assert len(app.buffer) >= expected


async def wait_for(pilot, predicate, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return
        await pilot.pause(0.02)
    assert predicate()


def screen_text(app) -> str:
    """The log pane as text, row by row, as the terminal would get it."""
    from tuilogs.ui.widgets.log_view import LogView

    view = app.screen.query_one(LogView)
    height = view.scrollable_content_region.height
    return "\n".join("".join(seg.text for seg in view.render_line(y)) for y in range(height))
