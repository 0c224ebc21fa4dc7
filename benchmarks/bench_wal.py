"""The store's files under back-to-back ingest (issue 8, item 3).

    python benchmarks/bench_wal.py [--seconds 300] [--retention-mb 5] [--workers 4]

A router in its own process (routerproc.py) with `--retention-mb`; `--workers` connections
POST Logplex-shaped ~100 KB batches of genlogs lines back to back for `--seconds`, while the
sizes of `logs.sqlite3` and `logs.sqlite3-wal` are sampled every 0.5 s. Then ingest stops and
the benchmark waits (up to `--settle` s) until the WAL is truncated and the sizes stay put.

Targets: the WAL never above 64 MB; database + WAL within 10 % of `--retention-mb` once
retention has run; ingest >= 50,000 lines/s meanwhile (with a small retention the router
deletes as fast as it stores, so compare with bench_ingest.py for the plain rate).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import GENLOGS, batches, generate  # noqa: E402
from routerproc import RouterProcess, post  # noqa: E402

WAL_TARGET_MB = 64


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class Sampler:
    """The database and WAL sizes every 0.5 s, in a thread: the largest seen, and the last."""

    def __init__(self, data: Path) -> None:
        self.db, self.wal = data / "logs.sqlite3", data / "logs.sqlite3-wal"
        self.max_wal = self.max_total = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sizes(self) -> tuple[int, int]:
        return size(self.db), size(self.wal)

    def run(self) -> None:
        while not self.stop.wait(0.5):
            db, wal = self.sizes()
            self.max_wal = max(self.max_wal, wal)
            self.max_total = max(self.max_total, db + wal)


def ingest(router: RouterProcess, work: list[tuple[bytes, int]], seconds: float, workers: int):
    """Post batches back to back from `workers` threads for `seconds`; lines posted."""
    posted = [0] * workers
    deadline = time.monotonic() + seconds
    url = f"{router.base_url}/drains/bench"

    def worker(k: int) -> None:
        with httpx.Client(auth=("bench", router.token), timeout=120) as c:
            for body, n in itertools.islice(itertools.cycle(work), k, None, workers):
                if time.monotonic() > deadline:
                    return
                post(c, url, body, n)
                posted[k] += n

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(posted)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--retention-mb", type=float, default=5)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--settle", type=float, default=120)
    ap.add_argument("--lines", type=int, default=200_000, help="distinct lines, posted in a loop")
    a = ap.parse_args()
    work = batches(generate(a.lines, GENLOGS))
    limit = a.retention_mb * 1e6
    with tempfile.TemporaryDirectory(prefix="tuilogs-wal-") as tmp:
        home = Path(tmp)
        router = RouterProcess(home, "--retention-mb", str(a.retention_mb))
        sampler = Sampler(home / "data")
        try:
            t0 = time.monotonic()
            lines = ingest(router, work, a.seconds, a.workers)
            took = time.monotonic() - t0
            db, wal = sampler.sizes()
            print(
                f"ingest: {lines:,} lines in {took:.0f} s = {lines / took:,.0f} lines/s;"
                f" largest WAL {sampler.max_wal / 1e6:.1f} MB, largest db+WAL"
                f" {sampler.max_total / 1e6:.1f} MB; at the end db {db / 1e6:.1f} MB,"
                f" WAL {wal / 1e6:.1f} MB",
                flush=True,
            )
            # At rest: the router truncates the WAL once retention and vacuum are done; then
            # the sizes stay put (5 s).
            start, last, still = time.monotonic(), None, 0
            while time.monotonic() - start < a.settle and still < 5:
                time.sleep(1)
                now = sampler.sizes()
                still = still + 1 if now == last and now[1] == 0 else 0
                last = now
            settled = time.monotonic() - start
            db, wal = sampler.sizes()
        finally:
            sampler.stop.set()
            router.stop()
    total = db + wal
    print(
        f"after {settled:.0f} s idle: db {db / 1e6:.2f} MB + WAL {wal / 1e6:.2f} MB ="
        f" {total / 1e6:.2f} MB for --retention-mb {a.retention_mb:g}"
        f" ({(total - limit) / limit:+.0%})"
    )
    ok = sampler.max_wal <= WAL_TARGET_MB * 1e6 and total <= limit * 1.1 and lines / took >= 50_000
    print("PASS" if ok else "BELOW TARGET")


if __name__ == "__main__":
    main()
