"""The mechanics of a merged view: streams' lines read with their sort keys, merged a chunk
at a time, and written where the view's buffer maps them (`merge.Merger` decides what to merge
and when).

Every step is a C-level `map`, `sorted` or `join` over a megabyte of each stream: a line's sort
key is the running maximum of its stream's times (`running_max`), a merge round takes from each
stream's window the lines no unread line can sort before (`merge_lines`), and the merged lines
go to one of two temporary files (`MergedSpool`): new ones forward from LIVE_BASE, older ones
backward from it.
"""

from __future__ import annotations

import bisect
import os
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterator
from itertools import accumulate, chain, count, islice
from operator import add, le

from tuilogs.core.buffer import Batch, LogBuffer, joined_keys, split_block
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import LIVE_BASE

CHUNK_BYTES = 1 << 20


def running_max(times: array, carry: int = 0) -> array:
    """Sort keys of consecutive lines of one stream: the latest time so far (C speed). Times
    already in order (the usual case) are their own keys: checking costs half the maximum."""
    if not times or (carry <= times[0] and all(map(le, times, islice(times, 1, None)))):
        return times
    return array("q", islice(accumulate(times, max, initial=carry), 1, None))


def first_at_or_after(
    times: array, lo: int, hi: int, bound: int, block: int = 1 << 16
) -> tuple[int, int]:
    """(i, key before i): the first of lines [lo, hi) whose sort key (running from lo)
    reaches `bound` (`hi` if none), a block at a time so that a million-line head costs no
    array of its keys."""
    carry = 0
    for start in range(lo, hi, block):
        keys = running_max(times[start : min(hi, start + block)], carry)
        if keys[-1] >= bound:
            i = bisect.bisect_left(keys, bound)
            return start + i, keys[i - 1] if i else carry
        carry = keys[-1]
    return hi, carry


class StreamLines:
    """Lines of a stream's buffer in a merge, oldest first, read a chunk at a time into a
    window of lines not yet merged, with their sort keys (running on from `carry`, the key of
    the line before).

    The lines are the bytes [start, bounds[0]) before its first indexed line (a head never
    indexed, parsed here; `start` is bounds[0] when there is none), then lines [lo, hi).
    """

    def __init__(self, buffer: LogBuffer, start: int, lo: int, hi: int, carry: int = 0) -> None:
        self.buffer, self.lo, self.hi, self.carry = buffer, lo, hi, carry
        bounds = buffer.bounds
        self.reads_head = lo == 0 and start < bounds[0]
        self.size = bounds[hi] - (start if lo == 0 else bounds[lo])
        self.lines: list[bytes] = []
        self.origins, self.times, self.sort = array("H"), array("q"), array("q")
        self._chunks = self._read(start)
        self._next = next(self._chunks, None)

    @property
    def unread(self) -> bool:
        return self._next is not None

    def _read(self, start: int) -> Iterator[tuple[list[bytes], array, array]]:
        buffer = self.buffer
        end, rest = buffer.bounds[0], b""
        if self.lo == 0:
            for pos in range(start, end, CHUNK_BYTES):
                data = rest + buffer.read(pos, min(end, pos + CHUNK_BYTES))
                cut = data.rfind(b"\n") + 1  # `end` is a line's start: nothing is left over
                data, rest = data[:cut], data[cut:]
                if data:
                    lines, keys, times = split_block(data, buffer.origins)
                    yield lines, keys, times if times is not None else no_times(len(lines))
        for first, last, _, data in buffer.chunks(self.lo, self.hi, CHUNK_BYTES):
            lines = data.split(b"\n")
            if data.endswith(b"\n"):
                lines.pop()
            times = buffer.times
            yield (
                lines,
                buffer.keys[first:last],
                (times[first:last] if times is not None else no_times(last - first)),
            )

    def load(self) -> None:
        assert self._next is not None
        lines, keys, times = self._next
        self._next = next(self._chunks, None)
        sort = running_max(times, self.carry)
        self.carry = sort[-1]
        self.lines.extend(lines)
        self.origins = joined_keys(self.origins, keys)
        self.times.extend(times)
        self.sort.extend(sort)

    def take(self, n: int) -> tuple[list[bytes], array, array, array]:
        out = self.lines[:n], self.origins[:n], self.times[:n], self.sort[:n]
        del self.lines[:n], self.origins[:n], self.times[:n], self.sort[:n]
        return out


def no_times(n: int) -> array:
    """Times of `n` lines with none (NO_TIME each)."""
    return array("q", bytes(8 * n))


def merge_lines(parts: list[StreamLines]) -> Iterator[tuple[list[bytes], array, array]]:
    """Merge streams' lines by sort key, stably (parts in order, then lines in order),
    oldest first: (lines, origin ids, times) a chunk at a time.

    A line is merged once no unread line can sort before it: each round takes, from every
    window, the lines with a key below the smallest last-read key of the parts still unread,
    and reads on in those parts when that takes nothing.
    """
    while True:
        for p in parts:
            if not p.lines and p.unread:
                p.load()
        unread = [p for p in parts if p.unread]
        limit = min(p.sort[-1] for p in unread) if unread else None
        takes = [len(p.sort) if limit is None else bisect.bisect_left(p.sort, limit) for p in parts]
        if not any(takes):
            if not unread:
                return
            for p in unread:
                if p.sort[-1] == limit:
                    p.load()
            continue
        taken = [p.take(n) for p, n in zip(parts, takes, strict=True) if n]
        if len(taken) == 1:
            lines, origins, times, _ = taken[0]
            yield lines, origins, times
            continue
        sort = list(chain.from_iterable(t[3] for t in taken))
        order = sorted(range(len(sort)), key=sort.__getitem__)
        lines = list(chain.from_iterable(t[0] for t in taken))
        origins = array("H", chain.from_iterable(t[1] for t in taken))
        times = array("q", chain.from_iterable(t[2] for t in taken))
        yield (
            list(map(lines.__getitem__, order)),
            array("H", map(origins.__getitem__, order)),
            array("q", map(times.__getitem__, order)),
        )


class MergedSpool:
    """The merged view's bytes: new lines grow forward from LIVE_BASE in one temporary file,
    older lines backward from it in another (each round of them one segment)."""

    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self._live = tempfile.TemporaryFile(prefix="tuilogs-merged-")  # noqa: SIM115
        self._older = tempfile.TemporaryFile(prefix="tuilogs-merged-older-")  # noqa: SIM115
        self.live_end = LIVE_BASE
        self.front = LIVE_BASE  # global offset of the first line shown
        self._older_end = 0  # bytes written to the older file
        seg = (LIVE_BASE, LIVE_BASE, self._live.fileno())
        feed.put(Batch("append", array("Q"), array("H"), start=LIVE_BASE, segment=seg,
                       owner=self._live, times=array("q")))  # fmt: skip

    def append(self, lines: list[bytes], keys: array, times: array, live: bool) -> None:
        block = b"\n".join(lines) + b"\n"
        os.pwrite(self._live.fileno(), block, self.live_end - LIVE_BASE)
        ends = array("Q", map(add, accumulate(map(len, lines)), count(self.live_end + 1)))
        batch = Batch("append", ends, keys, start=self.live_end, counts=Counter(keys))
        batch.times, batch.live = times, live
        self.live_end += len(block)
        self.feed.put(batch)

    def prepend(self, size: int, chunks: Iterator[tuple[list[bytes], array, array]]) -> None:
        """Put `size` bytes of lines, given oldest first, in front of all shown so far."""
        start = self.front - size
        fd, file_start = self._older.fileno(), self._older_end
        ends, keys, times = array("Q"), array("H"), array("q")
        pos = start
        for lines, chunk_keys, chunk_times in chunks:
            block = b"\n".join(lines) + b"\n"
            os.pwrite(fd, block, file_start + pos - start)
            ends.extend(map(add, accumulate(map(len, lines)), count(pos + 1)))
            keys = joined_keys(keys, chunk_keys)
            times.extend(chunk_times)
            pos += len(block)
        assert pos == self.front, "the merged lines are the size of the streams' lines"
        self._older_end += size
        self.front = start
        self.feed.put(
            Batch(
                "prepend",
                ends,
                keys,
                start=start,
                segment=(start, start - file_start, fd),
                counts=Counter(keys),
                owner=self._older,
                times=times,
            )
        )
