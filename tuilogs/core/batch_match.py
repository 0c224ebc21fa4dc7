"""The search language over a block of lines held in memory, as alert rules need it.

`Query.scan` reads a `LogBuffer` (bytes on disk, line bounds, origin ids). A `LineBlock` offers
the same surface over one block of `heroku logs` lines in memory, indexed as the buffer indexes
a file (`buffer.split_block`: one regex pass for every line's origin), so a rule's query runs
with the very code the explorer uses — one bytes.find or regex pass per term over the whole
block, per-line Python only for the lines a level or code term must confirm — and a saved
search matches the same lines in the explorer and in an alert rule.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate, count
from operator import add

from tuilogs.core.buffer import OriginTable, split_block
from tuilogs.core.query import Query
from tuilogs.core.record import LogRecord


def block_bytes(records: Sequence[LogRecord]) -> bytes:
    """Records as one block of lines, each ending in LF (`LogRecord.line` escapes any line
    break inside a record, so one record is one line)."""
    if not records:
        return b""
    return ("\n".join(map(LogRecord.line, records)) + "\n").encode("utf-8", "replace")


class LineBlock:
    """A block of complete lines (ending in LF), duck-typed as `Query.scan`'s buffer."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.origins = OriginTable()
        lines, self.keys, _ = split_block(data, self.origins) if data else ([], array("H"), None)
        self.bounds = array("Q", [0])
        self.bounds.extend(map(add, accumulate(map(len, lines)), count(1)))  # ends, past LF

    def __len__(self) -> int:
        return len(self.keys)

    def chunks(self, lo: int, hi: int) -> Iterator[tuple[int, int, int, bytes]]:
        """The whole block at once: a batch is small next to a scan's megabyte chunks."""
        if lo < hi:
            start, end = self.bounds[lo], self.bounds[hi]
            yield lo, hi, start, self.data[start:end]


def matching(query: Query, block: LineBlock) -> array:
    """Indexes of the block's lines that `query` matches, ascending (all for an empty query)."""
    if query.empty:
        return array("I", range(len(block)))
    found = query.scan(block)  # type: ignore[arg-type]  # LineBlock reads as a LogBuffer
    return found if found is not None else array("I")
