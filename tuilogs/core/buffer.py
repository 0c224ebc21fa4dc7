"""The source-agnostic log buffer: line bounds and origin columns over bytes kept on disk.

Lines are never held as Python objects. A buffer is a list of byte *segments* (a file being
followed, its successor after rotation, or a spool file that a pipe or a live stream is written
into), an array of line bounds in one global offset space, and one small integer per line naming
its *origin* (`app[web.1]`, `heroku[router]`, ... — 0 for raw lines). Filters over origins are
array operations, text search reads the bytes back in large chunks, and rendering reads just
the lines on screen. One million lines cost about 10 MB.

Producers (file followers, stdin, stream readers) parse bytes into `Batch` objects on their own
threads; one consumer applies the batches (`apply`), so readers never see a half-applied change.
"""

from __future__ import annotations

import bisect
import os
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, chain, count
from operator import add, sub

from tuilogs.core.record import LINE_ORIGIN_RE, LogRecord, decode, parse_line, process_type
from tuilogs.core.timeline import NO_TIME, line_times

CHUNK_BYTES = 1 << 20  # scans: as fast as 8 MB chunks, a fraction of the peak memory


@dataclass(frozen=True, slots=True)
class Origin:
    """Where lines come from: a source and a dyno, e.g. `heroku` and `router`."""

    id: int
    source: str
    dyno: str

    @property
    def process_type(self) -> str:
        return process_type(self.dyno)

    @property
    def label(self) -> str:
        return f"{self.source}[{self.dyno}]" if self.source else "(raw)"


class OriginTable:
    """Interns `source[dyno]` headers to small integers; shared by producer threads."""

    def __init__(self) -> None:
        self.origins: list[Origin] = [Origin(0, "", "")]
        self._ids: dict[bytes, int] = {b"": 0}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.origins)

    def intern_all(self, headers: list[bytes]) -> array:
        """Ids for a list of headers, interning new ones; C-speed for the common case."""
        ids = self._ids
        new = [h for h in set(headers) if h not in ids]
        if new:
            with self._lock:
                for h in new:
                    if h in ids:
                        continue
                    text = decode(h)
                    src, _, dyno = text.partition("[")
                    self.origins.append(Origin(len(self.origins), src, dyno[:-1]))
                    ids[h] = len(self.origins) - 1
        return array("H", map(ids.__getitem__, headers))

    def id_for(self, source: str, dyno: str) -> int:
        if not source:
            return 0
        return self.intern_all([f"{source}[{dyno}]".encode()])[0]


@dataclass(slots=True)
class Batch:
    """Lines parsed by a producer, ready to be applied by the consumer.

    `ends` are the global end offsets (just past the LF) of each new line. `kind` is "append"
    (lines after the current end), "prepend" (lines before the current start: a file's head,
    indexed after its tail was shown) or "reset" (the file was truncated: start over).
    """

    kind: str
    ends: array
    keys: array
    start: int = 0
    segment: tuple[int, int, int] | None = None  # (global start, delta, fd) to add first
    note: str = ""
    counts: Counter = field(default_factory=Counter)
    live: bool = False  # new lines (counted in lines/s), not a file's existing content
    segments: list[tuple[int, int, int]] | None = None  # several segments (merged batches)
    owner: object = None  # what keeps a segment's file open (a spool's file), kept by the buffer
    times: array = field(default_factory=lambda: array("i"))  # per line, see core/timeline.py


def parse_block(block: bytes, start: int, origins: OriginTable) -> Batch:
    """Index a block of complete lines (ending in LF) that begins at global offset `start`."""
    headers = LINE_ORIGIN_RE.findall(block)
    lines = block.split(b"\n")
    lines.pop()  # the empty string after the final LF
    ends = array("Q", map(add, accumulate(map(len, lines)), count(start + 1)))
    keys = origins.intern_all(headers)
    return Batch("append", ends, keys, start=start, counts=Counter(keys), times=line_times(lines))


class LogBuffer:
    """Line bounds, origin ids and per-origin counts over byte segments (see module doc)."""

    RECORD_CACHE = 4096

    def __init__(self, origins: OriginTable | None = None) -> None:
        self.origins = origins if origins is not None else OriginTable()
        self._reset_state()
        self.epoch = 0  # bumped on reset/prepend: line numbers taken before are void
        self.prepended = 0  # lines added in front so far (to keep a reader's place)
        self.resets = 0  # bumped on reset only: (line - prepended, resets) names a line for good
        self.longest = 0  # bytes in the longest line: the log pane's scroll width
        self.notes: list[str] = []

    def _reset_state(self, start: int = 0) -> None:
        self.bounds = array("Q", [start])
        self.keys = array("H")
        self.times = array("i")  # seconds per line (core/timeline.py), NO_TIME when unknown
        self.counts: Counter[int] = Counter()
        self._seg_starts: list[int] = []
        self._segs: list[tuple[int, int]] = []  # (delta, fd): file offset = global - delta
        self._records: OrderedDict[int, LogRecord] = OrderedDict()
        self._owners: list[object] = []  # spool files stay open while their lines are shown

    # -- consumer side ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def end(self) -> int:
        return self.bounds[-1]

    def add_segment(self, global_start: int, delta: int, fd: int) -> None:
        """Bytes at global offsets from `global_start` on live in `fd` at (offset - delta)."""
        i = bisect.bisect_right(self._seg_starts, global_start)
        self._seg_starts.insert(i, global_start)
        self._segs.insert(i, (delta, fd))

    def apply(self, batch: Batch) -> int:
        """Apply a producer's batch; returns how many lines it added."""
        if batch.kind == "reset":
            self._reset_state(batch.start)
            self.epoch += 1
            self.resets += 1
            self.prepended = 0
        for segment in batch.segments or ([batch.segment] if batch.segment else []):
            self.add_segment(*segment)
        if batch.owner is not None and all(o is not batch.owner for o in self._owners):
            self._owners.append(batch.owner)
        if batch.note:
            self.notes.append(batch.note)
        n = len(batch.ends)
        if n:
            self.longest = max(
                self.longest, max(map(sub, batch.ends, chain((batch.start,), batch.ends)))
            )
        times = batch.times
        if len(times) != n:  # a producer that reads no times: columns stay aligned
            times = array("i", [NO_TIME]) * n
        if batch.kind == "prepend":
            if not n:
                return 0
            if n > len(self.keys) and _same_types((batch.ends, batch.keys, times), self):
                self._adopt(batch, times)
            else:
                # In place (one realloc and memmove each): a million-line buffer is not
                # copied once per history page, and peak memory stays flat while history
                # pages in.
                self.bounds[0:1] = batch.ends  # the old first bound is the new lines' last end
                self.bounds.insert(0, batch.start)
                self.keys[0:0] = batch.keys
                self.times[0:0] = times
            self._records.clear()
            self.epoch += 1
            self.prepended += n
        else:
            if batch.kind == "append" and len(self.keys) == 0 and batch.start != self.bounds[0]:
                self.bounds[0] = batch.start
            self.bounds.extend(batch.ends)
            self.keys.extend(batch.keys)
            self.times.extend(times)
        self.counts.update(batch.counts)
        return n

    def _adopt(self, batch: Batch, times: array) -> None:
        """A prepend bigger than the buffer (a file's head in front of its tail): the batch's
        columns become the buffer's, with the few lines there appended to them. Copying 5,000,000
        lines into the buffer's columns instead would hold both copies at once (70 MB more at
        the peak); growing the batch's columns is a realloc, which moves big blocks without
        copying them."""
        ends = batch.ends
        ends.extend(self.bounds[1:])  # the old first bound is the new lines' last end
        ends.insert(0, batch.start)
        batch.keys.extend(self.keys)
        times.extend(self.times)
        self.bounds, self.keys, self.times = ends, batch.keys, times
        batch.ends, batch.keys, batch.times = array("Q"), array("H"), array("i")

    # -- readers ------------------------------------------------------------------------------

    def _read(self, start: int, end: int) -> bytes:
        """Bytes of the global range [start, end), across segments.

        A short read (a final line with no LF yet, counted with a virtual one) is padded with
        LF so that offsets inside the result stay equal to global offsets minus `start`.
        """
        parts = []
        pos = start
        starts = self._seg_starts
        while pos < end:
            i = max(bisect.bisect_right(starts, pos) - 1, 0)
            delta, fd = self._segs[i]
            stop = min(end, starts[i + 1]) if i + 1 < len(starts) else end
            data = os.pread(fd, stop - pos, pos - delta)
            parts.append(data)
            if len(data) < stop - pos:
                parts.append(b"\n" * (stop - pos - len(data)))
            pos = stop
        return b"".join(parts) if len(parts) != 1 else parts[0]

    def read_bytes(self, start: int, end: int) -> bytes:
        """Bytes of the global range [start, end), whether indexed as lines yet or not (a
        file's head is sampled for the histogram while it is being indexed)."""
        return self._read(start, end)

    def raw(self, i: int) -> bytes:
        """Line i's bytes without its LF."""
        data = self._read(self.bounds[i], self.bounds[i + 1])
        return data[:-1] if data.endswith(b"\n") else data

    def record(self, i: int) -> LogRecord:
        rec = self._records.get(i)
        if rec is None:
            rec = parse_line(decode(self.raw(i)))
            self._records[i] = rec
            if len(self._records) > self.RECORD_CACHE:
                self._records.popitem(last=False)
        return rec

    def raw_lines(self, lo: int, hi: int) -> list[bytes]:
        """Lines lo..hi-1 in one read."""
        if hi <= lo:
            return []
        data = self._read(self.bounds[lo], self.bounds[hi])
        out = data.split(b"\n")
        if data.endswith(b"\n"):
            out.pop()
        return out

    def origin(self, i: int) -> Origin:
        return self.origins.origins[self.keys[i]]

    def chunks(
        self, lo: int, hi: int, size: int = CHUNK_BYTES
    ) -> Iterator[tuple[int, int, int, bytes]]:
        """(first line, end line, global offset, bytes) over lines lo..hi-1, in whole lines."""
        bounds = self.bounds
        i = lo
        while i < hi:
            target = bounds[i] + size
            j = bisect.bisect_right(bounds, target, i + 1, hi + 1) - 1
            j = max(j, i + 1)
            start = bounds[i]
            yield i, j, start, self._read(start, bounds[j])
            i = j

    def line_at(self, offset: int, lo: int = 0, hi: int | None = None) -> int:
        """The line holding global byte `offset`."""
        hi = len(self.keys) if hi is None else hi
        return bisect.bisect_right(self.bounds, offset, lo, hi + 1) - 1


def _same_types(columns: tuple[array, array, array], buffer: LogBuffer) -> bool:
    """Whether a batch's columns can become the buffer's (the same array types)."""
    mine = (buffer.bounds, buffer.keys, buffer.times)
    return all(a.typecode == b.typecode for a, b in zip(columns, mine, strict=True))
