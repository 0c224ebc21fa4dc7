#!/usr/bin/env python3
"""The explorer over the router's store: 1,000,000 stored lines, driven in tmux at 120x40.

    python benchmarks/bench_router_explorer.py [--lines 1000000]

Starts a router in its own process (throwaway TUILOGS_HOME), fills app `bench` through the real
drain endpoint with genlogs lines (Logplex-shaped ~100 KB batches), then opens
`tuilogs bench --api URL` in tmux and times: the first screen (the newest line visible), the
whole stored history paged in, a search for a token that occurs once, a dyno filter (sidebar
"only web.1"), and the explorer's peak RSS (from ../shared/tools/tuitime.py).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_explorer import TUITIME, make_file, tuitime, unique_token  # noqa: E402
from bench_ingest import start_router, throughput  # noqa: E402

from tuilogs.record import parse_line  # noqa: E402


def wait_idle(pid: int, quiet: float = 2.0, limit: float = 600) -> None:
    """Wait until the router stops using CPU (its background search indexing is done)."""
    def cpu() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    deadline = time.monotonic() + limit
    last, still = cpu(), 0.0
    while time.monotonic() < deadline and still < quiet:
        time.sleep(0.5)
        now = cpu()
        still = still + 0.5 if now - last <= 5 else 0.0  # < 10% of a core
        last = now


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    a = ap.parse_args()
    path = make_file(a.lines)
    records = [parse_line(line) for line in path.read_text().splitlines()]
    token = unique_token(path)
    home = Path(tempfile.mkdtemp(prefix="tuilogs-bench-home-"))
    proc, base, token_api = start_router(home)
    try:
        t = time.perf_counter()
        rate = throughput(base, token_api, records, workers=4)
        print(f"stored {len(records):,} lines in {time.perf_counter() - t:.1f}s ({rate:,.0f}/s)")
        # Batches went in on 4 connections: ask the router which line is the newest.
        newest = httpx.get(f"{base}/apps/bench/log-lines?limit=1",
                           headers={"Authorization": f"Bearer {token_api}"}).json()["lines"][-1]
        last = newest["timestamp"][:26]
        t = time.perf_counter()
        wait_idle(proc.pid)
        print(f"router idle (search index caught up) after {time.perf_counter() - t:.1f}s more")
        env = f"TUILOGS_HOME={home} "
        total = f"{len(records):,}"
        q = re.escape
        r = tuitime(
            f"{env}tuilogs bench --api {base}",
            f"wait:{q(last)}", f"wait:{total} lines", "sleep:0.5",
            "keys:/", f"text:{token}", f"wait:{q(token)}", "mark", "keys:Enter",
            f"wait:{q(token)}\\S* (app|heroku)\\[", "keys:Escape", "sleep:0.5",
            "keys:Tab", *["keys:Down"] * 8, "sleep:0.5",
            "mark", "keys:o", r"wait:[\d,]+ of [\d,]+ lines",
            timeout=180,
        )
        w = r["waits"] + [float("nan")] * 5
        print(f"first screen {w[0]:.3f}s · all {total} stored lines in the explorer {w[1]:.1f}s · "
              f"search {w[3]:.3f}s · filter {w[4]:.3f}s · peak RSS {r.get('rss_mb', 0):.0f} MB")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    if not TUITIME.exists():
        sys.exit("needs ../shared/tools/tuitime.py")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
