"""Attack: send back to back from several connections (issue 8, item 3). Passive checkpoints
never let the WAL start over while commits keep coming: it grew 32-42 MB/s (6.3 GB in 150 s
with `--retention-mb 5`), and the database kept its largest size. Now the WAL is reset under
ingest, retention counts it and runs as soon as the store is over its limit, and freed pages
go back to the file system."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tuilogs.server.store.sqlite_upkeep import WAL_RESET_BYTES

from kit.routerkit import post_batch, rec
from kit.stalling_http import wait_for

RETENTION = 5_000_000
SENDERS = 4
BATCHES = 500  # of 100 lines of 2 KB: 100 MB of messages, more in the WAL (tables, indexes)
WAL_TARGET = 64 * 1024 * 1024  # the bound; the WAL is reset at WAL_RESET_BYTES


class WalWatch:
    """The WAL's size, sampled every 10 ms in a thread: the largest seen."""

    def __init__(self, store) -> None:
        self.store = store
        self.largest = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.wait(0.01):
            self.largest = max(self.largest, self.store.db.wal_bytes())

    def close(self) -> int:
        self.stop.set()
        self.thread.join(5)
        return self.largest


def test_the_wal_starts_over_under_ingest_and_retention_counts_the_disk(make_router):
    r = make_router(retention_bytes=RETENTION)
    store = r.store
    watch = WalWatch(store)

    def send(b: int) -> int:
        batch = [rec(f"{b} {i} " + f"{b:08x}" * 250) for i in range(100)]
        return post_batch(r, "flood", batch).status_code

    with ThreadPoolExecutor(SENDERS) as pool:
        statuses = list(pool.map(send, range(BATCHES)))
    largest = watch.close()
    assert set(statuses) == {204}
    assert WAL_RESET_BYTES < WAL_TARGET < BATCHES * 100 * 2000
    assert largest <= WAL_TARGET, f"the WAL reached {largest / 1e6:.0f} MB"

    # At rest: retention has run, the WAL is given back, the file holds no more than it must.
    wait_for(lambda: store.db.wal_bytes() == 0, what="the WAL to be truncated")
    wait_for(lambda: store.disk_bytes() <= RETENTION * 1.1, what="retention and vacuum")
    assert store.used_bytes() <= RETENTION
    kept = store.count("flood")
    assert 0 < kept < BATCHES * 100
    assert store.since("flood", 0, 1)[0].id == store.head_id() - kept + 1  # the newest stay
    assert store.integrity_check() == "ok"
