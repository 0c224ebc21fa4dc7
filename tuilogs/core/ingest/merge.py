"""Several streams (files, apps) in one view, merged by time.

Each stream keeps its own producers, Feed and (timed) LogBuffer, exactly as if it were shown
alone: a file's tail first and its head behind it, an app's first screen then its history and
its live tail. One `Merger` thread drains them and copies their lines, merged, into a spool of
its own that the view's buffer maps: every reader of the buffer (filters, search, export, print
mode) works on a merged view as on one file. The copy is the price (temporary disk as large as
the streams); in exchange nothing downstream is per-line Python, and lines stay on disk.

How lines are ordered:

* **A merge, not a sort.** Each stream keeps its own order. A line's sort key is the running
  maximum of its stream's times (lnav does the same with "time skew"): timestamps are not
  monotonic across dynos, and a line whose time goes back, or that has none (a traceback's
  continuation), stays right after the line its stream put before it. Equal keys keep the
  order of the streams on the command line, then their own order: the merge is stable.
* **Older lines go in front, new lines at the end.** A stream's first screen and whatever
  older lines it adds in front (a file's head, indexed after its tail; an app's history, a
  page at a time) are merged in front of the view, as far as every stream that may still add
  older lines allows: a line is placed once no stream can add one before it. Lines that arrive
  later (followed files, live tails) are merged with the others that arrived in the same round
  and appended at the end with their true timestamps, even when a slower stream's line is
  older than what is already shown. The pane never reorders lines under the reader's eyes
  (like `heroku logs -t` and stern, which print lines as they come; lnav re-sorts instead).
* The merged lines go through C-level `map`s and `sorted` over keys, a megabyte of each stream
  at a time: no Python loop per line.
"""

from __future__ import annotations

import bisect
import os
import tempfile
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, count, islice
from operator import add, le

from tuilogs.core.buffer import Batch, LogBuffer, OriginTable, split_block
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.producers import Producer
from tuilogs.core.ingest.spool import LIVE_BASE
from tuilogs.core.status import HistoryProgress, State, Status

FIRST_WAIT = 5.0  # seconds the first screen waits for an app still connecting
# Reading the heads holds the GIL for seconds: it waits for the first screen to be painted
# (`feed.painted`, which a view without a screen sets at once), this long at most.
HEAD_GRACE = 3.0
POLL = 0.1  # a round at least this often, to see states change
CHUNK_BYTES = 1 << 20


def _file_ready(stream: Stream) -> bool:
    """A file's first screen is in once it is read (or cannot be)."""
    return stream.feed.status.state not in (State.STARTING, State.CONNECTING, State.READING)


def _may_add_older(stream: Stream) -> bool:
    """A file's head still being indexed, or an app's history still paging in."""
    feed = stream.feed
    return feed.head_pending or (feed.history is not None and not feed.history.done)


@dataclass
class StreamSpec:
    """How to open one stream: `start(feed, origins)` starts its producers (and returns them);
    `ready(stream)` says its first screen is in; `older(stream)` that it may still put older
    lines in front of those it gave; `reads_head` that the bytes before its first line are
    left to the merge (a file's head: merged as it is read, never indexed twice)."""

    name: str
    start: Callable[[Feed, OriginTable], list[Producer]]
    ready: Callable[[Stream], bool] = _file_ready
    older: Callable[[Stream], bool] = _may_add_older
    reads_head: bool = False  # a FileFollower with index_head=False: the merge reads its head
    # How long the first screen waits for it to be ready, None: as long as it takes (a file
    # is read in the end, and a compressed one's lines, read oldest first, can only be placed
    # once all are in). An app that does not answer must not hold the others back.
    patience: float | None = None


@dataclass
class Stream:
    """A stream being merged: its own feed and buffer, and how far its lines were copied.

    Lines [0, front) wait to go in front of the view; [front, back) were copied; [back, end)
    are new, for its end. `carry` is the sort key of the last line copied to the end. `head`
    is where its first line starts when the bytes before it were never indexed (a file's
    head, see StreamSpec.reads_head): the merge reads those itself.
    """

    spec: StreamSpec
    feed: Feed
    buffer: LogBuffer
    producers: list[Producer] = field(default_factory=list)
    front: int = 0
    back: int = 0
    carry: int = 0
    head: int = 0
    notes_seen: int = 0
    failure_told: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    def time_column(self) -> array:
        """Its lines' times (none known when a producer did not time them: all NO_TIME)."""
        times = self.buffer.times
        return times if times is not None else _no_times(len(self.buffer))

    def times(self, lo: int, hi: int) -> array:
        times = self.buffer.times
        return times[lo:hi] if times is not None else _no_times(hi - lo)


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
            keys.extend(chunk_keys)
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


class _Part:
    """Lines of a stream in a merge, oldest first, read a chunk at a time into a window of
    lines not yet merged, with their sort keys (running on from `carry`, the key before).

    The lines are the bytes [start, bounds[0]) before its first indexed line (a head never
    indexed, parsed here; `start` is bounds[0] when there is none), then lines [lo, hi).
    """

    def __init__(self, stream: Stream, start: int, lo: int, hi: int, carry: int = 0) -> None:
        self.stream, self.lo, self.hi, self.carry = stream, lo, hi, carry
        bounds = stream.buffer.bounds
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
        buffer = self.stream.buffer
        end, rest = buffer.bounds[0], b""
        if self.lo == 0:
            for pos in range(start, end, CHUNK_BYTES):
                data = rest + buffer.read(pos, min(end, pos + CHUNK_BYTES))
                cut = data.rfind(b"\n") + 1  # `end` is a line's start: nothing is left over
                data, rest = data[:cut], data[cut:]
                if data:
                    lines, keys, times = split_block(data, buffer.origins)
                    yield lines, keys, times if times is not None else _no_times(len(lines))
        for first, last, _, data in buffer.chunks(self.lo, self.hi, CHUNK_BYTES):
            lines = data.split(b"\n")
            if data.endswith(b"\n"):
                lines.pop()
            yield lines, buffer.keys[first:last], self.stream.times(first, last)

    def load(self) -> None:
        assert self._next is not None
        lines, keys, times = self._next
        self._next = next(self._chunks, None)
        sort = running_max(times, self.carry)
        self.carry = sort[-1]
        self.lines.extend(lines)
        self.origins.extend(keys)
        self.times.extend(times)
        self.sort.extend(sort)

    def take(self, n: int) -> tuple[list[bytes], array, array, array]:
        out = self.lines[:n], self.origins[:n], self.times[:n], self.sort[:n]
        del self.lines[:n], self.origins[:n], self.times[:n], self.sort[:n]
        return out


def _no_times(n: int) -> array:
    return array("q", bytes(8 * n))


def merge_parts(parts: list[_Part]) -> Iterator[tuple[list[bytes], array, array]]:
    """Merge the parts by sort key, stably (parts in order, then lines in order), oldest
    first: (lines, origin ids, times) a chunk at a time.

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


def _bound(j: int, waiting: dict[int, tuple[int, int] | None]) -> int | None:
    """The least sort key a line of stream `j` needs to be placed while the `waiting` streams
    may still put lines (sorting up to their first time) in front of theirs: above that
    time, or equal to it when `j` comes after that stream (equal keys go in stream order).
    A stream's own older lines precede its lines anyway. None: any key will do; NEVER: no
    line can be placed (a waiting stream has no timed line yet: its lines' keys are those of
    lines not read)."""
    keys = []
    for c, first in waiting.items():
        if c != j:
            if first is None:
                return NEVER
            keys.append(first[1] + (j < c))
    return max(keys) if keys else None


NEVER = 1 << 62


def _first_timed(stream: Stream) -> tuple[int, int] | None:
    """(index, time) of a stream's first line with a time; None if it has none. Lines before
    it sort with the lines before them, which are not read yet: they wait for those."""
    times = stream.time_column()
    i = next(compress(count(), times), None)
    return None if i is None else (i, times[i])


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


class Merger(Producer):
    """Opens the streams and merges them into `feed` (see the module doc).

    `loaded` is set once the first screen is in and no stream can add older lines: what print
    mode waits for. `feed.status` sums the streams up (the least settled state, named after
    its stream), a stream that fails says so in a notice, and the view fails only when every
    stream has.
    """

    def __init__(
        self,
        feed: Feed,
        origins: OriginTable,
        specs: list[StreamSpec],
        *,
        notes: list[str] | tuple[str, ...] = (),
    ) -> None:
        super().__init__(feed, origins)
        self.notes = list(notes)  # told first (files a directory held that were skipped)
        self.loaded = threading.Event()
        self.started = False  # the first screen was merged
        self._wake = threading.Event()
        self.streams: list[Stream] = []
        for spec in specs:
            table = origins.for_stream(spec.name)
            sub = Feed()
            sub.painted = feed.painted  # a stream's background work waits for the view's paint
            sub.on_data = self._wake.set
            self.streams.append(Stream(spec, sub, LogBuffer(table)))
        self.output: MergedSpool | None = None
        self._front_seen: tuple | None = None
        self._started_at = 0.0

    def start(self) -> Merger:
        self.output = MergedSpool(self.feed)
        for note in self.notes:
            self.feed.note(note)
        for stream in self.streams:
            stream.producers = stream.spec.start(stream.feed, stream.buffer.origins)
        return super().start()  # type: ignore[return-value]

    def stop(self) -> None:
        super().stop()
        for stream in self.streams:
            for producer in stream.producers:
                producer.stop()
        self._wake.set()

    def run(self) -> None:
        began = time.monotonic()
        while not self._stop.is_set():
            self._wake.wait(POLL)
            self._wake.clear()
            ready = [s.spec.ready(s) for s in self.streams]  # before `older`: see StreamSpec
            older = [s.spec.older(s) for s in self.streams]  # before draining: a prepend
            for stream in self.streams:  # that ends `older` is in the queue by then
                self._take(stream)
            waited = time.monotonic() - began
            if not self.started and all(
                r or (s.spec.patience is not None and waited > s.spec.patience)
                for r, s in zip(ready, self.streams, strict=True)
            ):
                self._first_round(older)
            elif self.started:
                self._older_round(older)
                self._new_round()
            self._publish(older)
            self._forget(older)

    # -- a round ------------------------------------------------------------------------------

    def _take(self, stream: Stream) -> None:
        """Apply what the stream's producers sent, keeping `front` and `back` on their lines."""
        buffer = stream.buffer
        prepended, resets = buffer.prepended, buffer.resets
        stream.feed.drain(buffer)
        if buffer.resets != resets:
            # Truncated: what was copied stays in the view; the unread head is gone.
            stream.front = stream.back = stream.carry = stream.head = 0
        else:
            stream.front += buffer.prepended - prepended
            stream.back += buffer.prepended - prepended
        while stream.notes_seen < len(buffer.notes):
            note = buffer.notes[stream.notes_seen]
            stream.notes_seen += 1
            self.feed.note(note if note.startswith(stream.name) else f"{stream.name}: {note}")

    def _first_round(self, older: list[bool]) -> None:
        """The first screen: every stream's lines so far wait in front, and as many as can be
        placed are (their tails), as new lines of an empty view."""
        for stream in self.streams:
            stream.front = stream.back = len(stream.buffer)
            if stream.spec.reads_head and len(stream.buffer):
                stream.head = stream.buffer.bounds[0]
            if stream.front:  # where the keys of its new lines go on from
                stream.carry = max(stream.time_column())
        self._older_round(older)
        self.started = True
        self._started_at = time.monotonic()

    def _older_round(self, older: list[bool]) -> None:
        """Copy in front of the view every waiting line no stream can still put one before.

        Lines sorting before `bound` may still come, from the streams that may add older
        lines and those whose head is not read yet; None when no stream may add any. A stream
        with no lines yet bounds nothing: if it answers after the first screen, its lines come
        at the end as they arrive (its older ones in front of all that is shown). Heads are
        read once nothing else can come, after the first paint (they are the long part).
        """
        heads = not any(older) and any(s.head for s in self.streams)
        if heads and self.started and not self._may_read_heads():
            return
        seen = tuple((s.front, s.head, len(s.buffer)) for s in self.streams) + tuple(older)
        if seen == self._front_seen or not any(s.front or s.head for s in self.streams):
            return
        self._front_seen = seen
        waiting: dict[int, tuple[int, int] | None] = {}  # may put lines in front of theirs
        if not heads or not self.started:
            for i, (stream, more) in enumerate(zip(self.streams, older, strict=True)):
                if (more or stream.head) and len(stream.buffer):
                    waiting[i] = _first_timed(stream)
        parts = []
        for j, stream in enumerate(self.streams):
            if not waiting and (stream.front or stream.head):
                start = 0 if stream.head else stream.buffer.bounds[0]
                parts.append(_Part(stream, start, 0, stream.front))
            elif stream.front:
                part = self._placeable(j, stream, waiting)
                if part is not None:
                    parts.append(part)
        if parts:
            self._place_older(parts)

    @staticmethod
    def _placeable(j: int, stream: Stream, waiting: dict) -> _Part | None:
        """The waiting lines of stream `j` that can be placed now (see _bound)."""
        lo = 0
        if j in waiting:
            if waiting[j] is None:
                return None
            lo = waiting[j][0]
        bound, carry = _bound(j, waiting), 0
        if bound is not None:
            lo, carry = first_at_or_after(stream.time_column(), lo, stream.front, bound)
        if lo >= stream.front:
            return None
        return _Part(stream, stream.buffer.bounds[lo], lo, stream.front, carry)

    def _place_older(self, parts: list[_Part]) -> None:
        assert self.output is not None
        if self.started:
            self.output.prepend(sum(p.size for p in parts), merge_parts(parts))
        else:
            for lines, origins, times in merge_parts(parts):
                self.output.append(lines, origins, times, live=False)
        for p in parts:
            p.stream.front = p.lo
            if p.reads_head:
                p.stream.head = 0

    def _may_read_heads(self) -> bool:
        return self.feed.painted.is_set() or time.monotonic() - self._started_at > HEAD_GRACE

    def _new_round(self) -> None:
        """Copy what the streams added since, merged, to the end of the view."""
        parts = []
        for stream in self.streams:
            end = len(stream.buffer)
            if stream.back < end:
                start = stream.buffer.bounds[stream.back]
                parts.append(_Part(stream, start, stream.back, end, stream.carry))
                stream.carry = max(stream.carry, max(stream.times(stream.back, end)))
                stream.back = end
        if parts:
            assert self.output is not None
            for lines, origins, times in merge_parts(parts):
                self.output.append(lines, origins, times, live=True)

    def _forget(self, older: list[bool]) -> None:
        """A stream's copied lines are no longer needed once nothing can come before them."""
        for stream, more in zip(self.streams, older, strict=True):
            if not more and not stream.front and not stream.head and stream.back:
                stream.buffer.forget_before(stream.back)
                stream.back = 0

    # -- what the view says ---------------------------------------------------------------

    def _publish(self, older: list[bool]) -> None:
        feed, streams = self.feed, self.streams
        pending = any(older) or any(s.front or s.head for s in streams)
        feed.head_pending = not self.started or pending
        histories = [s.feed.history for s in streams if s.feed.history is not None]
        if histories:
            feed.history = HistoryProgress(
                sum(h.loaded for h in histories),
                all(h.done for h in histories),
                "; ".join(h.note for h in histories if h.note),
            )
        self._tell_failures()
        feed.status = summary([(s.name, s.feed.status) for s in streams])
        if self.started and not pending:
            self.loaded.set()

    def _tell_failures(self) -> None:
        for stream in self.streams:
            status = stream.feed.status
            if status.failed and not stream.failure_told:
                stream.failure_told = True
                self.feed.note(f"{stream.name}: {status.describe()}")


# The state a merged view shows: the first in this list that a stream is in. What needs the
# reader's attention (a stream reconnecting) comes before what is settled.
_SHOWN_FIRST = (
    State.RECONNECTING,
    State.CONNECTING,
    State.WAITING,
    State.STARTING,
    State.READING,
    State.LIVE,
    State.FOLLOWING,
    State.LOADED,
    State.ENDED,
)


def summary(statuses: list[tuple[str, Status]]) -> Status:
    """One status for several streams; failed only when all failed (why, stream by stream)."""
    if not statuses:
        return Status(State.ENDED)
    if all(s.failed for _, s in statuses):
        return Status(State.FAILED, "; ".join(f"{n}: {s.detail or 'failed'}" for n, s in statuses))
    for state in _SHOWN_FIRST:
        for name, status in statuses:
            if status.state is state:
                detail = f"{name}: {status.detail}" if status.detail else ""
                return Status(state, detail, status.retry_at)
    return Status(State.ENDED)
