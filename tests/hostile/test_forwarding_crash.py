"""kill -9 of a router mid-forwarding: no acknowledged line is lost on its way to a drain, and
none arrives twice except as a retry with the same `Logplex-Frame-Id`.

Forwarders used to hold lines in memory, so a crash lost what they had not sent yet. Now a
drain is forwarded from a cursor in the store by the router holding its lease: the router is
killed while its drain holds a batch unanswered and more lines wait behind it; the next router
(on SQLite, the same one restarted; on PostgreSQL, any other) takes the lease once it lapses,
sends the held batch again with the same frame id, then the rest.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from collections import defaultdict

import httpx
import pytest

from tuilogs.core import locations as paths
from tuilogs.core.logplex_batch import LogplexBatch

from kit.receivers import HttpReceiver
from kit.routerkit import rec
from kit.waiting import until, wait_until

LEASE_TTL = 2.0  # seconds a dead router's lease lives on (15 by default)
LINES = 50  # per batch
ANSWERED = 20  # batches the drain takes before it holds one unanswered


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request) -> dict[str, object]:
    """The `serve` settings that put the router on each kind of store (on PostgreSQL the next
    router takes the drain over once the dead one's lease expired; tests/pg/test_team_crash.py
    has a second router running all along)."""
    if request.param == "postgres":
        return {"store_url": request.getfixturevalue("postgres_url")}
    return {}


def start_router(env: dict[str, str], settings: dict[str, object]) -> tuple[subprocess.Popen, str]:
    disc = paths.discovery_path()
    disc.unlink(missing_ok=True)
    code = (
        "import json, sys; from tuilogs.server.run import serve;"
        " serve(port=0, **json.loads(sys.argv[1]))"
    )
    args = json.dumps({"drain_lease_ttl": LEASE_TTL, **settings})
    proc = subprocess.Popen(
        [sys.executable, "-c", code, args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def announced() -> str | None:
        """the router's router.json"""
        assert proc.poll() is None, proc.stderr.read().decode()
        try:
            info = json.loads(disc.read_text())
        except (OSError, ValueError):
            return None
        return info["base_url"] if info.get("pid") == proc.pid else None

    return proc, wait_until(announced, 20)


def send_batches(base: str, token: str, acked: list[int], stop: threading.Event) -> None:
    """Batches of `LINES` lines, noting each acknowledged one, until `stop` or the router is
    gone."""
    with httpx.Client(auth=("u", token), timeout=5) as c:
        for b in range(100_000):
            if stop.is_set():
                return
            batch = LogplexBatch([rec(f"b{b} {i}") for i in range(LINES)], frame_id=f"in-{b}")
            try:
                resp = c.post(f"{base}/drains/crash", content=batch.body, headers=batch.headers())
            except httpx.HTTPError:
                return
            if resp.status_code == 204:
                acked.append(b)


async def test_kill_9_mid_forwarding_loses_and_repeats_nothing(tuilogs_home, store_settings):
    env = {**os.environ, "TUILOGS_HOME": str(tuilogs_home)}
    hold = asyncio.Event()  # never set while the router lives: a batch in flight at the kill
    async with HttpReceiver(script=[200] * ANSWERED + [hold]) as rx:
        proc, base = await asyncio.to_thread(start_router, env, store_settings)
        token = paths.token_path().read_text().strip()
        try:
            async with httpx.AsyncClient(
                base_url=base, headers={"Authorization": f"Bearer {token}"}
            ) as api:
                resp = await api.post("/apps/crash/log-drains", json={"url": rx.url()})
                assert resp.status_code == 201, resp.text
            acked: list[int] = []
            stop = threading.Event()
            sender = threading.Thread(target=send_batches, args=(base, token, acked, stop))
            sender.start()
            await rx.wait_requests(ANSWERED + 1, timeout=60)
            # Lines wait in the store behind the held batch, then the router dies.
            await until(lambda: len(acked) >= ANSWERED + 10, 30)
            os.kill(proc.pid, signal.SIGKILL)
            await asyncio.to_thread(proc.wait, 10)
        finally:
            if proc.poll() is None:
                proc.kill()
        stop.set()
        await asyncio.to_thread(sender.join, 10)
        hold.set()  # the held request ends (its router is gone)
        held = rx.requests[ANSWERED]

        proc, base = await asyncio.to_thread(start_router, env, store_settings)
        try:
            want = {f"b{b} {i}" for b in acked for i in range(LINES)}
            await until(lambda: want <= set(delivered(rx)), 60)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(proc.wait, 15) == 0

    frames_of: dict[str, set[str]] = defaultdict(set)
    for req in rx.accepted:
        for frame in req.frames:
            frames_of[frame.message].add(req.headers["logplex-frame-id"])
    repeated = {m: ids for m, ids in frames_of.items() if len(ids) > 1}
    assert repeated == {}, "lines delivered under two frame ids"
    again = [
        r for r in rx.accepted if r.headers["logplex-frame-id"] == held.headers["logplex-frame-id"]
    ]
    assert again and again[0].body == held.body, "the held batch was not sent again as a retry"
    sent = {f"b{b} {i}" for b in range(max(acked) + 2) for i in range(LINES)}  # +1: in flight
    assert set(frames_of) <= sent
    ids = [r.headers["logplex-frame-id"] for r in rx.accepted]
    print(f"acked {len(acked)} batches; {len(ids)} POSTs accepted, {len(set(ids))} frame ids")


def delivered(rx: HttpReceiver) -> list[str]:
    return [frame.message for req in rx.accepted for frame in req.frames]
