"""Write the lines the explorer shows (filters and filter-mode search applied) to a file."""

from __future__ import annotations

import os
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

from tuilogs.core.buffer import LogBuffer

if TYPE_CHECKING:
    from tuilogs.core.redact import Redactor


def export_path(text: str) -> Path:
    """Where a typed path points: `~` expanded, relative to the current directory, absolute
    (what a toast names in full)."""
    return Path(os.path.abspath(os.path.expanduser(text.strip())))


def export_lines(
    buffer: LogBuffer,
    visible: array | None,
    path: str | os.PathLike,
    redaction: Redactor | None = None,
) -> int:
    """Write `visible` lines (all when None) as they were received, or redacted with
    `redaction` (docs/redaction.md); returns the count.

    Reads the buffer in large chunks and slices the wanted lines out, so exporting a million
    lines takes about as long as copying the file.
    """
    n = len(buffer) if visible is None else len(visible)
    bounds = buffer.bounds
    with open(path, "wb") as f:
        out = f if redaction is None else _Redacting(f, redaction)
        if visible is None:
            for _first, _last, _base, data in buffer.chunks(0, len(buffer)):
                out.write(data)
            return n
        if not n:
            return 0
        wanted = iter(visible)
        nxt = next(wanted, None)
        for first, last, base, data in buffer.chunks(visible[0], visible[-1] + 1):
            parts = []
            while nxt is not None and nxt < last:
                if nxt >= first:
                    parts.append(data[bounds[nxt] - base : bounds[nxt + 1] - base])
                nxt = next(wanted, None)
            out.write(b"".join(parts))
    return n


class _Redacting:
    """A file whose writes (whole lines) are redacted first."""

    def __init__(self, f, redaction: Redactor) -> None:
        self.f = f
        self.redaction = redaction

    def write(self, data: bytes) -> None:
        self.f.write(self.redaction.redact_bytes(data))
