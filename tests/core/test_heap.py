"""The heap keeper hands freed memory back while the app runs, and stops when told."""

from __future__ import annotations

import ctypes

from tuilogs.core.heap import HeapKeeper

from kit.waiting import wait_until


def test_the_keeper_trims_the_heap_until_stopped():
    ctypes.CDLL(None).malloc_trim  # noqa: B018 - glibc, as on the machines this runs on
    keeper = HeapKeeper(every=0.01).start()
    wait_until(lambda: keeper.trims >= 3, timeout=5)
    keeper.stop()
    keeper._thread.join(timeout=5)
    stopped_at = keeper.trims
    assert not keeper._thread.is_alive() and keeper.trims == stopped_at
