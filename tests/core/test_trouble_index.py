"""The buffer's trouble lines, found slice by slice and kept across history prepended."""

from __future__ import annotations

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import HistorySpool, Spool
from tuilogs.core.trouble_index import SLICE_LINES, TroubleIndex

from kit.files import load

TS = "2026-11-01T12:00:00.000001+00:00"


def line(n: int) -> str:
    status = 503 if n % 7 == 0 else 200
    return f"{TS} heroku[router]: at=info method=GET path=/{n} status={status}"


def drain(index: TroubleIndex) -> None:
    """What the explorer's worker and UI thread do, in turn, until everything is known."""
    while (todo := index.todo()) is not None:
        lo, hi = todo
        assert index.add(lo, hi, index.scan(lo, hi), index.buffer.epoch)


def test_a_file_is_scanned_newest_first_in_slices(tmp_path):
    n = SLICE_LINES + 1234
    path = tmp_path / "a.log"
    path.write_text("\n".join(line(i) for i in range(n)) + "\n")
    buffer, _, _ = load(path)
    index = TroubleIndex(buffer)
    assert index.todo() == (n - SLICE_LINES, n)
    drain(index)
    assert index.complete
    assert index.lines().tolist() == [i for i in range(n) if i % 7 == 0]


def test_history_prepended_keeps_what_is_known_and_adds_the_rest():
    buffer, feed = LogBuffer(), Feed()
    live, history = Spool(feed, buffer.origins, base=1 << 40), HistorySpool(feed, buffer.origins)
    live.write_lines([line(i) for i in range(100, 200)])
    feed.drain(buffer)
    index = TroubleIndex(buffer)
    drain(index)
    assert index.lines().tolist() == [i - 100 for i in range(100, 200) if i % 7 == 0]
    lo, hi = 0, len(buffer)
    stale = index.scan(lo, hi)
    history.prepend(("\n".join(line(i) for i in range(100)) + "\n").encode())
    feed.drain(buffer)
    assert not index.add(lo, hi, stale, buffer.epoch - 1)  # scanned before the renumbering
    assert not index.complete
    drain(index)
    assert index.lines().tolist() == [i for i in range(200) if i % 7 == 0]
    live.write_lines([line(i) for i in range(200, 215)])
    feed.drain(buffer)
    assert index.todo() == (200, 215)
    drain(index)
    assert index.lines().tolist() == [i for i in range(215) if i % 7 == 0]
