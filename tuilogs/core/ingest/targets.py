"""What `tuilogs a.log b.log.gz logs/` reads: files (plain or compressed) and directories.

A directory stands for its log files: the regular files in it, compressed ones too, in name
order; not its subdirectories, hidden files or binary files, each of which is named with the
reason it was skipped. Each file becomes a stream of a merged view, named by its file name (by
its path when two share a name).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tuilogs.core.buffer import OriginTable
from tuilogs.core.ingest.compressed import compression_of, compression_of_bytes, file_producer
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.merge import StreamSpec
from tuilogs.core.ingest.producers import Producer

SNIFF_BYTES = 4096
# Archives we do not read, by their magic bytes: named, rather than shown as binary.
_OTHER_ARCHIVES = (
    (b"PK\x03\x04", "a zip archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A directory entry not read, and why (`hidden`, `a directory`, `binary`...)."""

    path: Path
    why: str

    def __str__(self) -> str:
        return f"skipped {self.path.name}: {self.why}"


def log_files(directory: Path) -> tuple[list[Path], list[Skipped]]:
    """The log files of a directory, by name, and the entries skipped (with why)."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for path in sorted(directory.iterdir()):
        why = _why_not(path)
        if why:
            skipped.append(Skipped(path, why))
        else:
            files.append(path)
    return files, skipped


def _why_not(path: Path) -> str:
    """Why a directory entry is not a log file to read ("" when it is one)."""
    if path.name.startswith("."):
        return "hidden"
    if path.is_dir():
        return "a directory (not read: give it by name)"
    if not path.is_file():
        return "not a regular file"
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    if compression_of_bytes(head):
        return ""
    for magic, name in _OTHER_ARCHIVES:
        if head.startswith(magic):
            return f"{name} (gzip, bz2 and xz are read)"
    if b"\x00" in head:
        return "binary (not text, gzip, bz2 or xz)"
    return ""


def stream_names(paths: list[Path]) -> list[str]:
    """How each file is named in a merged view: its name, or its path if two share a name."""
    names = [p.name for p in paths]
    twice = {n for n, k in Counter(names).items() if k > 1}
    return [str(p) if p.name in twice else p.name for p in paths]


def file_specs(paths: list[Path], *, follow: bool = True, poll: float = 0.2) -> list[StreamSpec]:
    """Streams of a merged view for files: a plain file's head is read by the merge itself."""
    specs = []
    for path, name in zip(paths, stream_names(paths), strict=True):
        plain = compression_of(path) is None

        def start(feed: Feed, origins: OriginTable, path: Path = path) -> list[Producer]:
            return [file_producer(path, feed, origins, follow=follow, poll=poll, index_head=False)]

        specs.append(StreamSpec(name, start, reads_head=plain))
    return specs


def expand(targets: list[str]) -> tuple[list[Path], list[Skipped]]:
    """Files named, and directories' log files, in the order given; and what was skipped."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            found, left = log_files(path)
            files += found
            skipped += left
        else:
            files.append(path)
    return files, skipped
