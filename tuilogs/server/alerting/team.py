"""Alert rules on a team's router (several routers, one PostgreSQL database): one router
evaluates every router's lines at a time, the others serve the rules' endpoints.

Who evaluates: the router holding the lease `alert-rules` (`store/postgres_leases.py`, as a
drain's forwarder holds its drain's). Each router tries to take or renew it every `ttl / 3`
seconds (`Settings.drain_lease_ttl`, the drains' ttl), in a task of its own so that starting
or stopping the engine (a child process) never delays a renewal; the holder runs the shared
`AlertEngine` on a store whose state writes check the lease in their own transaction
(`PostgresAlertStore.for_owner`), so a router that lost it writes and notifies nothing more,
and its successor starts from what was stored: the windows and each app's cursor, saved every
`alert_tick` and with every firing. A window that fired is stored as fired before anyone is
told, so a handover never fires it again; what the last holder evaluated after its last save
is counted again, in windows that fired or not. A router that stops cleanly saves and releases
at once; one that dies hands over when its lease expires.

What it evaluates: the new lines of each app with rules, read from the database by id by the
matcher's child process (`pg_matcher.PgMatcher`), whichever router stored them. It is woken by
`committed` — this router's batches and, through the store's NOTIFY (`fanout.Fanout`), every
other router's — and, as a fallback for a notification lost while the listener reconnected,
by a poll every `alert_tick` (at most `ttl / 3`), which also reloads the rules when any router
added or removed one (`PostgresAlertStore.version`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from tuilogs.core.record import LogRecord

from ..forward import LEASE_MARGIN, new_owner
from ..settings import Settings
from ..store.interface import StoreError
from ..store.pg_alerts import PostgresAlertStore
from .engine import Matcher
from .service import RELOAD_WAIT, Alerting, Report

log = logging.getLogger("tuilogs.server.alerts")

MIN_POLL = 0.05  # seconds: the poll's shortest interval (tests tick faster than people do)
STOP_WAIT = 3.0  # seconds a stopping router gives each of: an engine starting, saving the
# states, releasing the lease (a database that is away must not hold the router's stop)


class TeamAlerting(Alerting):
    """`Alerting` under the rules' lease, fed by every router (see the module docstring)."""

    store: PostgresAlertStore

    def __init__(
        self,
        store: PostgresAlertStore,
        matcher: Callable[[], Matcher],
        settings: Settings,
        report: Report,
        loop: asyncio.AbstractEventLoop,
        *,
        owner: str | None = None,
    ) -> None:
        super().__init__(store, matcher, settings, report, loop)
        self.owner = owner or new_owner()
        self.lease_ttl = settings.drain_lease_ttl
        self.poll_interval = max(MIN_POLL, min(settings.alert_tick, self.lease_ttl / 3))
        self.expires_at = 0.0  # of the lease, while this router holds it
        self._heads: dict[str, int] = {}  # per app with rules: the last id offered
        self._version: str | None = None  # of the rules the engine loaded
        self._held = False  # the lease, as last renewed
        self._switch = asyncio.Event()  # `_held` changed: start or stop the engine
        self._switching: asyncio.Future | None = None  # an engine starting or stopping
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        """Take the lease if it is free (a lone router evaluates from its start), then keep
        renewing it, polling, and starting or stopping the engine as the lease comes and goes
        (three tasks: a slow engine start never delays a renewal)."""
        try:
            await self._renew()
            await self._follow_lease()
        except StoreError as exc:  # the database is away: the tasks try again
            log.warning("alert rules: cannot start evaluating yet (%s)", exc)
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._every(self.lease_ttl / 3, self._renew), name="alert lease"),
            loop.create_task(self._every(self.poll_interval, self._poll), name="alert poll"),
            loop.create_task(self._switcher(), name="alert engine"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._switching is not None:  # an engine starting: stopped below once it has
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._switching), STOP_WAIT)
        held = self.engine is not None
        # the states are saved while the lease is still ours; a database that is away does
        # not hold the router's stop longer than the drains' (forward.py)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(super().stop(), STOP_WAIT)
        if held:
            try:
                release = asyncio.to_thread(self.store.release_lease, self.owner)
                await asyncio.wait_for(release, STOP_WAIT)
            except (StoreError, asyncio.TimeoutError) as exc:
                log.warning("cannot release the alert rules' lease (%r); it expires", exc)

    def evaluates(self, app: str, rule_id: str) -> bool:
        """Whether this router evaluates the rule `rule_id` of `app` now: it holds the lease,
        its engine has loaded the rule, and it knows where the app's lines stand."""
        engine = self.engine
        return engine is not None and app in self._heads and engine.state(rule_id) is not None

    # -- from the event loop ---------------------------------------------------------------

    def committed(self, app: str, last_id: int, records: list[LogRecord] | None) -> None:
        """Any router stored lines of `app` up to `last_id`: evaluate them, once."""
        engine = self.engine
        known = self._heads.get(app)
        if engine is None or (known is not None and last_id <= known):
            return
        if records:
            first = last_id - len(records) + 1
        elif known is not None:
            first = known + 1
        else:
            return  # an app whose rules are new here: the next poll says where to start
        self._heads[app] = last_id
        engine.offer(app, (first, last_id))

    async def _every(self, interval: float, step: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await step()
            except StoreError as exc:
                log.warning("alert rules: the store failed (%s); retrying", exc)
            except Exception:  # a bug here must not end the rules silently
                log.exception("alert rules: %s failed", getattr(step, "__name__", step))

    async def _renew(self) -> None:
        """Renew or take the lease (the switcher starts or stops the engine to match)."""
        try:
            expires = await asyncio.to_thread(self.store.hold_lease, self.owner, self.lease_ttl)
        except StoreError as exc:
            log.warning("cannot renew the alert rules' lease (%s); retrying", exc)
            held = self._held and time.time() < self.expires_at - LEASE_MARGIN
        else:
            held = expires is not None
            self.expires_at = expires or 0.0
        if held != self._held:
            self._held = held
            self._switch.set()

    async def _switcher(self) -> None:
        while True:
            await self._switch.wait()
            self._switch.clear()
            try:
                await self._follow_lease()
            except Exception:  # a bug, or the store failing at start: the next renewal retries
                log.exception("alert rules: starting or stopping the engine failed")
                self._held = False

    async def _follow_lease(self) -> None:
        """Start the engine when the lease is ours, stop it when it is not."""
        if self._held and self.engine is None:
            store = self.store.for_owner(self.owner)
            self._switching = asyncio.ensure_future(asyncio.to_thread(self._start_engine, store))
            await asyncio.shield(self._switching)
            log.info("alert rules: this router evaluates them")
        elif not self._held and self.engine is not None:
            log.info("alert rules: another router evaluates them now")
            self._switching = asyncio.ensure_future(asyncio.to_thread(self._stop_engine))
            await asyncio.shield(self._switching)

    def _start_engine(self, store) -> None:  # type: ignore[override]
        """Start from the stored states and cursors, and offer each app its stored lines, so
        what came while nobody evaluated is read now."""
        self._version = self.store.version()
        super()._start_engine(store)
        heads = self.store.heads()
        assert self.engine is not None
        for app, head in heads.items():
            self.engine.offer(app, (head + 1, head))
        self._heads = heads

    async def _poll(self) -> None:
        """Reload changed rules; offer lines no notification announced (see the docstring)."""
        engine = self.engine
        if engine is None:
            return
        heads = await asyncio.to_thread(self._read_poll, engine)
        if self.engine is not engine:
            return
        for app, head in heads.items():
            known = self._heads.get(app)
            if known is None:
                self._heads[app] = head  # rules new here: they count what comes next
            elif head > known:
                self._heads[app] = head
                engine.offer(app, (known + 1, head))

    def _read_poll(self, engine) -> dict[str, int]:
        version = self.store.version()
        if version != self._version:
            self._version = version
            engine.reload()
            engine.wait_idle(RELOAD_WAIT)
        return self.store.heads()
