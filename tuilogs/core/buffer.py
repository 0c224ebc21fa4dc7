"""The source-agnostic log buffer: line bounds and origin columns over bytes kept on disk.

Lines are never held as Python objects. A buffer is a list of byte *segments* (a file being
followed, its successor after rotation, or a spool file that a pipe or a live stream is written
into), an array of line bounds in one global offset space, and one small integer per line naming
its *origin* (`app[web.1]`, `heroku[router]`, ... — 0 for raw lines). Filters over origins are
array operations, text search reads the bytes back in large chunks, and rendering reads just
the lines on screen. One million lines cost about 10 MB (with their times).

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
from itertools import accumulate, chain, count, islice, repeat
from operator import add, sub

from tuilogs.core.ingest.times import MICROSECONDS, NO_TIME, SECONDS, LineTimes, seconds_of
from tuilogs.core.record import LINE_ORIGIN_RE, LogRecord, decode, parse_line, process_type

CHUNK_BYTES = 1 << 20  # scans: as fast as 8 MB chunks, a fraction of the peak memory
OFFSET_LIMIT = 1 << 32  # offsets below it take 4 bytes a line instead of 8


def offsets(top: int) -> array:
    """An empty array for line offsets up to `top`: 4 bytes a line while they fit (a file
    under 4 GiB: 20 MB less at 5,000,000 lines), 8 beyond (a spool's, a merged view's)."""
    return array("I" if top < OFFSET_LIMIT else "Q")


def joined_offsets(first: array, then: array) -> array:
    """`first` extended by `then` (ascending offsets), as 8-byte offsets when either needs
    them: `first` itself, or a new array when it had to widen."""
    if first.typecode != then.typecode:
        if first.typecode == "I" and len(then) and then[-1] >= OFFSET_LIMIT:
            first = array("Q", first)
        else:
            then = array(first.typecode, then)
    first.extend(then)
    return first


def origin_ids(count: int) -> array:
    """An empty array for origin ids below `count`: one byte a line while they fit."""
    return array("B" if count <= 256 else "H")


def same_width(keys: array, other: array) -> tuple[array, array]:
    """`keys` and `other` (origin ids) in one width: `keys`' own, or 2 bytes when `other`
    holds an id above 255 (then `keys` is a new, widened array)."""
    if keys.typecode != other.typecode:
        if keys.typecode == "B" and max(other, default=0) > 255:
            keys = array("H", keys)
        else:
            other = array(keys.typecode, other)
    return keys, other


def joined_keys(first: array, then: array) -> array:
    """`first` extended by `then` (origin ids): `first` itself, or a new array when it had to
    widen (`same_width`)."""
    first, then = same_width(first, then)
    first.extend(then)
    return first


@dataclass(frozen=True, slots=True)
class Origin:
    """Where lines come from: a source and a dyno, e.g. `heroku` and `router`, and in a merged
    view the stream (the file or app, by name) they were read from; "" when there is one."""

    id: int
    source: str
    dyno: str
    stream: str = ""

    @property
    def process_type(self) -> str:
        return process_type(self.dyno)

    @property
    def label(self) -> str:
        return f"{self.source}[{self.dyno}]" if self.source else "(raw)"


class OriginTable:
    """Interns `source[dyno]` headers to small integers; shared by producer threads.

    A merged view gives each stream (file, app) a table of its own (`for_stream`) over one
    shared list of origins, so the origin id of a line also says which stream it came from
    (the stream id per line costs nothing); `timed` says a table is a merged view's stream.
    Every buffer has a time per line (`LogBuffer.times`, see `tuilogs.core.ingest.times`).
    Papertrail's `app/web.1` and Heroku's `app[web.1]` intern to one origin.
    """

    def __init__(
        self, *, timed: bool = False, _shared: OriginTable | None = None, stream: str = ""
    ) -> None:
        if _shared is None:
            self.origins: list[Origin] = [Origin(0, "", "")]
            self.streams: list[str] = [""]
            self._named: dict[tuple[str, str, str], int] = {("", "", ""): 0}
            self._lock = threading.Lock()
        else:
            self.origins, self.streams = _shared.origins, _shared.streams
            self._named, self._lock = _shared._named, _shared._lock
        self.stream = stream
        self.timed = timed or _shared is not None
        # A merged view's stream keeps its lines' times to the microsecond (the merge orders
        # by them); every other buffer keeps whole seconds (`core/ingest/times.py`).
        self.time_code = MICROSECONDS if _shared is not None else SECONDS
        self._ids: dict[bytes, int] = {b"": 0}

    def __len__(self) -> int:
        return len(self.origins)

    def for_stream(self, name: str) -> OriginTable:
        """The table of one stream of a merged view (its raw lines get an origin too)."""
        table = OriginTable(_shared=self, stream=name)
        with self._lock:
            if name not in self.streams:
                self.streams.append(name)
            table._ids[b""] = self._intern(name, "", "")
        return table

    def _intern(self, stream: str, source: str, dyno: str) -> int:
        """Id of (stream, source, dyno), new if need be; call with the lock held."""
        key = (stream, source, dyno)
        known = self._named.get(key)
        if known is None:
            known = len(self.origins)
            self.origins.append(Origin(known, source, dyno, stream))
            self._named[key] = known
        return known

    def intern_all(self, headers: list[bytes]) -> array:
        """Ids for a list of headers, interning new ones; C-speed for the common case."""
        ids = self._ids
        new = [h for h in set(headers) if h not in ids]
        if new:
            with self._lock:
                for h in new:
                    text = decode(h)
                    if text.endswith("]"):
                        src, _, dyno = text[:-1].partition("[")
                    else:
                        src, _, dyno = text.partition("/")
                    ids[h] = self._intern(self.stream, src, dyno)
        keys = origin_ids(len(self.origins))
        keys.extend(map(ids.__getitem__, headers))
        return keys

    def id_for(self, source: str, dyno: str) -> int:
        if not source:
            return self._ids[b""]
        return self.intern_all([f"{source}[{dyno}]".encode()])[0]

    def stream_ids(self) -> bytes:
        """The index in `streams` of each origin's stream, by origin id: with `keys`, the
        stream of every line (`map(table.__getitem__, buffer.keys)`)."""
        index = {name: i for i, name in enumerate(self.streams)}
        return bytes(index[o.stream] for o in self.origins)


@dataclass(slots=True)
class Batch:
    """Lines parsed by a producer, ready to be applied by the consumer.

    `ends` are the global end offsets (just past the LF) of each new line. `kind` is "append"
    (lines after the current end), "prepend" (lines before the current start: a file's head,
    indexed after its tail was shown), "reset" (the file was truncated: start over) or "note"
    (no lines: a notice for the reader, `Feed.note`).
    `times` holds each line's time (`tuilogs.core.ingest.times`).
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
    times: array | None = None  # None: a producer that reads no times (NO_TIME each)


def split_block(block: bytes, origins: OriginTable) -> tuple[list[bytes], array, array | None]:
    """A block of complete lines (ending in LF) as its lines (without LF), their origin ids
    and their times."""
    headers = LINE_ORIGIN_RE.findall(block)
    lines = block.split(b"\n")
    lines.pop()  # the empty string after the final LF
    times = LineTimes(origins.time_code).of_lines(lines)
    return lines, origins.intern_all(headers), times


def parse_block(block: bytes, start: int, origins: OriginTable) -> Batch:
    """Index a block of complete lines (ending in LF) that begins at global offset `start`."""
    lines, keys, times = split_block(block, origins)
    ends = offsets(start + len(block))
    ends.extend(map(add, accumulate(map(len, lines)), count(start + 1)))
    return Batch("append", ends, keys, start=start, counts=Counter(keys), times=times)


class LogBuffer:
    """Line bounds, origin ids and per-origin counts over byte segments (see module doc)."""

    RECORD_CACHE = 4096

    def __init__(self, origins: OriginTable | None = None, *, timed: bool | None = None) -> None:
        self.origins = origins if origins is not None else OriginTable()
        # `times`: each line's time (µs, `tuilogs.core.ingest.times`; NO_TIME for a line
        # without one), the one time column that merging, the range filter, the histogram
        # and go-to read. `timed`: a merged view or one of its streams.
        self.timed = self.origins.timed if timed is None else timed
        self._reset_state()
        self.epoch = 0  # bumped on reset/prepend: line numbers taken before are void
        self.prepended = 0  # lines added in front so far (to keep a reader's place)
        self.resets = 0  # bumped on reset only: (line - prepended, resets) names a line for good
        self.longest = 0  # bytes in the longest line: the log pane's scroll width
        self.notes: list[str] = []

    def _reset_state(self, start: int = 0) -> None:
        self.bounds = offsets(start)
        self.bounds.append(start)
        self.keys = origin_ids(0)  # one byte a line until a 257th origin
        # Each line's time (whole seconds, or µs for a merged view's stream: `time_code`),
        # NO_TIME when unknown (core/ingest/times.py).
        self.times = array(self.origins.time_code)
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
        """Apply a producer's batch (once: a large prepend's arrays become the buffer's);
        returns how many lines it added."""
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
        if batch.kind == "append" and len(self.keys) == 0 and batch.start != self.bounds[0]:
            self.bounds = offsets(batch.start)
            self.bounds.append(batch.start)
        if not n:
            return 0
        self.longest = max(
            self.longest, max(map(sub, batch.ends, chain((batch.start,), batch.ends)))
        )
        self.counts.update(batch.counts)
        if batch.kind == "prepend":
            self._prepend(batch)
            self._records.clear()
            self.epoch += 1
            self.prepended += n
        else:
            self.bounds = joined_offsets(self.bounds, batch.ends)
            self.keys = joined_keys(self.keys, batch.keys)
            self._add_times(batch, front=False)
        return n

    def _prepend(self, batch: Batch) -> None:
        """Lines in front, in place (one realloc and memmove per array): a million-line buffer
        is not copied once per history page, and peak memory stays flat while history pages
        in. A batch larger than the buffer (a file's head behind its tail) becomes the buffer,
        its arrays extended by ours: the large arrays are never allocated twice (both copies
        at once were the peak: 191 MB at 5,000,000 lines)."""
        ends, times = batch.ends, self._times_of(batch)  # the old first bound: the last end
        if len(ends) > len(self.keys):
            if ends.typecode == self.bounds.typecode:
                ends.extend(islice(self.bounds, 1, None))
            else:
                ends = joined_offsets(ends, self.bounds[1:])
            ends.insert(0, batch.start)
            keys = joined_keys(batch.keys, self.keys)
            times.extend(self.times)
            self.bounds, self.keys, self.times = ends, keys, times
            batch.ends, batch.keys, batch.times = array("Q"), array("H"), None  # used up
            return
        if self.bounds.typecode == "I" and ends[-1] >= OFFSET_LIMIT:
            self.bounds = array("Q", self.bounds)
        if ends.typecode != self.bounds.typecode:
            ends = array(self.bounds.typecode, ends)
        self.bounds[0:1] = ends
        self.bounds.insert(0, batch.start)
        self.keys, front = same_width(self.keys, batch.keys)
        self.keys[0:0] = front
        self.times[0:0] = times

    def _add_times(self, batch: Batch, front: bool) -> None:
        if front:
            self.times[0:0] = self._times_of(batch)
        else:
            self.times.extend(self._times_of(batch))

    def _times_of(self, batch: Batch) -> array:
        """The batch's times in this buffer's unit (a merge hands a view microseconds);
        NO_TIME for each line of a producer that reads none (the columns stay aligned)."""
        times, code = batch.times, self.times.typecode
        if times is None or len(times) != len(batch.ends):
            return array(code, repeat(NO_TIME, len(batch.ends)))
        if times.typecode == code:
            return times
        return seconds_of(times) if code == SECONDS else array(code, times)

    def forget_before(self, n: int) -> None:
        """Drop lines [0, n) (a merged view's stream once they were copied into the view):
        line i becomes line i - n; the bytes stay where they are, `counts` keep counting them."""
        del self.bounds[:n]
        del self.keys[:n]
        del self.times[:n]
        self._records.clear()
        self.epoch += 1

    # -- readers ------------------------------------------------------------------------------

    def read(self, start: int, end: int) -> bytes:
        """Bytes of the global range [start, end), not necessarily whole lines."""
        return self._read(start, end)

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

    def read_ranges(self, starts: list[int], ends: list[int]) -> bytes:
        """The bytes of several global ranges of whole lines, end to end: a search within a
        filter reads only the filter's lines. One `pread` each, called from C, when the ranges
        lie in one segment (a run of a few lines costs about a microsecond)."""
        if not starts:
            return b""
        seg_starts = self._seg_starts
        i = max(bisect.bisect_right(seg_starts, starts[0]) - 1, 0)
        single = i + 1 >= len(seg_starts) or ends[-1] <= seg_starts[i + 1]
        if single and seg_starts and seg_starts[i] <= starts[0]:
            delta, fd = self._segs[i]
            data = b"".join(
                map(os.pread, repeat(fd), map(sub, ends, starts), map(sub, starts, repeat(delta)))
            )
            if len(data) == sum(map(sub, ends, starts)):
                return data
        # Across segments, or a last line still without its LF: padded as `_read` pads it.
        return b"".join(map(self._read, starts, ends))

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
