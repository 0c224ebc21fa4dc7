"""kill -9 of a router process mid-ingest: every acknowledged batch survives, the store is sound
(on SQLite and on PostgreSQL; tests/pg/test_team.py kills one of two routers)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tuilogs.core import locations as paths
from tuilogs.core.logplex_batch import LogplexBatch
from tuilogs.server.store import open_store
from tuilogs.server.store.sqlite import SQLiteStore

from kit.routerkit import rec

pytestmark = pytest.mark.stores("sqlite", "postgres")


def start_router(env, *args: str) -> tuple[subprocess.Popen, str]:
    disc = paths.discovery_path()
    disc.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuilogs.server.run", "--port", "0", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if disc.exists():
            try:
                info = json.loads(disc.read_text())
            except ValueError:
                info = None
            if info and info["pid"] == proc.pid:
                return proc, info["base_url"]
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("router did not start")


def send_batches(
    base: str, token: str, worker: int, acked: list[int], stop: threading.Event
) -> None:
    """Batches of 200 lines (every other one: `worker` 0 or 1), noting each acknowledged one,
    until `stop` is set or the router is gone."""
    with httpx.Client(auth=("u", token), timeout=5) as c:
        for b in range(worker, 100_000, 2):
            if stop.is_set():
                return
            batch = LogplexBatch([rec(f"b{b} {i}") for i in range(200)], frame_id=f"batch-{b}")
            try:
                resp = c.post(f"{base}/drains/crash", content=batch.body, headers=batch.headers())
            except httpx.HTTPError:
                return
            if resp.status_code == 204:
                acked.append(b)


@pytest.fixture
def store_args(store_kind, request) -> list[str]:
    """The router's `--store` for this test's store (its own database on PostgreSQL)."""
    if store_kind == "postgres":
        return ["--store", request.getfixturevalue("postgres_url")]
    return []


def test_kill_9_mid_ingest_loses_no_acknowledged_batch(tuilogs_home, store_args):
    env = {**os.environ, "TUILOGS_HOME": str(tuilogs_home)}
    proc, base = start_router(env, *store_args)
    token = paths.token_path().read_text().strip()
    assert oct(paths.discovery_path().stat().st_mode & 0o777) == "0o600"
    acked: list[int] = []
    stop = threading.Event()

    threads = [
        threading.Thread(target=send_batches, args=(base, token, w, acked, stop)) for w in range(2)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 60 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    stop.set()
    for t in threads:
        t.join(10)
    assert len(acked) >= 60

    # Restart: the stale router.json (dead pid) is replaced; the data is all there.
    proc, base = start_router(env, *store_args)
    try:
        stats = httpx.get(
            f"{base}/apps/crash/log-stats", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert stats["lines"] >= 200 * len(acked)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    assert not paths.discovery_path().exists()

    store = open_store(store_args[1] if store_args else str(paths.store_path()))
    try:
        messages = {line.message for line in store.since("crash", 0, 10_000_000)}
        for b in acked:
            assert f"b{b} 0" in messages and f"b{b} 199" in messages
        # Batches are atomic: every stored batch is complete.
        assert store.count("crash") % 200 == 0
        if isinstance(store, SQLiteStore):
            assert store.integrity_check() == "ok"
            assert store.index_integrity_check() == "ok"
    finally:
        store.close()
