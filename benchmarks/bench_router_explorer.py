#!/usr/bin/env python3
"""The explorer over the router's store: 1,000,000 stored lines, driven in tmux at 120x40.

    python benchmarks/bench_router_explorer.py [--lines 1000000]

Starts a router in its own process (throwaway TUILOGS_HOME), fills app `bench` through the real
drain endpoint with genlogs lines (Logplex-shaped ~100 KB batches), then opens
`tuilogs bench --api URL` in tmux and times: the first screen (the newest line visible; median
of three launches), the whole stored history paged in, a search for a token that occurs once,
a dyno filter (sidebar "only web.1"), and the explorer's peak RSS (from
../shared/tools/tuitime.py). tuilogs runs from its own venv (benchenv.py).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_explorer import (  # noqa: E402
    TUITIME,
    first_screens,
    key_answers,
    make_file,
    tuilogs_search_and_filter,
    tuitime,
    unique_token,
)
from bench_ingest import start_router, throughput  # noqa: E402
from benchenv import spread, tuilogs_bin  # noqa: E402

from tuilogs.core.record import parse_line  # noqa: E402


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
    ap.add_argument("--follow-only", action="store_true")
    a = ap.parse_args()
    tuilogs = tuilogs_bin()
    if a.follow_only:
        follow(tuilogs)
        return
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
        newest = httpx.get(
            f"{base}/apps/bench/log-lines?limit=1", headers={"Authorization": f"Bearer {token_api}"}
        ).json()["lines"][-1]
        last = newest["timestamp"][:26]
        t = time.perf_counter()
        wait_idle(proc.pid)
        print(f"router idle (search index caught up) after {time.perf_counter() - t:.1f}s more")
        env = f"TUILOGS_HOME={home} "
        total = f"{len(records):,}"
        q = re.escape
        launches = first_screens(f"{env}{tuilogs} bench --api {base}", f"wait:{q(last)}")
        r = tuitime(
            f"{env}{tuilogs} bench --api {base}",
            f"wait:{q(last)}",
            f"wait:{total} lines",
            "sleep:0.5",
            *tuilogs_search_and_filter(token),
            timeout=180,
        )
        w = r["waits"] + [float("nan")] * 5
        print(
            f"first screen {spread(launches)} · all {total} stored lines in the explorer {w[1]:.1f}s · "
            f"search {w[3]:.3f}s · filter {w[4]:.3f}s · peak RSS {r.get('rss_mb', 0):.0f} MB"
        )
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(home, ignore_errors=True)
    follow(tuilogs)


POLL = 0.02  # screen polls cost a tmux process each: fewer keep the machine for the subjects


def follow(tuilogs: str, rate: int = 5000, seconds: float = 10.0) -> None:
    """The explorer following a router app fed at `rate` lines/s through the drain endpoint.

    POST→screen latency: lines are numbered ("bulk line N"); a batch has reached the screen when
    its last line is visible (the pane follows the end). The status line's count, refreshed a
    few times a second, says at the end how many lines the explorer holds against how many were
    sent. Also: how fast keys answer meanwhile.
    """
    import statistics
    import threading
    import uuid

    from tuilogs.core.frames import format_frame
    from tuilogs.core.record import LogRecord

    home = Path(tempfile.mkdtemp(prefix="tuilogs-bench-follow-"))
    proc, base, token_api = start_router(home)
    name = f"tf{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "TUILOGS_HOME": str(home), "TERM": "xterm-256color"}
    # The variable goes in the command: a running tmux server ignores the client's environment.
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "120",
            "-y",
            "40",
            f"TUILOGS_HOME={home} {tuilogs} bench --api {base}",
        ],
        env=env,
        check=True,
    )

    def screen() -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True
        ).stdout

    def newest() -> int:
        """The highest line number on screen (-1: none yet)."""
        numbers = re.findall(r"bulk line (\d+)", screen())
        return max(map(int, numbers)) if numbers else -1

    def shown() -> int:
        m = re.search(r"(?:following|paused)[^│]*│ ([\d,]+) lines", screen())
        return int(m.group(1).replace(",", "")) if m else -1

    client = httpx.Client(auth=("bench", token_api), timeout=30)
    stop = threading.Event()
    posted: list[tuple[float, int]] = []  # (time the POST started, lines sent including it)

    def feeder() -> None:
        per_batch, sent, next_at = rate // 50, 0, time.monotonic()  # a batch every 20 ms
        while not stop.is_set():
            ts = time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())
            body = b"".join(
                format_frame(LogRecord(ts, "app", "web.1", f"bulk line {sent + k} " + "x" * 80))
                for k in range(per_batch)
            )
            t = time.monotonic()
            client.post(
                f"{base}/drains/bench",
                content=body,
                headers={
                    "Content-Type": "application/logplex-1",
                    "Logplex-Msg-Count": str(per_batch),
                    "Logplex-Frame-Id": uuid.uuid4().hex,
                },
            )
            sent += per_batch
            posted.append((t, sent))
            next_at += 0.02
            time.sleep(max(0.0, next_at - time.monotonic()))

    try:
        # The app has no lines yet: the explorer waits for them, then follows.
        ingest = b"".join(
            format_frame(LogRecord(time.strftime("%Y-%m-%dT%H:%M:%SZ"), "app", "web.1", "start"))
            for _ in range(1)
        )
        client.post(
            f"{base}/drains/bench",
            content=ingest,
            headers={"Content-Type": "application/logplex-1", "Logplex-Msg-Count": "1"},
        )
        deadline = time.monotonic() + 20
        while "start" not in screen() and time.monotonic() < deadline:
            time.sleep(0.05)
        thread = threading.Thread(target=feeder, daemon=True)
        thread.start()
        reached: list[tuple[float, int]] = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            number = newest()
            reached.append((time.monotonic(), number + 1))  # lines 0..number are on screen
            time.sleep(POLL)
        keys = key_answers(name)
        stop.set()
        thread.join(5)
        time.sleep(1.0)
        lat = []
        for t_post, total in posted:
            when = next((t for t, c in reached if c >= total and t >= t_post), None)
            if when is not None:
                lat.append((when - t_post) * 1000)
        lat.sort()
        if not lat:
            raise SystemExit("no batch seen on screen; last screen:\n" + screen())
        p95 = lat[int(len(lat) * 0.95) - 1]
        sent = posted[-1][1] if posted else 0
        print(
            f"following {rate:,} lines/s from the router: POST→screen p50 "
            f"{statistics.median(lat):.0f} ms, p95 {p95:.0f} ms over {len(lat)} batches; "
            f"sent {sent:,}, explorer holds {shown() - 1:,}; key answers {keys} ms"
        )
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name])
        client.close()
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    if not TUITIME.exists():
        sys.exit("needs ../shared/tools/tuitime.py")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
