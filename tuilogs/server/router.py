"""The live state of one router: store, tails, sessions, forwarders, syslog listeners, upkeep.

`Router.start` and `stop` run in the ASGI app's lifespan (`app.create_app`). Ingest from any
listener ends in `ingest` (or, for the drain endpoint, which parses and stores in one worker
thread, in `append` and `published`): the batch is redacted when the router redacts
(`Settings.redaction`) and committed, then `lines_committed` wakes tails (`Hub`, through
`Fanout` on a shared store, which also announces other routers' batches there), the alert
rules and the upkeep thread, and wakes the app's drain forwarders, which read the lines from
the store (`forward`). Blocking store calls run in worker threads; everything else runs on
the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from typing import TYPE_CHECKING

import anyio.to_thread

from tuilogs.core import locations as paths
from tuilogs.core.record import LogRecord

from .fanout import Fanout
from .hops import REPORT_HOPS
from .hub import Hub
from .maintenance import Maintenance
from .sessions import SessionManager
from .settings import Settings
from .store import LogStore, StoreError, open_store

if TYPE_CHECKING:
    from .alerting.service import Alerting
    from .forward import ForwarderManager
    from .store.alerts_interface import AlertStore
    from .store.pg_alerts import PostgresAlertStore
    from .syslog import SyslogServer

log = logging.getLogger("tuilogs.server")

STORE_ERROR_LOG_INTERVAL = 5.0  # seconds: a full disk is logged, not once per batch


class Router:
    """One router instance (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: LogStore | None = None
        self.hub = Hub(settings.tail_buffer_total_bytes, settings.tail_buffer_bytes)
        self.sessions = SessionManager(settings.session_ttl)
        self.forwarders: ForwarderManager | None = None
        self.syslog_servers: list[SyslogServer] = []
        self.syslog_sockets: list[tuple[socket.socket, ssl.SSLContext | None]] = []  # by run
        self.loop: asyncio.AbstractEventLoop | None = None
        self.maintenance: Maintenance | None = None
        self.alerting: Alerting | None = None
        self.alert_store: AlertStore | None = None  # saved searches, even without `alerting`
        self.fanout: Fanout | None = None  # a store shared with other routers (fanout.py)
        self._tasks: set[asyncio.Task] = set()
        self._last_store_error_log = 0.0

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        store = await anyio.to_thread.run_sync(self._open_store)
        self.store = store
        feed = getattr(store, "commit_feed", None)
        if feed is not None:
            self.fanout = Fanout(self.hub, store, feed())
            await self.fanout.start(self.lines_committed)
        self.maintenance = Maintenance(store, self.settings.maintenance_interval)
        self.maintenance.start()
        if self.settings.redaction is not None:
            log.info("redacting lines with: %s", ", ".join(self.settings.redaction.names))
        await self._start_alerting(store)
        if self.settings.forward:
            from .drain_targets import TargetPolicy
            from .forward import ForwarderManager

            self.forwarders = ForwarderManager(
                store,
                self._report,
                lease_ttl=self.settings.drain_lease_ttl,
                targets=TargetPolicy.from_settings(self.settings),
            )
            await self.forwarders.start()
        await self._start_syslog()

    def _open_store(self) -> LogStore:
        s = self.settings
        return open_store(
            s.store_url or str(s.db_path or paths.store_path()),
            retention_seconds=s.retention_seconds,
            retention_bytes=s.retention_bytes,
            max_bytes=s.max_db_bytes,
            durability=s.durability,
        )

    async def _start_alerting(self, store: LogStore) -> None:
        """Alert rules and saved searches, kept in the log store's database (alerting/): on
        SQLite this router evaluates its rules; on PostgreSQL one router of the team does, by
        a lease, over every router's lines (`alerting/team.py`)."""
        from .alerting.service import Alerting
        from .store.sqlite import SQLiteStore

        assert self.loop is not None
        try:
            if isinstance(store, SQLiteStore):
                from .alerting.matcher import StoreMatcher
                from .store.sqlite_alerts import SQLiteAlertStore

                alert_store = await anyio.to_thread.run_sync(SQLiteAlertStore, store.db)
                path = store.path
                alerting = Alerting(
                    alert_store, lambda: StoreMatcher(path), self.settings, self._report, self.loop
                )
            else:
                from .alerting.pg_matcher import PgMatcher
                from .alerting.team import TeamAlerting

                alert_store = await anyio.to_thread.run_sync(_shared_alert_store, store)
                url = store.db.url  # type: ignore[attr-defined]
                alerting = TeamAlerting(
                    alert_store, lambda: PgMatcher(url), self.settings, self._report, self.loop
                )
            self.alert_store = alert_store
            await alerting.start()
        except StoreError as exc:  # a full disk at start: lines are served, rules are off
            log.error("alert rules are off: %s", exc)
            return
        self.alerting = alerting

    async def _start_syslog(self) -> None:
        """Serve syslog on the sockets `run` bound (`syslog_sockets`: socket, TLS context)."""
        if not self.syslog_sockets:
            return
        from .listener import ConnectionLimits
        from .syslog import SyslogServer

        s = self.settings
        for sock, ctx in self.syslog_sockets:
            server = SyslogServer(
                sock,
                self.on_syslog,
                ctx,
                limits=ConnectionLimits.of(s),
                first_read_timeout=s.read_timeout,
            )
            server.start()
            self.syslog_servers.append(server)

    def syslog_ports(self) -> list[int]:
        return [srv.port for srv in self.syslog_servers]

    async def stop(self) -> None:
        for server in self.syslog_servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.close(), 2)
        if self.forwarders is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.forwarders.aclose(), 5)
        if self.alerting is not None:
            with contextlib.suppress(Exception):
                await self.alerting.stop()
        for task in list(self._tasks):
            task.cancel()
        if self.fanout is not None:
            await self.fanout.stop()
        if self.maintenance is not None:
            await anyio.to_thread.run_sync(self.maintenance.stop)
        if self.store is not None:
            await anyio.to_thread.run_sync(self.store.close)

    # -- ingest --------------------------------------------------------------------------

    def log_store_error(self, app: str, exc: StoreError) -> None:
        """Log a failed write (e.g. a full disk) at most every few seconds."""
        now = time.monotonic()
        if now - self._last_store_error_log > STORE_ERROR_LOG_INTERVAL:
            self._last_store_error_log = now
            log.error("cannot store logs for %s: %s", app, exc)

    def published(self, app: str, ids: tuple[int, int], records: list[LogRecord]) -> None:
        """After a commit here (`ids`: the batch's first and last id): `lines_committed`."""
        self.lines_committed(app, ids[1], records)

    def lines_committed(
        self, app: str, last_id: int, records: list[LogRecord] | None = None
    ) -> None:
        """`app` has committed lines up to `last_id`: the one entry point, on the event loop,
        for lines this router stored (`records`: that batch) and for lines another router
        stored in a shared store (no records: `fanout.py` reads them by id). Tails get every
        line once and in id order; the alert rules see every batch (on a shared store, the
        evaluating router's: alerting/team.py); the upkeep thread is nudged for local ones."""
        if self.fanout is not None:
            self.fanout.committed(app, last_id, records)
        elif records:
            self.hub.publish(app, last_id - len(records) + 1, records)
        if self.alerting is not None:
            self.alerting.committed(app, last_id, records)
        if records is not None and self.maintenance is not None:
            self.maintenance.nudge()
        if self.forwarders is not None:  # they read the new lines from the store
            self.forwarders.wake(app)

    def append(
        self, app: str, records: list[LogRecord], frame_id: str | None = None, hops: int = 0
    ) -> tuple[tuple[int, int] | None, list[LogRecord]]:
        """Redact (when the router redacts) and store one batch; its ids and the records as
        stored, which are what tails and drains get. Blocking: call it in a worker thread.

        The counts per rule are added to the store's totals (`log-stats`) once the batch is
        stored; a retried batch the store already has counts nothing.
        """
        assert self.store is not None
        redaction = self.settings.redaction
        counts = None
        if redaction is not None:
            records, counts = redaction.redact_records(records)
        ids = self.store.append(app, records, frame_id, hops)
        if ids is not None and counts:
            self.store.add_redactions(app, counts)
        return ids, records

    async def ingest(
        self,
        app: str,
        records: list[LogRecord],
        frame_id: str | None = None,
        hops: int = 0,
    ) -> tuple[int, int] | None:
        """Store (redacted) and publish one batch (`hops`: how many routers it came through,
        see `server.hops`); raises StoreError (e.g. StoreFull)."""
        ids, records = await anyio.to_thread.run_sync(self.append, app, records, frame_id, hops)
        if ids is not None:
            self.published(app, ids, records)
        return ids

    async def on_syslog(self, app: str, records: list[LogRecord]) -> None:
        try:
            await self.ingest(app, records)
        except StoreError as exc:
            self.log_store_error(app, exc)

    # -- drains --------------------------------------------------------------------------

    def _report(self, app: str, record: LogRecord) -> None:
        """Forwarders report delivery trouble into the app's own log (thread-safe).

        Reported lines are not forwarded again, so a failing drain cannot feed itself.
        """
        loop = self.loop
        if loop is None or loop.is_closed():
            return

        def spawn() -> None:
            task = loop.create_task(self._store_report(app, record))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            spawn()
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(spawn)

    async def _store_report(self, app: str, record: LogRecord) -> None:
        try:
            await self.ingest(app, [record], hops=REPORT_HOPS)
        except StoreError as exc:
            self.log_store_error(app, exc)

    async def sync_drains(self) -> None:
        """Bring the forwarders in line with the stored drains (after adding or removing one)."""
        if self.forwarders is not None:
            await self.forwarders.refresh()


def _shared_alert_store(store: LogStore) -> PostgresAlertStore:
    """The alerting tables of a PostgreSQL store, over its connection pool (blocking)."""
    from .store.pg_alerts import PostgresAlertStore
    from .store.postgres import PostgresStore

    assert isinstance(store, PostgresStore)
    return PostgresAlertStore(store.db.pool)
