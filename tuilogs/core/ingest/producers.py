"""Producers that turn files, pipes and streams into `Batch`es for a `LogBuffer`.

Each producer runs on its own thread and only parses; the consumer (the explorer's timer, or a
test) drains the `Feed` and applies batches. A file shows its last megabyte at once and the rest
of its lines arrive as one "prepend" batch when the head has been indexed in the background.
"""

from __future__ import annotations

import os
import select
import tempfile
import threading
import time
from array import array
from collections import Counter
from pathlib import Path

from tuilogs.core.buffer import (
    Batch,
    OriginTable,
    joined_keys,
    joined_offsets,
    offsets,
    origin_ids,
    parse_block,
)
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import Spool
from tuilogs.core.status import State

TAIL_BYTES = 1 << 20
INDEX_CHUNK_BYTES = 1 << 20  # small: little peak memory, and the UI thread gets the GIL often
PAINT_GRACE = 0.5
SAMPLE_BYTES = 4096  # how much of a file's start and end identifies its rotated copy
ROTATED_CANDIDATES = 20  # files beside a truncated one looked at, newest first
COMPRESSED = frozenset({".gz", ".bz2", ".xz", ".zst"})  # not readable by offset
COALESCE_SECONDS = 0.03  # a pipe's lines reach the screen within ~one UI tick


class Producer:
    """A background thread feeding a Feed; `stop()` ends it."""

    def __init__(self, feed: Feed, origins: OriginTable) -> None:
        self.feed = feed
        self.origins = origins
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._guarded, daemon=True, name=type(self).__name__)

    def start(self) -> Producer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _guarded(self) -> None:
        try:
            self.run()
        except Exception as exc:  # a producer must report, never take the app down
            self.feed.set_status(State.FAILED, f"{type(exc).__name__}: {exc}")

    def run(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


def _complete(data: bytes) -> tuple[bytes, bytes]:
    cut = data.rfind(b"\n") + 1
    return data[:cut], data[cut:]


class FileFollower(Producer):
    """Index a file (tail first, then head) and follow it across growth, truncation, rotation.

    `index_head=False` leaves the lines before the tail to the caller (a merged view reads
    them itself, once, while merging); the first line indexed then starts at global offset
    `bounds[0]`, the file's own offset.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        feed: Feed,
        origins: OriginTable,
        *,
        follow: bool = True,
        poll: float = 0.2,
        tail_bytes: int = TAIL_BYTES,
        index_head: bool = True,
    ) -> None:
        super().__init__(feed, origins)
        self.path = Path(path)
        self.follow = follow
        self.poll = poll
        self.tail_bytes = tail_bytes
        # The first and the last bytes indexed of the file followed: after a truncation, the
        # copy logrotate made (copytruncate) is recognised by them.
        self._first_bytes = b""
        self._last_bytes = b""
        self._fd_segments: list[tuple[int, int]] = []  # (global start, delta) on this fd
        self.index_head = index_head

    def run(self) -> None:
        fd = os.open(self.path, os.O_RDONLY)
        size = os.fstat(fd).st_size
        tail_start = 0
        if size > self.tail_bytes:
            probe = os.pread(fd, 64 << 10, size - self.tail_bytes)
            nl = probe.find(b"\n")
            tail_start = size - self.tail_bytes + nl + 1 if nl >= 0 else 0
        self.feed.head_pending = tail_start > 0 and self.index_head
        self._first_bytes = os.pread(fd, SAMPLE_BYTES, 0)
        self._fd, self._pos, self._gend = fd, tail_start, tail_start
        self._segment(0, 0, fd)
        self._read_new(final=True, live=False)
        if tail_start and self.index_head:
            threading.Thread(target=self._index_head, args=(fd, tail_start), daemon=True).start()
        self.feed.set_status(State.FOLLOWING if self.follow else State.LOADED)
        while self.follow and not self._stop.wait(self.poll):
            self._poll_once()

    def _segment(self, global_start: int, delta: int, fd: int, note: str = "") -> None:
        """Tell the buffer where its bytes from `global_start` on are read, and remember it
        when they are the followed file's (a truncation reads them from its copy instead)."""
        if fd == self._fd:
            self._fd_segments.append((global_start, delta))
        self.feed.put(self._segment_batch(global_start, delta, fd, note))

    def _segment_batch(self, global_start: int, delta: int, fd: int, note: str = "") -> Batch:
        """A batch of no lines that tells the buffer: bytes from `global_start` on are read
        from `fd` at (offset - delta) (`LogBuffer.add_segment`)."""
        segment = (global_start, delta, fd)
        return Batch("append", array("Q"), array("H"), start=self._gend, segment=segment, note=note)

    def _index_head(self, fd: int, stop: int) -> None:
        self.feed.painted.wait(PAINT_GRACE)
        ends, keys, counts = offsets(stop), origin_ids(0), Counter()
        times = array(self.origins.time_code)
        pos, rest = 0, b""
        while pos < stop:
            data = rest + os.pread(fd, min(INDEX_CHUNK_BYTES, stop - pos), pos)
            pos += len(data) - len(rest)
            block, rest = _complete(data)  # `stop` is a line start: nothing is left over
            if block:
                b = parse_block(block, pos - len(rest) - len(block), self.origins)
                if (observer := self.feed.head_blocks) is not None:
                    end = b.start + len(block)
                    observer.head_block(str(self.path), b.start, end, b.keys, stop)
                ends = joined_offsets(ends, b.ends)
                keys = joined_keys(keys, b.keys)
                times.extend(b.times)
                counts.update(b.counts)
            if self._stop.is_set():
                return
        self.feed.put(Batch("prepend", ends, keys, start=0, counts=counts, times=times))
        self.feed.head_pending = False
        if (observer := self.feed.head_blocks) is not None:
            observer.head_done()

    def _read_new(self, final: bool = False, live: bool = True) -> None:
        """Index what was appended since the last read; `final` counts a last line with no LF."""
        size = os.fstat(self._fd).st_size
        if size <= self._pos:
            return
        data = os.pread(self._fd, size - self._pos, self._pos)
        block, rest = _complete(data)
        virtual = 0
        if final and rest:
            block, virtual = data + b"\n", 1
        if not block:
            return
        batch = parse_block(block, self._gend, self.origins)
        batch.live = live
        self.feed.put(batch)
        read = len(block) - virtual
        self._last_bytes = (self._last_bytes + data[max(0, read - SAMPLE_BYTES) : read])[
            -SAMPLE_BYTES:
        ]
        if len(self._first_bytes) < SAMPLE_BYTES and self._pos < SAMPLE_BYTES:
            self._first_bytes = os.pread(self._fd, SAMPLE_BYTES, 0)
        self._pos += len(block) - virtual
        self._gend += len(block)
        if virtual:
            # The file may go on after a LF that isn't there: later bytes sit one further on.
            self._segment(self._gend, self._gend - self._pos, self._fd)

    def _poll_once(self) -> None:
        try:
            st_path = os.stat(self.path)
        except FileNotFoundError:
            st_path = None
        st_fd = os.fstat(self._fd)
        if st_fd.st_size < self._pos:
            self._truncated()
            return
        self._read_new()
        if st_path is not None and st_path.st_ino != st_fd.st_ino:
            # Rotated: finish the old file, then follow the new one from its first byte.
            self._read_new(final=True)
            fd = os.open(self.path, os.O_RDONLY)
            self._fd, self._pos = fd, 0
            self._first_bytes, self._last_bytes, self._fd_segments = b"", b"", []
            self._segment(
                self._gend, self._gend, fd, f"{self.path.name} was rotated; following the new file"
            )
            self._read_new()

    def _truncated(self) -> None:
        """Truncated in place (logrotate's copytruncate, `: > app.log`). The lines shown stay
        when the copy logrotate made is beside the file: they are read from it from now on,
        with any it holds that were not read yet. Without one they are gone from disk and the
        view starts over. Either way a marker line says where the cut is, and the file's new
        content follows it."""
        name = self.path.name
        copy = self._rotated_copy()
        if copy is not None:
            original, self._fd = self._fd, os.open(copy, os.O_RDONLY)
            for global_start, delta in self._fd_segments:  # the same bytes, in the copy
                self.feed.put(self._segment_batch(global_start, delta, self._fd))
            self._read_new(final=True)  # written before the cut, not read yet
            self._fd = original
            note = f"{name} was truncated; the lines before it are read from {copy.name}"
            marker = f"── {name} was truncated here: the lines above are in {copy.name} ──"
        else:
            note = f"{name} was truncated; its earlier lines are gone (no copy of them beside it)"
            marker = f"── {name} was truncated here: its earlier lines are gone ──"
            self._gend = 0
            self.feed.put(Batch("reset", array("Q"), array("H"), start=0))
        self.feed.put(self._marker_batch(marker, note))
        self._pos, self._first_bytes, self._last_bytes, self._fd_segments = 0, b"", b"", []
        self._segment(self._gend, self._gend, self._fd)
        self._read_new()

    def _rotated_copy(self) -> Path | None:
        """The copy beside the file (`app.log.1`, `app.log-20261129`, `app-20261129.log`) that
        holds what was read of it: its first and last bytes as read, where they were."""
        pos, first, last = self._pos, self._first_bytes[: self._pos], self._last_bytes
        try:
            entries = [p for p in self.path.parent.iterdir() if p.name.startswith(self.path.stem)]
        except OSError:
            return None
        for candidate in sorted(entries, key=_mtime, reverse=True)[:ROTATED_CANDIDATES]:
            if candidate == self.path or candidate.suffix in COMPRESSED:
                continue
            try:
                with open(candidate, "rb") as f:
                    if os.fstat(f.fileno()).st_size < pos:
                        continue
                    same = os.pread(f.fileno(), len(first), 0) == first
                    if same and os.pread(f.fileno(), len(last), pos - len(last)) == last:
                        return candidate
            except OSError:
                continue
        return None

    def _marker_batch(self, marker: str, note: str) -> Batch:
        """One line in a file of its own, at the end of the view: where the cut is."""
        keep = tempfile.TemporaryFile(prefix="tuilogs-marker-")  # noqa: SIM115 - the buffer owns it
        data = (marker + "\n").encode()
        keep.write(data)
        keep.flush()
        batch = parse_block(data, self._gend, self.origins)
        batch.segment, batch.owner, batch.note = (self._gend, self._gend, keep.fileno()), keep, note
        self._gend += len(data)
        return batch


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


class PipeReader(Producer):
    """Read a pipe (stdin) into a Spool; a final line without LF is kept at EOF."""

    def __init__(self, fd: int, feed: Feed, origins: OriginTable) -> None:
        super().__init__(feed, origins)
        self.fd = fd
        self.spool = Spool(feed, origins)

    def run(self) -> None:
        self.feed.set_status(State.READING)
        rest = b""
        while not self._stop.is_set():
            data = os.read(self.fd, 1 << 20)
            if not data:
                break
            # Coalesce what is already waiting, so a fast writer makes few large batches.
            parts = [data]
            size = len(data)
            until = time.monotonic() + COALESCE_SECONDS
            while (
                size < (4 << 20)
                and time.monotonic() < until
                and select.select([self.fd], [], [], 0.01)[0]
            ):
                more = os.read(self.fd, 1 << 20)
                if not more:
                    break  # EOF: the next read says so too
                parts.append(more)
                size += len(more)
            block, rest = _complete(rest + b"".join(parts))
            self.spool.write(block)
        if rest:
            self.spool.write(rest + b"\n")
        self.feed.set_status(State.ENDED)
