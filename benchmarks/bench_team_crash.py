"""kill -9 of a router mid-ingest and mid-forwarding (bench_team.py `--only crash`).

Two routers on one PostgreSQL database (or one router on SQLite, restarted after the kill, for
comparison). Senders behave as Logplex behind a load balancer: each batch has its own
`Logplex-Frame-Id`, and a batch that got no 2xx (the connection died with the router, or a 5xx)
is sent again with the same frame id to a router that is up. Every line is unique
(`TAG batch line`), so what was stored and delivered can be checked line by line:

* mid-ingest: batches alternate between the routers; router A is killed with -9 while they
  flow. Then every line of the app is read back (`log-lines?after=ID`, paged): lost = lines of
  acknowledged batches missing; duplicated = lines stored more than once.
* mid-forwarding: the app has an HTTPS-style drain to a receiver in this process; the router
  holding its lease (PostgreSQL: the owner in `tuilogs.drains`) is killed while lines are
  being forwarded and more arrive. The other router takes the drain over when the lease lapses
  (15 s by default), from the stored cursor. Lost = acknowledged lines that never reached the
  receiver; duplicated beyond retries = lines delivered under two different frame ids (a
  retry of one frame id is what the receiver drops, and what Logplex does too).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
from routerproc import RouterProcess, frames

from tuilogs.core.octet_counting import parse_logplex_body
from tuilogs.core.record import LogRecord

TS = "2026-11-23T19:00:00.000000+00:00"
LINES_PER_BATCH = 200


class Senders:
    """Threads posting unique batches until stopped, each retried (same frame id) at a live
    router until acknowledged; `acked` holds the acknowledged batch numbers."""

    def __init__(self, app: str, tag: str, targets: Callable[[], list[tuple[str, str]]]) -> None:
        self.app, self.tag, self.targets = app, tag, targets
        self.acked: list[int] = []
        self.retried = 0
        self.stop = threading.Event()
        self._next = iter(range(10**9))
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(2)]

    def records(self, b: int) -> list[LogRecord]:
        return [
            LogRecord(TS, "app", "web.1", f"{self.tag} {b} {i} " + "x" * 80)
            for i in range(LINES_PER_BATCH)
        ]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(120)

    def _run(self) -> None:
        k = 0
        with httpx.Client(timeout=10) as client:
            while not self.stop.is_set():
                with self._lock:
                    b = next(self._next)
                body = frames(self.records(b))
                headers = {
                    "Content-Type": "application/logplex-1",
                    "Logplex-Msg-Count": str(LINES_PER_BATCH),
                    "Logplex-Frame-Id": uuid.uuid4().hex,
                }
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    live = self.targets()
                    k += 1
                    if live:
                        base, token = live[k % len(live)]
                        try:
                            resp = client.post(
                                f"{base}/drains/{self.app}",
                                content=body,
                                headers=headers,
                                auth=("bench", token),
                            )
                            if resp.status_code == 204:
                                self.acked.append(b)
                                break
                        except httpx.HTTPError:
                            pass
                    self.retried += 1
                    time.sleep(0.05)

    def acked_lines(self) -> set[str]:
        return {r.message for b in self.acked for r in self.records(b)}


def stored_messages(router: RouterProcess, app: str) -> Counter:
    """Every stored line of `app`, counted by message (paged by id)."""
    out: Counter = Counter()
    after = 0
    with router.api() as c:
        while True:
            page = c.get(f"/apps/{app}/log-lines", params={"after": after, "limit": 10000})
            lines = page.json()["lines"]
            if not lines:
                return out
            out.update(line["message"] for line in lines)
            after = lines[-1]["id"]


class Fleet:
    """The routers of the run: two on one database, or one on SQLite (restarted after a kill)."""

    def __init__(self, homes: list[Path], url: str | None) -> None:
        self.url = url
        self.homes = homes
        self.routers = [RouterProcess(h, *(["--store", url] if url else [])) for h in homes]
        self.dead: set[int] = set()

    def live(self) -> list[tuple[str, str]]:
        return [(r.base_url, r.token) for i, r in enumerate(self.routers) if i not in self.dead]

    def kill(self, i: int) -> float:
        """kill -9 router `i`; the time of the kill."""
        self.dead.add(i)
        self.routers[i].proc.kill()
        self.routers[i].proc.wait()
        return time.monotonic()

    def restart_if_alone(self, i: int) -> None:
        """SQLite: the one router comes back on its file (nothing else can serve it)."""
        if len(self.routers) == 1:
            self.routers[i] = RouterProcess(self.homes[i])
            self.dead.discard(i)

    def survivor(self) -> RouterProcess:
        return next(r for i, r in enumerate(self.routers) if i not in self.dead)

    def stop(self) -> None:
        for i, r in enumerate(self.routers):
            if i not in self.dead:
                r.stop()


def crash_ingest(fleet: Fleet, seconds: float = 4.0) -> None:
    senders = Senders("crash", "ingest", fleet.live)
    senders.start()
    time.sleep(seconds)  # a benchmark's pacing, not synchronisation: batches flow meanwhile
    before = len(senders.acked)
    fleet.kill(0)
    fleet.restart_if_alone(0)
    time.sleep(seconds)
    senders.finish()
    stored = stored_messages(fleet.survivor(), "crash")
    want = senders.acked_lines()
    lost = len(want - set(stored))
    dup = sum(n - 1 for n in stored.values() if n > 1)
    print(
        f"kill -9 mid-ingest: {len(senders.acked)} batches acknowledged ({before} before the"
        f" kill), {len(want):,} lines; {senders.retried} sends retried with their frame id;"
        f" stored {sum(stored.values()):,}: {lost} acknowledged lines lost, {dup} duplicated"
    )


class DrainReceiver:
    """A drain receiver in a thread: 204 to every POST, each POST's frame id and messages kept."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, list[str], float]] = []
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
                fields = dict(line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)
                body = await reader.readexactly(int(fields.get("content-length", "0")))
                messages = [f.message for f in parse_logplex_body(body).frames]
                fid = fields.get("logplex-frame-id", "").strip()
                self.posts.append((fid, messages, time.monotonic()))
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    def delivered(self) -> set[str]:
        return {m for _, ms, _ in list(self.posts) for m in ms}


def lease_holder(fleet: Fleet) -> int:
    """Which router forwards the drain: the owner in the database (host:pid:…), or the one."""
    if fleet.url is None:
        return 0
    import psycopg

    with psycopg.connect(fleet.url, autocommit=True) as conn:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = conn.execute("select owner from tuilogs.drains where app = 'fwd'").fetchone()
            if row and row[0]:
                pid = int(row[0].split(":")[1])
                return next(i for i, r in enumerate(fleet.routers) if r.proc.pid == pid)
            time.sleep(0.1)
    raise SystemExit("no router took the drain's lease")


def crash_forwarding(fleet: Fleet, seconds: float = 4.0) -> None:
    rx = DrainReceiver()
    with fleet.routers[0].api() as api:
        url = f"http://127.0.0.1:{rx.port}/logs"
        assert api.post("/apps/fwd/log-drains", json={"url": url}).status_code == 201
    holder = lease_holder(fleet)
    senders = Senders("fwd", "fwd", fleet.live)
    senders.start()
    time.sleep(seconds)
    before = len(rx.delivered())
    killed_at = fleet.kill(holder)
    fleet.restart_if_alone(holder)
    time.sleep(seconds)
    senders.finish()
    want = senders.acked_lines()
    deadline = time.monotonic() + 120
    while not want <= rx.delivered() and time.monotonic() < deadline:
        time.sleep(0.1)
    after_kill = [t for _, _, t in list(rx.posts) if t > killed_at]
    handover = (min(after_kill) - killed_at) if after_kill else float("nan")
    ids_of: dict[str, set[str]] = {}
    for fid, messages, _ in list(rx.posts):
        for m in messages:
            ids_of.setdefault(m, set()).add(fid)
    lost = len(want - rx.delivered())
    dup = sum(1 for ids in ids_of.values() if len(ids) > 1)
    fids = [fid for fid, _, _ in rx.posts]
    print(
        f"kill -9 mid-forwarding (router {'AB'[holder]} held the lease): {len(want):,} lines"
        f" acknowledged, {before:,} delivered before the kill; first delivery after the kill"
        f" in {handover:.1f} s; {lost} acknowledged lines never delivered, {dup} delivered under"
        f" two frame ids; {len(fids) - len(set(fids))} same-id retries of {len(fids)} POSTs"
    )
