"""Handing memory that was freed back to the system while big logs are read.

Reading a 5,000,000-line file churns through gigabytes of short-lived blocks, line lists and
strings on several threads (indexing, the error scan, search). glibc keeps what they freed in
its heaps, and free space lying under memory still in use is not returned by itself: the
explorer's resident size grew by 10–20 MB that nothing used (measured at 5,000,000 lines).
`malloc_trim` returns those pages, in about a millisecond, so a `HeapKeeper` calls it once a
second while the app runs. Where the C library has no `malloc_trim` (not glibc) it does
nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

EVERY = 1.0  # seconds between trims


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, ImportError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


class HeapKeeper:
    """A daemon thread trimming the C heap every `every` seconds until `stop()`."""

    def __init__(self, every: float = EVERY) -> None:
        self.every = every
        self.trims = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="heap-keeper")

    def start(self) -> HeapKeeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        if self._stop.wait(self.every):  # ctypes is loaded after the first screen, not before
            return
        trim = _malloc_trim()
        while trim is not None:
            trim(0)
            self.trims += 1
            if self._stop.wait(self.every):
                return
