"""The queue between producers and the one consumer that applies their batches.

Producers parse on their own threads and `put` batches; the consumer (the explorer's timer,
print mode, a test) calls `drain` and applies them to a `LogBuffer`, so readers never see a
half-applied change. `status` says what the producers are doing (see `tuilogs.core.status`).
"""

from __future__ import annotations

import queue
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable
from typing import Protocol

from tuilogs.core.buffer import Batch, LogBuffer, joined_keys, joined_offsets
from tuilogs.core.status import HistoryProgress, State, Status


class HeadBlocks(Protocol):
    def head_block(self, path: str, start: int, end: int, keys: array, head: int) -> None: ...

    def head_done(self) -> None: ...


class Feed:
    """A queue of batches plus what the producers are doing (`status`, `history`)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Batch] = queue.SimpleQueue()
        self.status = Status()
        self.history: HistoryProgress | None = None  # set by a history loader, if any
        self.head_pending = False  # a file's head is still being indexed
        self.live_lines = 0  # lines that arrived live (for lines/s), as applied
        # Set by a UI once the first screen is painted: background indexing waits for it (up
        # to a moment) so that it does not compete with the first paint for the GIL.
        self.painted = threading.Event()
        self._samples: deque[tuple[float, int]] = deque()
        # Called (from a producer's thread) when a batch arrives in an empty queue, so a
        # consumer can take it at once instead of at its next tick. Must not block.
        self.on_data: Callable[[], None] | None = None
        # Told each block of a file's head as it is indexed, then that the head is done
        # (`RunningStats`: the stats count it on another core meanwhile). Must not block long.
        self.head_blocks: HeadBlocks | None = None

    def set_status(self, state: State, detail: str = "", retry_at: float | None = None) -> None:
        self.status = Status(state, detail, retry_at)

    def note(self, text: str) -> None:
        """A notice for the reader (a skipped file, a damaged archive), in order with lines."""
        self.put(Batch("note", array("Q"), array("H"), note=text))

    def put(self, batch: Batch) -> None:
        idle = self._queue.empty()
        self._queue.put(batch)
        wake = self.on_data
        if idle and wake is not None:
            wake()

    def drain(self, buffer: LogBuffer, limit: int = 10_000) -> int:
        """Apply waiting batches to `buffer`; returns lines added."""
        added = 0
        batches: list[Batch] = []
        for _ in range(limit):
            try:
                batches.append(self._queue.get_nowait())
            except queue.Empty:
                break
        for batch in _merge_prepends(batches):
            n = buffer.apply(batch)
            added += n
            if batch.live:
                self.live_lines += n
        return added

    def empty(self) -> bool:
        return self._queue.empty()

    def lines_per_second(self, window: float = 2.0) -> float:
        """Live lines per second over the last `window` seconds of `drain` calls."""
        now = time.monotonic()
        samples = self._samples
        samples.append((now, self.live_lines))
        while len(samples) > 1 and now - samples[0][0] > window:
            samples.popleft()
        span = now - samples[0][0]
        return (self.live_lines - samples[0][1]) / span if span > 0 else 0.0


def _merge_prepends(batches: list[Batch]) -> list[Batch]:
    """Fold runs of "prepend" batches (history pages, newest page first) into one.

    Each prepend copies the buffer's arrays, so pages that arrived together are applied
    together: one copy instead of one per page.
    """
    out: list[Batch] = []
    for batch in batches:
        prev = out[-1] if out else None
        if (
            prev is not None
            and batch.kind == prev.kind == "prepend"
            and batch.segment is not None
            and len(batch.ends)
            and batch.ends[-1] == prev.start
        ):
            ends = joined_offsets(array(batch.ends.typecode, batch.ends), prev.ends)
            keys = joined_keys(array(batch.keys.typecode, batch.keys), prev.keys)
            times = None
            if batch.times is not None and prev.times is not None:
                times = array(prev.times.typecode, batch.times)  # one producer: one unit
                times.extend(prev.times)
            out[-1] = Batch(
                "prepend",
                ends,
                keys,
                start=batch.start,
                counts=batch.counts + prev.counts,
                segments=[*(prev.segments or [prev.segment]), batch.segment],
                owner=batch.owner if batch.owner is not None else prev.owner,
                times=times,
            )
        else:
            out.append(batch)
    return out
