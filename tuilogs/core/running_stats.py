"""The stats of every line of a buffer, kept up as lines arrive, so that the stats view of an
unfiltered log is ready when asked for instead of costing ~1 µs a line at that moment.

What has been counted is kept as ranges of global byte offsets, not line numbers: a file's
head is counted block by block while it is indexed (by a child process, `stats_process`, on
the other core) before its lines are in the buffer at all, and a prepended head or history
page renumbers the lines without changing any line's bytes. A truncation, or lines dropped
from the front, do: then everything is counted anew.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections import Counter
from collections.abc import Callable

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.stats import Progress, StatsBuilder, named_counts, router_ids, router_lines
from tuilogs.core.stats_process import CountingProcess
from tuilogs.core.summary import LogSummary

WAIT = 0.1  # seconds between looks while a block is being counted elsewhere
# A head smaller than this is counted here after it is indexed (~0.1 s of CPU): a process
# (~15 MB, started in ~30 ms) is not worth it.
CHILD_MIN_BYTES = 16 << 20


class RunningStats:
    """`catch_up` counts the lines not counted yet (it may run on several threads at once: a
    background warm-up and the view; each block is counted once, under the lock);
    `head_block` hands a block being indexed to the counting process."""

    def __init__(self, buffer: LogBuffer) -> None:
        self.buffer = buffer
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._process: CountingProcess | None = None
        self.counted_elsewhere = 0  # bytes the child process counted (kept across resets)
        # While this says so (a search the reader waits on until the head is indexed), blocks
        # are not handed to the child: adding up its counts costs the indexing ~20 %.
        self.gives_way: Callable[[], bool] = lambda: False
        self._tag = 0
        self._reset()

    def _reset(self) -> None:
        buffer = self.buffer
        self.builder = StatsBuilder()
        self._counted: list[list[int]] = []  # sorted, disjoint [start, end) byte ranges
        # start → (end, lines per origin) of the blocks the child is counting
        self._sent: dict[int, tuple[int, Counter[int]]] = {}
        # Lines per origin of the blocks the child counted, by start, until their lines are in
        # the buffer (a head is prepended once whole): a summary meanwhile counts them here.
        self._ahead: dict[int, tuple[int, Counter[int]]] = {}
        self._tag += 1  # answers for blocks sent before a reset are dropped
        self._seen = (buffer.resets, buffer.epoch, buffer.prepended)

    def _renumbered(self) -> None:
        """Count anew after a truncation or lines dropped (not after lines put in front)."""
        buffer = self.buffer
        resets, epoch, prepended = self._seen
        if buffer.resets != resets or (buffer.epoch != epoch and buffer.prepended == prepended):
            self._reset()
        self._seen = (buffer.resets, buffer.epoch, buffer.prepended)

    # -- counting here ------------------------------------------------------------------------

    def catch_up(
        self, cancelled: Callable[[], bool] = lambda: False, progress: Progress | None = None
    ) -> bool:
        """Count the lines not counted yet, waiting for those counted elsewhere; False when
        cancelled first."""
        while not cancelled():
            with self._lock:
                self._renumbered()
                gap = self._gap()
                if gap is not None:
                    self._count_here(*gap)
                elif self._caught_up():
                    return True
                else:  # blocks being counted elsewhere, or not in the buffer yet
                    self._changed.wait(WAIT)
                done, total = self.done, len(self.buffer)
            if progress is not None:  # also while waiting: a view shows the numbers so far
                progress(done, total)
        return False

    def _count_here(self, first: int, last: int) -> None:
        buffer = self.buffer
        first, last, start, data = next(buffer.chunks(first, last))
        keys = buffer.keys[first:last]
        self.builder.add_block(data, router_lines(keys, router_ids(buffer)))
        self._add(start, buffer.bounds[last])

    def _gap(self) -> tuple[int, int] | None:
        """The first run of buffer lines (first, end) neither counted nor being counted."""
        buffer = self.buffer
        n = len(buffer)
        if not n:
            return None
        bounds = buffer.bounds
        pos, hi = bounds[0], bounds[n]
        busy = sorted([*map(tuple, self._counted), *((a, b) for a, (b, _) in self._sent.items())])
        for a, b in busy:
            if b <= pos:
                continue
            if a > pos:
                break
            pos = b
        if pos >= hi:
            return None
        end = min([a for a, _ in busy if a > pos] + [hi])
        first = bisect.bisect_left(bounds, pos, 0, n + 1)
        return first, max(first + 1, bisect.bisect_left(bounds, end, first, n + 1))

    def _add(self, start: int, end: int) -> None:
        """Mark [start, end) counted, joining it to the ranges it touches."""
        ranges = self._counted
        i = bisect.bisect_left(ranges, [start])
        if i and ranges[i - 1][1] >= start:
            i -= 1
            start = ranges[i][0]
        j = i
        while j < len(ranges) and ranges[j][0] <= end:
            end = max(end, ranges[j][1])
            j += 1
        ranges[i:j] = [[start, end]]

    def _caught_up(self) -> bool:
        """Every line of the buffer counted, and nothing counted that is not in it (a head
        counted before its lines reach the buffer)."""
        n = len(self.buffer)
        if not n:
            return not self._counted and not self._sent
        bounds = self.buffer.bounds
        return self._counted == [[bounds[0], bounds[n]]] and not self._sent

    def caught_up(self) -> bool:
        with self._lock:
            self._renumbered()
            return self._caught_up()

    def _counted_ahead(self) -> list[Counter[int]]:
        """Origin counts of the blocks counted whose lines are not in the buffer yet."""
        n = len(self.buffer)
        lo, hi = (self.buffer.bounds[0], self.buffer.bounds[n]) if n else (0, 0)
        ahead = []
        for start, (end, counts) in list(self._ahead.items()):
            if n and lo <= start and end <= hi:
                del self._ahead[start]  # in the buffer now: counted from its keys
            else:
                ahead.append(counts)
        return ahead

    @property
    def done(self) -> int:
        """Lines of the buffer counted so far."""
        return sum(j - i for i, j in self._line_runs())

    def _line_runs(self) -> list[tuple[int, int]]:
        buffer, n = self.buffer, len(self.buffer)
        bounds = buffer.bounds
        runs = []
        for a, b in self._counted:
            i = bisect.bisect_left(bounds, a, 0, n + 1)
            j = bisect.bisect_left(bounds, b, i, n + 1)
            if j > i:
                runs.append((i, min(j, n)))
        return runs

    def summary(self, buckets: int = 60) -> LogSummary:
        """The summary of the lines counted so far."""
        with self._lock:
            buffer = self.buffer
            runs = self._line_runs()
            counts = dict(buffer.counts)  # one C call: safe while the UI thread adds lines
            ahead = self._counted_ahead()
            if ahead or sum(counts.values()) != sum(j - i for i, j in runs):
                counts = Counter()
                for i, j in runs:
                    counts.update(buffer.keys[i:j])
                for block in ahead:
                    counts.update(block)
            self.builder.origins = named_counts(counts, buffer.origins.origins)
            return self.builder.summary(buckets)

    # -- counting elsewhere -------------------------------------------------------------------

    def head_block(self, path: str, start: int, end: int, keys: array, head: int) -> None:
        """The block at [start, end) of file `path`, whose head (`head` bytes in all) is being
        indexed (producer thread): counted by the child process, or left for `catch_up` when
        there is none to be had or the head is too small to be worth one."""
        if head < CHILD_MIN_BYTES or self.gives_way():
            return
        with self._lock:
            process, tag = self._process, self._tag
            if process is None:
                try:
                    process = self._process = CountingProcess(
                        path, self._counted_elsewhere, lambda: self._lost(tag)
                    )
                except OSError:
                    return
            self._sent[start] = (end, Counter(keys))
        if not process.offer(tag, start, end, router_lines(keys, router_ids(self.buffer))):
            self._not_counted(start, end)

    def head_done(self) -> None:
        """The head is indexed: the child ends once it has counted what it has."""
        with self._lock:
            if self._process is not None:
                self._process.close()
                self._process = None

    def close(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.kill()

    def _not_counted(self, start: int, end: int) -> None:
        with self._lock:
            if self._sent.get(start, (None,))[0] == end:
                del self._sent[start]
            self._changed.notify_all()

    def _counted_elsewhere(self, tag: int, start: int, end: int, deltas: tuple | None) -> None:
        if deltas is None:  # the file changed under the child: counted here
            self._not_counted(start, end)
            return
        with self._lock:
            if tag == self._tag and self._sent.get(start, (None,))[0] == end:
                self._ahead[start] = self._sent.pop(start)
                self.builder.merge(deltas)
                self._add(start, end)
                self.counted_elsewhere += end - start
            self._changed.notify_all()

    def _lost(self, tag: int) -> None:
        """The child ended early: what it had not answered is counted here instead."""
        with self._lock:
            if tag == self._tag:
                self._sent.clear()
            self._changed.notify_all()
