"""`tuilogs demo`'s simulated app, live: its lines POSTed through a real drain endpoint.

The lines come from `tuilogs.core.simulation`; here they are sent as Logplex sends them
(octet-counted frames, Basic auth from the drain URL's userinfo, a stable
`Logplex-Frame-Id` per batch across retries), so the demo exercises the router for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import uuid
from datetime import datetime, timedelta, timezone

import httpx

from tuilogs.core.drain_urls import split_userinfo
from tuilogs.core.logplex_batch import LogplexBatch
from tuilogs.core.record import LogRecord, log_timestamp
from tuilogs.core.simulation import SimulatedApp, generate

log = logging.getLogger(__name__)

USER_AGENT = "Logplex/v123 (tuilogs demo)"


def _auth(credentials: tuple[str, str] | None) -> httpx.BasicAuth | None:
    return httpx.BasicAuth(*credentials) if credentials else None


async def simulate(
    drain_url: str,
    app: str = "demo",
    rate: float = 20.0,
    seed: int | None = None,
    stop: asyncio.Event | None = None,
    *,
    max_pending: int = 20_000,
) -> int:
    """Run the simulated app, POSTing Logplex batches to ``drain_url`` until ``stop`` is set.

    ``drain_url`` is a full drain URL such as ``http://user:TOKEN@127.0.0.1:PORT/drains/demo``;
    its userinfo becomes Basic auth, as Logplex does. About ``rate`` lines per second, posted
    every 100–200 ms with the current time. Failed batches are retried (same
    ``Logplex-Frame-Id``) on the next tick; at most ``max_pending`` lines wait. Returns the
    number of lines the endpoint accepted.
    """
    rng = random.Random(seed)
    sim = SimulatedApp(rng, app)
    url, credentials = split_userinfo(drain_url)
    token = f"d.{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    stop = stop or asyncio.Event()
    pending: list[LogplexBatch] = []
    sent = 0
    carry = 0.0  # seconds into the next event, across ticks
    async with httpx.AsyncClient(
        timeout=5.0, auth=_auth(credentials), headers={"User-Agent": USER_AGENT}
    ) as client:
        while not stop.is_set():
            tick = rng.uniform(0.1, 0.2)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)
            records, carry = _lines_of_tick(sim, rng, rate, tick, carry)
            if records:
                frame_id = uuid.UUID(int=rng.getrandbits(128)).hex.upper()
                pending.append(LogplexBatch(records, frame_id=frame_id, drain_token=token))
            while sum(len(b) for b in pending) > max_pending:
                pending.pop(0)
            sent += await _post_pending(client, url, pending)
    return sent


def _lines_of_tick(
    sim: SimulatedApp, rng: random.Random, rate: float, tick: float, carry: float
) -> tuple[list[LogRecord], float]:
    """The lines of the events of the last `tick` seconds (about `rate` a second, at random
    times), stamped with the time each happened; `carry` is the time into the next event."""
    now = datetime.now(timezone.utc)
    records: list[LogRecord] = []
    carry -= tick
    while carry < 0:
        carry += rng.expovariate(rate)
        at = now + timedelta(seconds=min(0.0, carry - tick))
        for i, (source, dyno, msg) in enumerate(sim.event()):
            stamp = log_timestamp(at + timedelta(microseconds=137 * i))
            records.append(LogRecord(stamp, source, dyno, msg))
    return records, carry


async def _post_pending(client: httpx.AsyncClient, url: str, pending: list[LogplexBatch]) -> int:
    """POST the waiting batches, oldest first, until one fails (it waits for the next tick
    and keeps its frame id); how many lines the endpoint accepted."""
    sent = 0
    while pending:
        batch = pending[0]
        try:
            resp = await client.post(url, content=batch.body, headers=batch.headers())
        except httpx.HTTPError as exc:
            log.warning("demo: posting to %s failed: %s", url, exc)
            break
        if resp.status_code >= 500 or resp.status_code == 429:
            log.warning("demo: %s answered %d; retrying", url, resp.status_code)
            break
        pending.pop(0)
        if resp.status_code < 300:
            sent += len(batch)
        else:
            log.warning("demo: %s rejected a batch: %d %s", url, resp.status_code, resp.text[:200])
    return sent


def seed_history(drain_url: str, app: str, lines: int, rate: float, seed: int = 1) -> int:
    """POST `lines` lines of the simulated app's recent past through the real drain endpoint,
    so a demo opens on history; returns how many the endpoint accepted."""
    url, credentials = split_userinfo(drain_url)
    start = datetime.now(timezone.utc) - timedelta(seconds=lines / max(rate, 1.0))
    records = list(generate(lines, seed, app=app, start=start, rate=rate))
    sent = 0
    with httpx.Client(timeout=30, auth=_auth(credentials)) as client:
        for i in range(0, len(records), 500):
            batch = LogplexBatch(records[i : i + 500], drain_token=f"d.{uuid.uuid4()}")
            headers = {**batch.headers(), "User-Agent": USER_AGENT}
            resp = client.post(url, content=batch.body, headers=headers)
            if resp.status_code < 300:
                sent += len(batch)
    return sent


class SimulatorThread:
    """`simulate` on its own thread and event loop, for the demo command."""

    def __init__(self, drain_url: str, app: str, rate: float) -> None:
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(
            target=self._loop.run_until_complete,
            args=(self._run(drain_url, app, rate),),
            daemon=True,
            name="simulator",
        )
        self._thread.start()

    async def _run(self, drain_url: str, app: str, rate: float) -> None:
        await simulate(drain_url, app, rate, stop=self._stop)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)


def start_simulator(drain_url: str, app: str, rate: float) -> SimulatorThread:
    return SimulatorThread(drain_url, app, rate)


# -- `tuilogs demo`: the command (registered in cli/main.py) ---------------------------------


def add_arguments(p) -> None:
    """`tuilogs demo`'s options; `p` is its argparse subparser."""
    p.description = (
        "An embedded router with a simulated app posting through the real drain endpoint."
    )
    p.add_argument("--rate", type=float, default=40.0, help="lines per second (default 40)")
    p.add_argument("--history", type=int, default=3000, help="lines of history to start with")
    p.set_defaults(run=run_demo)


def run_demo(args) -> int:
    """An embedded router in a throwaway data directory, the simulated app posting to it, and
    the explorer following the app; everything is removed on the way out."""
    import os
    import shutil
    import tempfile

    home = tempfile.mkdtemp(prefix="tuilogs-demo-")
    os.environ["TUILOGS_HOME"] = home  # the demo's router keeps its data apart from a real one
    from tuilogs.cli.explore import run_explorer
    from tuilogs.platform.client import PlatformClient
    from tuilogs.platform.live import open_app
    from tuilogs.server.run import start_in_thread
    from tuilogs.ui.options import ExplorerOptions, FollowedApp

    router = start_in_thread(port=0)
    seed_history(router.drain_url("demo"), "demo", args.history, args.rate)
    simulator = start_simulator(router.drain_url("demo"), "demo", args.rate)
    client = PlatformClient(router.base_url, router.token, kind="local")

    def start(feed, buffer):
        return open_app(client, "demo", feed, buffer.origins)

    def cleanup():
        simulator.stop()
        client.close()
        router.stop()
        shutil.rmtree(home, ignore_errors=True)

    return run_explorer(
        start,
        "demo",
        f"embedded router {router.base_url} · simulated app",
        ExplorerOptions(app=FollowedApp(client, "demo")),
        cleanup=cleanup,
    )
