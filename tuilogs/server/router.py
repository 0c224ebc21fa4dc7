"""The live state of one router: store, tails, sessions, forwarders, syslog listeners, upkeep.

`Router.start` and `stop` run in the ASGI app's lifespan (`app.create_app`). Ingest from any
listener ends in `ingest` (or, for the drain endpoint, which parses and stores in one worker
thread, in `append` and `published`): the batch is redacted when the router redacts
(`Settings.redaction`) and committed, then tails are woken (`Hub`), the upkeep thread is
nudged and the lines are handed to the app's drains. Blocking store calls run in
worker threads; everything else runs on the event loop.
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

from .hub import Hub
from .maintenance import Maintenance
from .sessions import SessionManager
from .settings import Settings
from .store import LogStore, StoreError
from .store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from .alerting.service import Alerting
    from .forward import ForwarderManager
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
        self._tasks: set[asyncio.Task] = set()
        self._last_store_error_log = 0.0

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        store = await anyio.to_thread.run_sync(self._open_store)
        self.store = store
        self.maintenance = Maintenance(store, self.settings.maintenance_interval)
        self.maintenance.start()
        if self.settings.redaction is not None:
            log.info("redacting lines with: %s", ", ".join(self.settings.redaction.names))
        await self._start_alerting(store)
        if self.settings.forward:
            from .drain_targets import TargetPolicy
            from .forward import ForwarderManager

            self.forwarders = ForwarderManager(
                self._report, targets=TargetPolicy.from_settings(self.settings)
            )
            await self.sync_drains()
        await self._start_syslog()

    def _open_store(self) -> LogStore:
        s = self.settings
        return SQLiteStore(
            s.db_path or paths.store_path(),
            retention_seconds=s.retention_seconds,
            retention_bytes=s.retention_bytes,
            max_bytes=s.max_db_bytes,
            durability=s.durability,
        )

    async def _start_alerting(self, store: LogStore) -> None:
        """Alert rules and saved searches, kept in the log store's database (alerting/)."""
        from .alerting.matcher import StoreMatcher
        from .alerting.service import Alerting
        from .store.sqlite_alerts import SQLiteAlertStore

        assert self.loop is not None and isinstance(store, SQLiteStore)
        try:
            alert_store = await anyio.to_thread.run_sync(SQLiteAlertStore, store.db)
        except StoreError as exc:  # a full disk at start: lines are served, rules are off
            log.error("alert rules are off: %s", exc)
            return
        matcher = StoreMatcher(store.path)
        alerting = Alerting(alert_store, matcher, self.settings, self._report, self.loop)
        await anyio.to_thread.run_sync(alerting.start)
        self.alerting = alerting

    async def _start_syslog(self) -> None:
        """Serve syslog on the sockets `run` bound (`syslog_sockets`: socket, TLS context)."""
        if not self.syslog_sockets:
            return
        from .syslog import SyslogServer

        s = self.settings
        for sock, ctx in self.syslog_sockets:
            server = SyslogServer(
                sock,
                self.on_syslog,
                ctx,
                max_connections=s.max_connections,
                max_handshakes=s.max_tls_handshakes,
                handshake_timeout=s.handshake_timeout,
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

    def published(
        self,
        app: str,
        ids: tuple[int, int],
        records: list[LogRecord],
        forward: bool,
        hops: int = 0,
    ) -> None:
        """After a commit: wake tails, the indexer and the alert rules, hand the lines to the
        forwarders (`hops`: how many routers the lines came through, see `server.hops`)."""
        self.hub.publish(app, ids[0], records)
        if self.alerting is not None:
            self.alerting.offer(app, ids)
        if self.maintenance is not None:
            self.maintenance.nudge()
        if forward and self.forwarders is not None:
            try:
                self.forwarders.offer(app, records, hops)
            except Exception:
                log.exception("forwarding to drains of %s failed", app)

    def append(
        self, app: str, records: list[LogRecord], frame_id: str | None = None
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
        ids = self.store.append(app, records, frame_id)
        if ids is not None and counts:
            self.store.add_redactions(app, counts)
        return ids, records

    async def ingest(
        self,
        app: str,
        records: list[LogRecord],
        frame_id: str | None = None,
        forward: bool = True,
    ) -> tuple[int, int] | None:
        """Store (redacted), publish and forward one batch; raises StoreError (StoreFull)."""
        ids, records = await anyio.to_thread.run_sync(self.append, app, records, frame_id)
        if ids is not None:
            self.published(app, ids, records, forward)
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
            await self.ingest(app, [record], forward=False)
        except StoreError as exc:
            self.log_store_error(app, exc)

    async def sync_drains(self) -> None:
        """Bring the forwarders in line with the stored drains (after adding or removing one)."""
        if self.forwarders is None or self.store is None:
            return
        drains = await anyio.to_thread.run_sync(self.store.drains)
        self.forwarders.sync(drains)
