"""The alert matcher's own cost: µs a line for each rule of bench_alerts.py, and for all ten.

    python benchmarks/bench_alert_match.py [--lines 50000] [--batch 450] [--repeat 5]
                                           [--profile]

A SQLite store (throwaway directory) is filled with genlogs.py lines in batches of `--batch`
lines (bench_alerts.py's 100 KB batches hold about 450), then `matcher.evaluate` reads them
all, as the matcher child does when behind, with: no rule (reading the store and building the
block), each rule alone (the figure is what it adds to that), and the ten rules together.
CPU time of this process (SQLite reads in it too), the best of `--repeat` runs: the machine
is shared, and wall time there measures the others as much as the matcher. `--profile`
prints cProfile's top functions for the ten rules.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_alerts import RULES  # noqa: E402
from bench_ingest import GENLOGS, generate  # noqa: E402

from tuilogs.server.alerting import matcher  # noqa: E402
from tuilogs.server.store.sqlite import SQLiteStore  # noqa: E402

APP = "bench"


def fill(store: SQLiteStore, lines: int, batch: int) -> None:
    records = generate(lines, GENLOGS)
    for i in range(0, len(records), batch):
        store.append(APP, records[i : i + batch])


def best(conn, queries: list[str], lines: int, repeat: int) -> tuple[float, list[int]]:
    """µs a line of the fastest of `repeat` evaluations of every stored line, and the counts."""
    times, counts = [], []
    old = matcher.MAX_LINES
    matcher.MAX_LINES = lines  # one evaluation reads everything, as a matcher far behind
    try:
        for _ in range(repeat):
            cache: dict = {}
            t0 = time.process_time()
            _, batches = matcher.evaluate(conn, APP, 0, queries, cache)
            times.append(time.process_time() - t0)
            counts = [sum(c[i] for _, c in batches) for i in range(len(queries))]
    finally:
        matcher.MAX_LINES = old
    return 1e6 * min(times) / lines, counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=50_000)
    p.add_argument("--batch", type=int, default=450)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--profile", action="store_true")
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="tuilogs-bench-match-") as home:
        store = SQLiteStore(Path(home) / "store.db")
        try:
            fill(store, a.lines, a.batch)
            conn = matcher._connect(str(store.path))
            base, _ = best(conn, [], a.lines, a.repeat)
            print(f"{a.lines:,} lines, batches of {a.batch}; best of {a.repeat}")
            print(f"  {'read + block, no rule':32} {base:6.2f} µs/line")
            for rule in RULES:
                us, [n] = best(conn, [rule["query"]], a.lines, a.repeat)
                label = f"{rule['name']} ({rule['query'] or 'every line'})"
                print(f"  {label:32} {us - base:6.2f} µs/line  {n:7,} lines matched")
            queries = [r["query"] for r in RULES]
            us, _ = best(conn, queries, a.lines, a.repeat)
            print(f"  {'the ten rules, with read + block':32} {us:6.2f} µs/line")
            if a.profile:
                profile = cProfile.Profile()
                profile.runcall(best, conn, queries, a.lines, 1)
                pstats.Stats(profile).sort_stats("tottime").print_stats(15)
            conn.close()
        finally:
            store.close()


if __name__ == "__main__":
    main()
