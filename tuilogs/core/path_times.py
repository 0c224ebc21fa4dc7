"""Requests and `service` times per path, kept small enough for millions of router lines.

Counting `(path, service)` pairs in one `Counter` is C-fast but costs ~230 bytes a distinct
pair, and real paths carry ids (`/api/v1/users/33071`): 5,000,000 genlogs lines gave 306,000
pairs, 70 MB, for 94,000 paths of which 7 had 20 requests or more. So the pairs of the last
few blocks are counted as before (`add`), then folded (`fold`, at most every FOLD_PAIRS
distinct pairs, in Python but once a distinct pair, not once a line) into:

* a path with few requests: its service times packed in a `bytes` (4 bytes each; a bytes
  object costs half an array's ~80 bytes of overhead, and most paths have 1–5 requests);
* a path with MANY requests or more: a `Counter` of its service times (a distinct time once).

Exact either way: every request is kept, only in a smaller form. A time that is not a number
(`service=` empty or odd) is kept as -1, which percentiles leave out; one beyond 4 bytes
(`service=99999999999ms`, hostile) as the largest they hold.
"""

from __future__ import annotations

import struct
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import repeat

MANY = 256  # requests on a path before its times are kept as a Counter
FOLD_PAIRS = 5_000  # distinct pairs counted before they are folded (~230 bytes each meanwhile)


_TIME = struct.Struct("i")
_LONGEST = 2**31 - 1  # ms: what a packed time holds


def _ms(service: bytes) -> int:
    return min(int(service), _LONGEST) if service.isdigit() else -1


def _unpacked(kept: bytes) -> array:
    return array(_TIME.format, kept)


class PathTimes:
    """`add` (path, service) pairs as findall gives them; read them back per path."""

    def __init__(self) -> None:
        self._recent: Counter[tuple[bytes, bytes]] = Counter()
        self._few: dict[bytes, bytes] = {}  # path → its times, packed
        self._many: dict[bytes, Counter[int]] = {}

    def add(self, pairs: Iterable[tuple[bytes, bytes]]) -> None:
        self._recent.update(pairs)
        if len(self._recent) >= FOLD_PAIRS:
            self.fold()

    def add_one(self, path: bytes, service: bytes) -> None:
        self._recent[(path, service)] += 1

    def fold(self) -> None:
        """Move the pairs counted since the last fold into the per-path forms."""
        if not self._recent:
            return  # `times` folds before each path it is asked for: nothing new since
        recent, self._recent = self._recent, Counter()
        self._keep(((path, _ms(service)), n) for (path, service), n in recent.items())

    def pairs(self) -> list[tuple[bytes, bytes]]:
        """Every request counted as a (path, service) pair, as `add` takes them (another
        PathTimes adds them up so): one per request, a C-speed `Counter.update`."""
        out = list(self._recent.elements())
        for path, kept in self._few.items():
            out.extend((path, b"%d" % ms) for ms in _unpacked(kept))
        for path, times in self._many.items():
            for ms, n in times.items():
                out.extend(repeat((path, b"%d" % ms), n))
        return out

    def _keep(self, items: Iterable[tuple[tuple[bytes, int], int]]) -> None:
        """Requests by (path, ms) into the per-path forms (Python, but once a distinct pair)."""
        few, many, pack = self._few, self._many, _TIME.pack
        for (path, ms), n in items:
            times = many.get(path)
            if times is not None:
                times[ms] += n
                continue
            kept = few.get(path, b"") + pack(ms) * n
            if len(kept) >= MANY * _TIME.size:
                many[path] = Counter(_unpacked(kept))
                few.pop(path, None)
            else:
                few[path] = kept

    def requests(self) -> Iterator[tuple[bytes, int]]:
        """(path, requests) for every path seen."""
        self.fold()
        for path, kept in self._few.items():
            yield path, len(kept) // _TIME.size
        for path, times in self._many.items():
            yield path, sum(times.values())

    def times(self, path: bytes) -> list[tuple[int, int]]:
        """(service ms, requests) of `path`, ascending, the times that are not numbers left
        out: what a percentile is taken over."""
        self.fold()
        times = self._many.get(path)
        if times is None:
            times = Counter(_unpacked(self._few.get(path, b"")))
        return sorted((ms, n) for ms, n in times.items() if ms >= 0)
