"""kill -9 of one of two routers on one PostgreSQL database, mid-ingest: no acknowledged line
is lost, no batch is half-stored, the ids of the app have no hole, and the other router goes
on taking batches."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tuilogs.core.logplex_batch import LogplexBatch
from tuilogs.server.store.postgres import PostgresStore

from kit.routerkit import rec
from kit.waiting import wait_until


class RouterProcess:
    """`python -m tuilogs.server.run --store URL` with its own TUILOGS_HOME."""

    def __init__(self, home: Path, url: str) -> None:
        env = {**os.environ, "TUILOGS_HOME": str(home)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tuilogs.server.run", "--port", "0", "--store", url],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        disc = home / "config" / "router.json"

        def started() -> dict | None:
            """the router's router.json"""
            assert self.proc.poll() is None, self.proc.stderr.read().decode()
            try:
                info = json.loads(disc.read_text())
            except (OSError, ValueError):
                return None
            return info if info.get("pid") == self.proc.pid else None

        self.base_url = wait_until(started, 30, 0.05)["base_url"]
        self.token = (home / "config" / "token").read_text().strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(15)


def send(router: RouterProcess, first: int, acked: list[int], stop: threading.Event) -> None:
    """Batches of 200 lines numbered first, first + 4, … until `stop` or the router is gone."""
    with httpx.Client(auth=("u", router.token), timeout=5) as c:
        for b in range(first, 1_000_000, 4):
            if stop.is_set():
                return
            batch = LogplexBatch([rec(f"b{b} {i}") for i in range(200)], frame_id=f"batch-{b}")
            try:
                resp = c.post(
                    f"{router.base_url}/drains/crash", content=batch.body, headers=batch.headers()
                )
            except httpx.HTTPError:
                return
            if resp.status_code == 204:
                acked.append(b)


def test_kill_9_of_one_router_loses_nothing_and_the_other_goes_on(tmp_path, postgres_url):
    a = RouterProcess(tmp_path / "a", postgres_url)
    b = RouterProcess(tmp_path / "b", postgres_url)
    acked_a: list[int] = []
    acked_b: list[int] = []
    stop_a, stop_b = threading.Event(), threading.Event()
    threads = [
        threading.Thread(target=send, args=(a, 0, acked_a, stop_a)),
        threading.Thread(target=send, args=(a, 2, acked_a, stop_a)),
        threading.Thread(target=send, args=(b, 1, acked_b, stop_b)),
        threading.Thread(target=send, args=(b, 3, acked_b, stop_b)),
    ]
    try:
        for t in threads:
            t.start()
        wait_until(lambda: len(acked_a) >= 40 and len(acked_b) >= 40, 60)
        os.kill(a.proc.pid, signal.SIGKILL)
        a.proc.wait(10)
        after_kill = len(acked_b)
        wait_until(lambda: len(acked_b) >= after_kill + 20, 60)  # B goes on
    finally:
        stop_a.set()
        stop_b.set()
        for t in threads:
            t.join(15)
        b.stop()
        a.stop()
    store = PostgresStore(postgres_url)
    try:
        lines = store.since("crash", 0, 10_000_000)
    finally:
        store.close()
    messages = {line.message for line in lines}
    for n in acked_a + acked_b:
        assert f"b{n} 0" in messages and f"b{n} 199" in messages
    assert len(lines) % 200 == 0  # no batch half-stored
    assert [line.id for line in lines] == list(range(1, len(lines) + 1))  # no hole in the ids
