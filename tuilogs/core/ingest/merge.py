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
  at a time: no Python loop per line (`merge_lines` holds that mechanics).
"""

from __future__ import annotations

import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import compress, count

from tuilogs.core.buffer import LogBuffer, OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.merge_lines import (
    MergedSpool,
    StreamLines,
    first_at_or_after,
    merge_lines,
    no_times,
)
from tuilogs.core.ingest.producers import Producer
from tuilogs.core.status import HistoryProgress, State, Status

FIRST_WAIT = 5.0  # seconds the first screen waits for an app still connecting
# Reading the heads holds the GIL for seconds: it waits for the first screen to be painted
# (`feed.painted`, which a view without a screen sets at once), this long at most.
HEAD_GRACE = 3.0
POLL = 0.1  # a round at least this often, to see states change


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
        return times if times is not None else no_times(len(self.buffer))

    def times(self, lo: int, hi: int) -> array:
        times = self.buffer.times
        return times[lo:hi] if times is not None else no_times(hi - lo)


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
        reading_heads = heads and self.started
        seen = (reading_heads, *older, *((s.front, s.head, len(s.buffer)) for s in self.streams))
        if seen == self._front_seen or not any(s.front or s.head for s in self.streams):
            return
        self._front_seen = seen
        waiting: dict[int, tuple[int, int] | None] = {}  # may put lines in front of theirs
        if not reading_heads:
            for i, (stream, more) in enumerate(zip(self.streams, older, strict=True)):
                if (more or stream.head) and len(stream.buffer):
                    waiting[i] = _first_timed(stream)
        parts: list[tuple[Stream, StreamLines]] = []
        for j, stream in enumerate(self.streams):
            if not waiting and (stream.front or stream.head):
                start = 0 if stream.head else stream.buffer.bounds[0]
                parts.append((stream, StreamLines(stream.buffer, start, 0, stream.front)))
            elif stream.front:
                part = self._placeable(j, stream, waiting)
                if part is not None:
                    parts.append((stream, part))
        if parts:
            self._place_older(parts)

    @staticmethod
    def _placeable(j: int, stream: Stream, waiting: dict) -> StreamLines | None:
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
        return StreamLines(stream.buffer, stream.buffer.bounds[lo], lo, stream.front, carry)

    def _place_older(self, parts: list[tuple[Stream, StreamLines]]) -> None:
        assert self.output is not None
        merged = merge_lines([lines for _, lines in parts])
        if self.started:
            self.output.prepend(sum(lines.size for _, lines in parts), merged)
        else:
            for lines, origins, times in merged:
                self.output.append(lines, origins, times, live=False)
        for stream, lines in parts:
            stream.front = lines.lo
            if lines.reads_head:
                stream.head = 0

    def _may_read_heads(self) -> bool:
        return self.feed.painted.is_set() or time.monotonic() - self._started_at > HEAD_GRACE

    def _new_round(self) -> None:
        """Copy what the streams added since, merged, to the end of the view."""
        parts = []
        for stream in self.streams:
            end = len(stream.buffer)
            if stream.back < end:
                start = stream.buffer.bounds[stream.back]
                parts.append(StreamLines(stream.buffer, start, stream.back, end, stream.carry))
                stream.carry = max(stream.carry, max(stream.times(stream.back, end)))
                stream.back = end
        if parts:
            assert self.output is not None
            for lines, origins, times in merge_lines(parts):
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
