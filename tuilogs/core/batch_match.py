"""The search language over a batch of records in memory, as alert rules need it.

`Query.scan` reads a `LogBuffer` (bytes on disk, line bounds, origin ids). A `RecordBlock`
offers the same surface over one batch held in memory, so a rule's query runs with the very
code the explorer uses — one bytes.find or regex pass per term over the whole batch, per-line
Python only for the lines a level or code term must confirm — and a saved search matches the
same lines in the explorer and in an alert rule.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate
from operator import attrgetter

from tuilogs.core.buffer import OriginTable
from tuilogs.core.query import Query
from tuilogs.core.record import LogRecord

_ORIGIN = attrgetter("source", "dyno")


class RecordBlock:
    """Records as one block of `heroku logs` lines, duck-typed as `Query.scan`'s buffer."""

    def __init__(self, records: Sequence[LogRecord]) -> None:
        encoded = [line.encode("utf-8", "replace") for line in map(LogRecord.line, records)]
        self.data = b"\n".join(encoded) + b"\n" if encoded else b""
        self.bounds = array("Q", [0])
        self.bounds.extend(accumulate(len(e) + 1 for e in encoded))
        self._records = records
        self._keys: array | None = None
        self._origins = OriginTable()

    def __len__(self) -> int:
        return len(self.bounds) - 1

    @property
    def keys(self) -> array:
        """Each line's origin id, interned once per distinct (source, dyno) of the batch;
        the per-line steps are `map`s, at C speed."""
        if self._keys is None:
            pairs = list(map(_ORIGIN, self._records))
            ids = {p: self._origins.id_for(*p) for p in set(pairs)}
            self._keys = array("H", map(ids.__getitem__, pairs))
        return self._keys

    @property
    def origins(self) -> OriginTable:
        self.keys  # noqa: B018  # `scan` reads the table before the keys: intern them first
        return self._origins

    def chunks(self, lo: int, hi: int) -> Iterator[tuple[int, int, int, bytes]]:
        """The whole block at once: a batch is small next to a scan's megabyte chunks."""
        if lo < hi:
            start, end = self.bounds[lo], self.bounds[hi]
            yield lo, hi, start, self.data[start:end]


def matching(query: Query, block: RecordBlock) -> array:
    """Indexes of the block's records that `query` matches, ascending (all of them for an
    empty query)."""
    if query.empty:
        return array("I", range(len(block)))
    found = query.scan(block)  # type: ignore[arg-type]  # RecordBlock reads as a LogBuffer
    return found if found is not None else array("I")
