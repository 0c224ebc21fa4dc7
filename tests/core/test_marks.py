"""Marks: toggled, walked in both directions, kept when history pages in, shown alone."""

from __future__ import annotations

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import LIVE_BASE, HistorySpool, Spool
from tuilogs.core.marks import Marks
from tuilogs.core.view import ExplorerState


def test_toggle_and_walk(sample):
    marks = Marks(sample)
    assert marks.toggle(10) and marks.toggle(3) and marks.toggle(400)
    assert not marks.toggle(3)  # unmarked again
    assert list(marks.lines()) == [10, 400] and len(marks) == 2 and 10 in marks
    assert marks.next(10) == 400
    assert marks.next(400) == 10  # wraps around
    assert marks.next(10, forward=False) == 400
    assert marks.next(None) == 400 and marks.next(None, forward=False) == 10
    assert marks.next(0, among=lambda line: line != 10) == 400


def test_marks_keep_their_lines_when_history_is_prepended():
    buffer, feed = LogBuffer(), Feed()
    live = Spool(feed, buffer.origins, base=LIVE_BASE)
    history = HistorySpool(feed, buffer.origins)
    live.write(b"".join(b"2026-01-01T00:00:09+00:00 app[web.1]: live %d\n" % i for i in range(5)))
    feed.drain(buffer)
    marks = Marks(buffer)
    marks.toggle(2)
    history.prepend(
        b"".join(b"2026-01-01T00:00:01+00:00 app[web.1]: old %d\n" % i for i in range(3))
    )
    feed.drain(buffer)
    assert len(buffer) == 8
    assert list(marks.lines()) == [5] and buffer.raw(5).endswith(b"live 2")


def test_marked_lines_alone(sample):
    state = ExplorerState(sample)
    for line in (7, 100, 50):
        state.marks.toggle(line)
    state.set_marked_only(True)
    assert list(state.visible) == [7, 50, 100]
    assert state.describe() == "marked (3)"
    state.set_context(1)
    assert list(state.visible) == [6, 7, 8, 49, 50, 51, 99, 100, 101]
    state.set_marked_only(False)
    assert state.visible is None
