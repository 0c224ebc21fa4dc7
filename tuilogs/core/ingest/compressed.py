"""gzip, bz2 and xz log files, read with the standard library as if they were plain text.

Papertrail's archives are `.tsv.gz`, rotated logs are `app.log.2.gz`: shown as escaped binary
they are useless. The format is known by its magic bytes, not the name (a `.gz` that is plain
text is read as text, a gzip without the extension is decompressed). A compressed file is read
once, not followed, and never held whole in memory: it is decompressed 64 KB at a time
(damage loses no more than that of what came before it) into a spool (an unlinked temporary file) that the buffer maps like any file. A corrupt or
truncated archive keeps what was read before the damage and says so in a notice.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import zlib
from pathlib import Path
from typing import BinaryIO

from tuilogs.core.buffer import OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.producers import FileFollower, Producer
from tuilogs.core.ingest.spool import Spool
from tuilogs.core.status import State

READ_BYTES = 64 << 10  # per read: damage loses at most this much of what came before it
BLOCK_BYTES = 1 << 20  # per spool write (one batch)

# (magic, name): what the file starts with, and the format's usual name.
FORMATS = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_OPENERS = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}
# What the standard library raises for damaged input (gzip.BadGzipFile is an OSError, a
# truncated stream an EOFError, a bad xz block an LZMAError).
_DAMAGE = (EOFError, OSError, lzma.LZMAError, zlib.error, ValueError)


def compression_of(path: str | os.PathLike) -> str | None:
    """ "gzip", "bz2" or "xz" from the file's first bytes; None for anything else."""
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except OSError:
        return None
    return compression_of_bytes(head)


def compression_of_bytes(head: bytes) -> str | None:
    for magic, name in FORMATS:
        if head.startswith(magic):
            return name
    return None


def open_compressed(path: str | os.PathLike, kind: str) -> BinaryIO:
    """A binary reader of the decompressed bytes (gzip: every member of a concatenation)."""
    return _OPENERS[kind](path, "rb")


class CompressedReader(Producer):
    """Decompress a file into a spool, once; status READING, then LOADED (with a notice when
    the archive is damaged), FAILED when not even its start could be read."""

    def __init__(
        self, path: str | os.PathLike, kind: str, feed: Feed, origins: OriginTable
    ) -> None:
        super().__init__(feed, origins)
        self.path = Path(path)
        self.kind = kind
        self.lines = 0

    def run(self) -> None:
        self.feed.set_status(State.READING)
        spool = Spool(self.feed, self.origins)
        parts: list[bytes] = []
        size = 0
        damage = ""
        try:
            with open_compressed(self.path, self.kind) as f:
                while not self._stop.is_set():
                    data = f.read(READ_BYTES)
                    if not data:
                        break
                    parts.append(data)
                    size += len(data)
                    if size >= BLOCK_BYTES:
                        parts, size = self._flush(spool, parts)
        except _DAMAGE as exc:
            damage = str(exc) or type(exc).__name__
        rest = b"".join(self._flush(spool, parts)[0])
        if rest:
            self._write(spool, rest + b"\n")
        if damage and not self.lines:
            self.feed.set_status(State.FAILED, f"{self.path.name}: cannot read it: {damage}")
            return
        if damage:
            note = (
                f"{self.path.name}: {self.kind} archive is corrupt or truncated ({damage}); "
                f"showing the {self.lines:,} lines read before the damage"
            )
            self.feed.note(note)
        self.feed.set_status(State.LOADED)

    def _flush(self, spool: Spool, parts: list[bytes]) -> tuple[list[bytes], int]:
        """Write the complete lines of `parts`; the rest (a line's start) is kept."""
        data = b"".join(parts)
        cut = data.rfind(b"\n") + 1
        self._write(spool, data[:cut])
        rest = data[cut:]
        return ([rest] if rest else []), len(rest)

    def _write(self, spool: Spool, block: bytes) -> None:
        if block:
            spool.write(block, live=False)
            self.lines += block.count(b"\n")


def file_producer(
    path: Path, feed: Feed, origins: OriginTable, *, follow: bool = True, **options: object
) -> Producer:
    """A started producer for a file: decompressed once if compressed, else indexed (tail
    first) and followed. `options` go to FileFollower (`poll`, `index_head`...)."""
    kind = compression_of(path)
    if kind is not None:
        return CompressedReader(path, kind, feed, origins).start()
    return FileFollower(path, feed, origins, follow=follow, **options).start()  # type: ignore[arg-type]
