#!/usr/bin/env python3
"""Stats view benchmark: `S` on a 5,000,000-line file, at 120x40, until the view is filled.

    python benchmarks/bench_stats.py [--lines 5000000] [--runs 3] [--file PATH] [--settle 20]

Makes (once) `/tmp/stats5m.log` with ../shared/tools/genlogs.py (another `--lines` gets its
own file), opens it in tuilogs (its own venv, benchenv.py) under ../shared/tools/tuitime.py,
waits until the whole file is indexed (the header stops saying "indexing"), presses `S` and
times until the view's table is on screen with the numbers so far, and until every line is
counted (no "counting…" left on screen): once 1 s after indexing (the background count only
begun) and once `--settle` seconds after (the background count done: what a user who opens
the view after looking around sees). Then the same
computation in this process, without a terminal (`tuilogs.core.stats.buffer_summary`), wall
and CPU time, which says how much of the figure is the machine's load. `uptime` is printed
before and after: the development machine has 2 cores shared by several engineers.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_explorer import GENLOGS, tuitime  # noqa: E402
from benchenv import spread, tuilogs_bin  # noqa: E402

FIRST = "Slowest paths"  # a heading of the view's table: drawn with the first numbers
# The table, and no "counting…" anywhere on the screen: every line counted.
DONE = r"\A(?![\s\S]*counting)[\s\S]*Slowest paths"


def make_file(lines: int, path: Path | None) -> Path:
    if path is None:
        path = Path("/tmp/stats5m.log" if lines == 5_000_000 else f"/tmp/stats{lines}.log")
    if not path.exists() or path.stat().st_size == 0:
        print(f"generating {path} ...", file=sys.stderr, flush=True)
        with open(path, "w") as out:
            subprocess.run([sys.executable, str(GENLOGS), str(lines)], stdout=out, check=True)
    return path


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def through_the_terminal(tuilogs: str, path: Path, settle: float) -> tuple[float, float]:
    """Seconds from `S` to the view's first numbers (counted so far) and to all of them, `S`
    pressed `settle` seconds after the file is fully indexed (the explorer counts every line
    in the background from a second after that: a long settle measures the counts ready)."""
    r = tuitime(
        f"{tuilogs} {path}",
        r"wait:\d+ lines",
        r"wait:│ file · (?!indexing)",  # the whole file indexed
        f"sleep:{settle}",
        "mark",
        "keys:S",
        f"wait:{re.escape(FIRST)}",
        f"wait:{DONE}",
        "sleep:0.3",
        "keys:q",
        timeout=600,
    )
    waits = r["waits"] + [float("nan")] * 4
    return waits[2], waits[3]


def in_process(path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of `buffer_summary` over the whole file, loaded as the explorer
    loads it."""
    from tuilogs.core.buffer import LogBuffer
    from tuilogs.core.ingest.feed import Feed
    from tuilogs.core.ingest.producers import FileFollower
    from tuilogs.core.stats import buffer_summary
    from tuilogs.core.status import State

    buffer, feed = LogBuffer(), Feed()
    feed.painted.set()
    producer = FileFollower(path, feed, buffer.origins, follow=False).start()
    while not (feed.status.state is State.LOADED and not feed.head_pending and feed.empty()):
        feed.drain(buffer)
        time.sleep(0.02)
    feed.drain(buffer)
    producer.stop()
    wall, cpu = time.perf_counter(), time.process_time()
    summary = buffer_summary(buffer)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert summary is not None and summary.lines == len(buffer)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--file", type=Path)
    ap.add_argument(
        "--settle", type=float, default=20.0, help="seconds after indexing before the late S"
    )
    a = ap.parse_args()
    path = make_file(a.lines, a.file)
    tuilogs = tuilogs_bin()
    print(f"before: {uptime()}")
    screens, settled = [], []
    for _ in range(a.runs):
        screens.append(through_the_terminal(tuilogs, path, 1.0))
        first, done = screens[-1]
        print(f"  S at once: first numbers {first:.3f} s, all {done:.3f} s   ({uptime()})")
        settled.append(through_the_terminal(tuilogs, path, a.settle))
        first, done = settled[-1]
        print(f"  S {a.settle:g} s later: first {first:.3f} s, all {done:.3f} s   ({uptime()})")
    computed = [in_process(path) for _ in range(a.runs)]
    for wall, cpu in computed:
        print(f"  buffer_summary in process: {wall:.3f} s wall, {cpu:.3f} s CPU   ({uptime()})")
    print(f"after: {uptime()}")
    print()
    print(f"| {path.name} | tuilogs | target |")
    print("|---|---|---|")
    print(f"| stats view, S → first numbers on screen | {spread([f for f, _ in screens])} | |")
    print(
        f"| stats view, S 1 s after indexing → every line counted"
        f" | {spread([d for _, d in screens])} | ≤ 2 s |"
    )
    print(
        f"| stats view, S {a.settle:g} s after indexing (background count done) → on screen"
        f" | {spread([d for _, d in settled])} | ≤ 2 s |"
    )
    print(f"| … the computation alone, wall | {spread([w for w, _ in computed])} | |")
    print(f"| … the computation alone, CPU | {spread([c for _, c in computed])} | |")


if __name__ == "__main__":
    main()
