"""Drain forwarding benchmark on loopback: lines/s from the drain endpoint to an HTTP drain.

    python benchmarks/bench_forward.py [--lines 200000] [--per-post 700] [--workers 2]

A router in its own process (`routerproc.RouterProcess`) gets one HTTPS-style drain pointing
at a receiver in this process (a small asyncio HTTP server that answers 204 and counts the
frames of each POST, deduplicated by `Logplex-Frame-Id`). Batches of `--per-post` lines are
POSTed to `/drains/fwd` as fast as the router takes them; the figure is lines delivered per
second, from the first POST to the last line at the receiver, how many POSTs carried them,
the router's CPU time per line (steadier than wall time on a busy machine), and the lines lost
(it exits non-zero then) and POSTs repeated with a frame id already received.
`PYTHONPATH=/other/tree` measures another tree's router (before/after a change).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import tempfile
import threading
import time
from pathlib import Path

from routerproc import RouterProcess, frames, post

from tuilogs.core.record import LogRecord

TS = "2026-11-23T19:00:00.000000+00:00"


class Receiver:
    """An HTTP/1.1 keep-alive server in a thread: 204 to every POST, frames counted once per
    frame id."""

    def __init__(self) -> None:
        self.lines = 0
        self.posts = 0
        self.retries = 0  # POSTs whose frame id came before (dropped, as a receiver should)
        self.frame_ids: set[str] = set()
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.started.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.started.set()
        self.loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
                fields = dict(line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)
                await reader.readexactly(int(fields.get("content-length", "0")))
                frame_id = fields.get("logplex-frame-id", "").strip()
                self.posts += 1
                if frame_id in self.frame_ids:
                    self.retries += 1
                else:
                    self.frame_ids.add(frame_id)
                    self.lines += int(fields.get("logplex-msg-count", "0"))
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc: Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def records(n: int) -> list[LogRecord]:
    return [LogRecord(TS, "app", f"web.{i % 3 + 1}", f"line {i} " + "x" * 100) for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--per-post", type=int, default=700, help="lines per POST (700: ~100 KB)")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    rx = Receiver()
    with tempfile.TemporaryDirectory() as home:
        router = RouterProcess(Path(home))
        try:
            with router.api() as api:
                url = f"http://127.0.0.1:{rx.port}/logs"
                resp = api.post("/apps/fwd/log-drains", json={"url": url})
                assert resp.status_code == 201, resp.text
            lines = records(a.lines)
            chunks = [lines[i : i + a.per_post] for i in range(0, len(lines), a.per_post)]
            bodies = [(frames(c), len(c)) for c in chunks]
            clients = [router.api() for _ in range(a.workers)]
            for c in clients:
                c.auth = ("bench", router.token)
            url = f"{router.base_url}/drains/fwd"
            cpu0 = cpu_seconds(router.proc.pid)
            t0 = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(a.workers) as pool:
                jobs = [
                    pool.submit(post, clients[i % a.workers], url, body, n)
                    for i, (body, n) in enumerate(bodies)
                ]
                for job in jobs:
                    job.result()
            stored = time.perf_counter() - t0
            deadline = time.monotonic() + 600
            while rx.lines < a.lines and time.monotonic() < deadline:
                time.sleep(0.005)
            elapsed = time.perf_counter() - t0
            cpu = cpu_seconds(router.proc.pid) - cpu0
            for c in clients:
                c.close()
        finally:
            router.stop()
    print(
        f"{a.lines} lines in POSTs of {a.per_post}: stored in {stored:.2f} s; delivered"
        f" {rx.lines} in {elapsed:.2f} s -> {rx.lines / elapsed:,.0f} lines/s forwarded,"
        f" {rx.posts} POSTs to the drain; router CPU {cpu:.2f} s"
        f" ({cpu / a.lines * 1e6:.1f} us per line stored and forwarded);"
        f" lost {a.lines - rx.lines}, same-id retries {rx.retries}"
    )
    if rx.lines != a.lines:
        raise SystemExit(f"FAIL: {a.lines - rx.lines} lines not delivered")


if __name__ == "__main__":
    main()
