"""Merged views for tests: files given as `tuilogs A B` gives them, and the order a merge must
produce, computed the slow, obvious way (a sort of every line by its stream's running
maximum time, then the stream's index, then the line's place)."""

from __future__ import annotations

import time
from itertools import accumulate
from pathlib import Path

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.merge import Merger, StreamSpec
from tuilogs.core.ingest.producers import FileFollower
from tuilogs.core.ingest.targets import file_specs
from tuilogs.core.record import parse_line, parse_timestamp


def file_spec(path: Path, *, name: str | None = None, tail_bytes: int = 1 << 20, follow=False):
    """A plain file's stream, its tail first (`tail_bytes`) and its head read by the merge."""

    def start(feed, origins):
        follower = FileFollower(
            path, feed, origins, follow=follow, poll=0.02, tail_bytes=tail_bytes, index_head=False
        )
        return [follower.start()]

    return StreamSpec(name or path.name, start, reads_head=True)


def merged(specs: list[StreamSpec], *, painted: bool = True, timeout: float = 20.0, **kw):
    """(buffer, feed, merger): the merged view of `specs`, loaded (every older line placed)."""
    buffer, feed = LogBuffer(timed=True), Feed()
    if painted:
        feed.painted.set()
    merger = Merger(feed, buffer.origins, specs, **kw).start()
    wait(feed, buffer, merger.loaded.is_set, timeout)
    return buffer, feed, merger


def merged_files(paths: list[Path], **kw):
    return merged(file_specs(paths, follow=False, poll=0.02), **kw)


def wait(feed: Feed, buffer: LogBuffer, done, timeout: float = 20.0) -> None:
    """Drain `feed` into `buffer` until `done()` and nothing is left to take."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        feed.drain(buffer)
        if done() and feed.empty():
            feed.drain(buffer)
            return
        time.sleep(0.005)
    raise AssertionError("the merged view did not get there in time")


def expected_merge(streams: list[list[bytes]]) -> list[bytes]:
    """Lines of `streams` (each in its own order) merged by each line's running maximum time
    in its stream, ties by stream then place: the order `Merger` promises."""
    keyed = []
    for s, lines in enumerate(streams):
        times = [_micros(line) for line in lines]
        for i, (key, line) in enumerate(zip(accumulate(times, max), lines, strict=True)):
            keyed.append((key, s, i, line))
    return [k[3] for k in sorted(keyed)]


def _micros(line: bytes) -> int:
    when = parse_timestamp(parse_line(line.decode("utf-8", "replace")).timestamp)
    if when is None:
        return 0
    return round(when.timestamp() * 1_000_000)


def lines_of(buffer: LogBuffer) -> list[bytes]:
    return buffer.raw_lines(0, len(buffer))
