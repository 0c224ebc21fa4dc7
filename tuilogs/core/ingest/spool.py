"""Spool files: where lines from a pipe or a live stream are written so the buffer can map them.

Lines are never held as Python objects: a spool writes them to an unlinked temporary file and
queues a batch of their bounds; `HistorySpool` places older lines (history pages) in front.
"""

from __future__ import annotations

import os
import tempfile
import threading
from array import array

from tuilogs.core.buffer import Batch, OriginTable, parse_block
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.record import one_line

# Live lines of a stream start this far into the global offset space, so that history fetched
# later (older lines) can be placed in front of them without renumbering anything on disk.
LIVE_BASE = 1 << 40


class Spool:
    """An unlinked temporary file that lines from a pipe or a live stream are written into."""

    def __init__(
        self, feed: Feed, origins: OriginTable, directory: str | None = None, base: int = 0
    ) -> None:
        self.feed = feed
        self.origins = origins
        self._file = tempfile.TemporaryFile(prefix="tuilogs-", dir=directory)  # noqa: SIM115
        self.fd = self._file.fileno()
        self.base = base
        self.end = base
        self._lock = threading.Lock()
        feed.put(
            Batch(
                "append",
                array("Q"),
                array("H"),
                start=base,
                segment=(base, base, self.fd),
                owner=self._file,
            )
        )

    def write(self, block: bytes, live: bool = True) -> None:
        """Append complete lines (ending in LF) and queue their batch.

        `live=False` for lines that were already there (a first screen): not counted in lines/s.
        """
        if not block:
            return
        with self._lock:
            os.pwrite(self.fd, block, self.end - self.base)
            batch = parse_block(block, self.end, self.origins)
            batch.live = live
            self.end += len(block)
            self.feed.put(batch)

    def write_lines(self, lines: list[str], live: bool = True) -> None:
        """Append text lines from a live stream, one line each: a line break inside a line
        (CR, U+2028, ... which a stream need not split at) is escaped, so no reader of the
        spool, an export or print mode sees a line the sender made up."""
        if lines:
            text = "\n".join([s if s.isprintable() else one_line(s) for s in lines])
            self.write((text + "\n").encode("utf-8", "replace"), live)


class HistorySpool:
    """Older lines placed in front of a live Spool's (which must use `base=LIVE_BASE`).

    Pages arrive newest first; each is written to this spool's own file and mapped to the
    global range just before everything shown so far, then queued as a "prepend" batch.
    """

    def __init__(self, feed: Feed, origins: OriginTable, start: int = LIVE_BASE) -> None:
        self.feed = feed
        self.origins = origins
        self._file = tempfile.TemporaryFile(prefix="tuilogs-history-")  # noqa: SIM115
        self.fd = self._file.fileno()
        self.file_end = 0
        self.start = start

    def prepend(self, block: bytes) -> None:
        """Put complete lines (oldest first, ending in LF) before all lines so far."""
        if not block:
            return
        os.pwrite(self.fd, block, self.file_end)
        gstart = self.start - len(block)
        batch = parse_block(block, gstart, self.origins)
        batch.kind = "prepend"
        batch.segment = (gstart, gstart - self.file_end, self.fd)
        batch.owner = self._file
        self.file_end += len(block)
        self.start = gstart
        self.feed.put(batch)
