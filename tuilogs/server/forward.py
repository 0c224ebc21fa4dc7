"""Drain forwarding: every line an app stores goes to each of its drains, as Logplex sends it.

Each drain is forwarded by one router at a time: the one holding its lease in the store
(`LogStore.lease_drains`, renewed every `lease_ttl / 3`). It reads the app's lines from the
drain's cursor (`drain_cursor`), sends them, and moves the cursor on after a 2xx (or a final
4xx that drops the batch); the store learns the cursor (`advance_drain`) within
`SAVE_INTERVAL` of each move, also while a send hangs. A router that stops cleanly delivers
what it can within a second and releases its leases; one that dies loses them after
`lease_ttl`, and whichever router takes a drain over goes on from the stored cursor. So no
line is lost, and a line is sent twice only as a retry with the same `Logplex-Frame-Id`
(`drain_cursor.frame_id`): the batch a dead router was sending, and what it delivered after
its last cursor write. A syslog drain, which has no frame ids, may get those lines twice. A
router sends nothing once its lease is about to lapse unrenewed (`LEASE_MARGIN`).

Forwarders wake when their app commits lines (`ForwarderManager.wake`, from
`Router.lines_committed`) and read the store every `poll_interval` seconds anyway. One
``DrainForwarder`` per drain, each an asyncio task:

* ``https://`` / ``http://`` drains get ``application/logplex-1`` POSTs of octet-counted frames
  (hostname ``host``, no structured data) with ``Logplex-Msg-Count``, ``Logplex-Frame-Id``,
  ``Logplex-Drain-Token`` and a ``Logplex/…`` user agent; Basic auth comes from the URL's
  userinfo, which is stripped from the request URL (all built by ``core.logplex_batch`` and
  ``core.drain_urls``, as for every sender). 429, 408, 5xx, timeouts and connection errors are
  retried with exponential backoff and jitter for as long as it takes (the lines wait in the
  store meanwhile); any other 4xx drops the batch.
* ``syslog://`` / ``syslog+tls://`` drains get the same frames with the drain token as hostname
  and ``- -`` over one persistent connection, reconnected with backoff.

Where a drain may connect is checked at every connect (``drain_targets``: resolve, check each
address, connect to the checked address, TLS still verified against the drain's host name), and
each batch says how many routers it has passed (``Tuilogs-Hops``, see ``hops``), so loops end.
A forwarded frame is always one line: CR and LF inside a message travel escaped (``\\x0d``,
``\\x0a``), so a message cannot smuggle a command line to whatever listens at a drain's
address (a syslog drain pointed at Redis used to deliver ``SET pwned 1``).

Delivery problems go to the app's own log through ``report`` as ``heroku[logplex]`` lines (L10
when retention removed lines before the drain got them, L13, L14), at most one per drain per
``report_interval``; they are stored as not to be forwarded (``hops.REPORT_HOPS``). Drain
passwords never appear in reports or logs, and reports say "could not deliver" for every
connection failure alike (refused, unreachable, timed out, reset): the app's log is read by
token holders, who must not learn from it which ports are open on the router's network. The
router's own log has the details.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import ssl
import time
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from tuilogs.core.backoff import Backoff
from tuilogs.core.drain_urls import mask_url
from tuilogs.core.record import LogRecord, log_timestamp

from .drain_cursor import Delivery, DrainCursor
from .drain_senders import HttpSender, Sender, SyslogSender
from .drain_targets import TargetPolicy
from .store import Drain, DrainLease, LogStore, StoreError
from .tasks import cancel_and_wait

__all__ = ["DrainForwarder", "ForwarderManager", "new_owner"]

log = logging.getLogger(__name__)

Report = Callable[[str, LogRecord], None]
SSLContextFactory = Callable[[], ssl.SSLContext]

SAVE_INTERVAL = 0.2  # seconds between cursor writes while a drain is busy (at once when idle)
LEASE_MARGIN = 1.0  # seconds before a lease lapses when sending stops until it is renewed
STORE_RETRY = 1.0  # seconds before a forwarder reads the store again after a StoreError

# Any drain may reach its own private network only if the manager is told so (the router
# tells it; a manager on its own, as in tests, delivers to loopback receivers).
_ANYWHERE_BUT_FORBIDDEN = TargetPolicy(allow_private=True, http_port=0, syslog_ports=frozenset())


def new_owner() -> str:
    """A lease owner id for this router process: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class LeaseLost(Exception):
    """Another router holds the drain now."""


class DrainForwarder:
    """Delivers one drain's lines from its cursor; created and driven by `ForwarderManager`."""

    def __init__(
        self,
        lease: DrainLease,
        store: LogStore,
        owner: str,
        report: Report,
        *,
        batch_max_bytes: int,
        timeout: float,
        backoff: Backoff,
        report_interval: float,
        poll_interval: float,
        ssl_context_factory: SSLContextFactory | None,
        targets: TargetPolicy,
    ) -> None:
        drain = lease.drain
        self.drain = drain
        self.id = drain.id
        self.url = drain.url
        self.token = drain.token
        self.app = drain.app
        self.display_url = mask_url(self.url)
        self.store = store
        self.owner = owner
        self.expires_at = lease.expires_at
        self._report_cb = report
        self.timeout = timeout
        self.backoff = backoff  # between tries at one batch
        self.report_interval = report_interval
        self.poll_interval = poll_interval
        self._ssl_factory = ssl_context_factory
        self.targets = targets
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._renewed = asyncio.Event()
        self._last_report = -1e18
        self._suppressed = 0
        self._task: asyncio.Task | None = None
        self._saved = lease.cursor
        self._moved = asyncio.Event()  # the cursor moved since it was last saved
        # counters, for status pages and tests
        self.delivered = 0
        self.dropped_total = 0  # lines retention removed before they were sent
        self.failures = 0
        self.paused = False  # waiting for the lease to be renewed

        self._sender = self._sender_for(urlsplit(self.url))
        self.cursor = DrainCursor(
            store,
            drain,
            lease.cursor,
            hostname=self._sender.hostname,
            sd=self._sender.sd,
            max_bytes=batch_max_bytes,
        )

    def _sender_for(self, parts) -> Sender:
        """What speaks the drain URL's scheme (and its password, kept for Basic auth)."""
        self.scheme = parts.scheme.lower()
        self._password = unquote(parts.password) if parts.password else ""
        if self.scheme in ("http", "https"):
            return HttpSender(self, parts)
        if self.scheme in ("syslog", "syslog+tls"):
            return SyslogSender(self, parts)
        raise ValueError(f"unsupported drain URL scheme: {self.scheme!r}")

    @property
    def finished(self) -> bool:
        """The forwarder stopped by itself (its lease was lost, or it failed)."""
        return self._task is not None and self._task.done()

    def same_as(self, drain: Drain) -> bool:
        return (drain.url, drain.token, drain.app) == (self.url, self.token, self.app)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"drain {self.id} {self.display_url}"
        )

    def wake(self) -> None:
        """The app committed lines: read the store now."""
        self._idle.clear()
        self._wake.set()

    def renewed(self, expires_at: float) -> None:
        self.expires_at = expires_at
        self._renewed.set()

    async def leased(self) -> None:
        """Return once the lease is good for `LEASE_MARGIN` seconds more (sending stops
        meanwhile: another router may take the drain over after it lapsed)."""
        while time.time() >= self.expires_at - LEASE_MARGIN:
            self._renewed.clear()
            self.paused = True
            try:
                await self._renewed.wait()
            finally:
                self.paused = False

    @property
    def idle(self) -> bool:
        """Caught up with the app's stored lines (or stopped), and not woken since."""
        return self._idle.is_set()

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until the drain has caught up with its app's stored lines."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def aclose(self) -> None:
        """Stop, and record how far the drain got (if its lease is still ours)."""
        await cancel_and_wait(self._task)
        self._task = None
        with contextlib.suppress(LeaseLost, StoreError):
            await self._save()

    # -- internals ---------------------------------------------------------------------------

    def report(self, message: str, *, force: bool = False) -> None:
        """Tell the app's log, at most once per ``report_interval`` unless ``force``."""
        if len(self._password) >= 4:  # belt and braces: messages are built from masked URLs
            message = message.replace(self._password, "***")
        log.warning("drain %s (%s) of %s: %s", self.id, self.display_url, self.app, message)
        now = time.monotonic()
        if not force and now - self._last_report < self.report_interval:
            self._suppressed += 1
            return
        if self._suppressed:
            message += f" ({self._suppressed} similar errors not shown)"
            self._suppressed = 0
        self._last_report = now
        try:
            self._report_cb(self.app, LogRecord(log_timestamp(), "heroku", "logplex", message))
        except Exception:
            log.exception("drain %s: report callback failed", self.id)

    async def _save(self) -> None:
        """Record the cursor in the store; `LeaseLost` when another router holds the drain."""
        position = self.cursor.position
        if position == self._saved:
            return
        held = await asyncio.to_thread(self.store.advance_drain, self.id, self.owner, position)
        self._saved = position
        if not held:
            raise LeaseLost(self.id)

    async def _keep_saved(self, run: asyncio.Task) -> None:
        """Save the cursor within `SAVE_INTERVAL` of each move, also while a send hangs (what
        a crash makes the next router send again is what was delivered since); stop `run`
        when the lease is lost."""
        while True:
            await self._moved.wait()
            self._moved.clear()
            try:
                await self._save()
            except StoreError as exc:
                log.warning("drain %s: cannot save its cursor (%s)", self.id, exc)
                self._moved.set()
            except LeaseLost:
                log.info("drain %s (%s): another router forwards it now", self.id, self.display_url)
                run.cancel()
                return
            await asyncio.sleep(SAVE_INTERVAL)

    async def _deliver(self, delivery: Delivery) -> None:
        if delivery.batch is not None:
            await self.leased()
            if delivery.notice:
                self.dropped_total += delivery.skipped
                self.report(delivery.notice)
            if await self._sender.send(delivery.batch, delivery.hops + 1):
                self.delivered += delivery.lines
        self.cursor.done(delivery)
        self._moved.set()

    async def _step(self) -> None:
        """Send the next delivery, or wait for lines when the drain has caught up."""
        self._wake.clear()
        delivery = await asyncio.to_thread(self.cursor.next)
        if delivery is not None:
            await self._deliver(delivery)
            return
        await self._save()
        self._idle.set()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def _run(self) -> None:
        run = asyncio.current_task()
        assert run is not None
        saver = asyncio.get_running_loop().create_task(self._keep_saved(run))
        try:
            await asyncio.to_thread(self.cursor.locate)
            while True:
                try:
                    await self._step()
                except StoreError as exc:  # a full disk, a store closing: try again soon
                    log.warning("drain %s: store unavailable (%s)", self.id, exc)
                    await asyncio.sleep(STORE_RETRY)
        except asyncio.CancelledError:
            raise
        except LeaseLost:
            log.info("drain %s (%s): another router forwards it now", self.id, self.display_url)
        except Exception:  # a bug here must not pass silently, nor kill the router
            log.exception("drain %s (%s): forwarder failed", self.id, self.display_url)
            self.report("Error L13 (Local delivery error): internal forwarder error", force=True)
        finally:
            saver.cancel()
            self._idle.set()
            with contextlib.suppress(Exception):
                await self._sender.aclose()


class ForwarderManager:
    """The drains this router forwards: those whose lease it holds (see the module docstring).

    `start` takes the leases and starts renewing them; `refresh` after adding or removing a
    drain; `wake(app)` when the app committed lines; `aclose` at the end.
    """

    def __init__(
        self,
        store: LogStore,
        report: Report,
        *,
        owner: str | None = None,
        lease_ttl: float = 15.0,
        poll_interval: float = 5.0,
        batch_max_bytes: int = 100_000,
        timeout: float = 10.0,
        backoff_base: float = 0.5,
        backoff_max: float = 60.0,
        report_interval: float = 10.0,
        ssl_context_factory: SSLContextFactory | None = None,
        targets: TargetPolicy | None = None,
    ) -> None:
        self.store = store
        self.owner = owner or new_owner()
        self.lease_ttl = lease_ttl
        self._report = report
        self._options = dict(
            batch_max_bytes=batch_max_bytes,
            timeout=timeout,
            backoff=Backoff(backoff_base, backoff_max),
            report_interval=report_interval,
            poll_interval=poll_interval,
            ssl_context_factory=ssl_context_factory,
            targets=targets or _ANYWHERE_BUT_FORBIDDEN,
        )
        self._drains: dict[str, DrainForwarder] = {}
        self._by_app: dict[str, list[DrainForwarder]] = {}
        self._closing: set[asyncio.Task] = set()
        self._lock = asyncio.Lock()
        self._renewer: asyncio.Task | None = None

    @property
    def forwarders(self) -> dict[str, DrainForwarder]:
        return dict(self._drains)

    async def start(self) -> None:
        """Take the drains that are free and keep the leases renewed. Needs a running loop."""
        await self.refresh()
        self._renewer = asyncio.get_running_loop().create_task(self._renew(), name="drain leases")

    async def refresh(self) -> None:
        """Renew and take leases now, and forward exactly the drains held."""
        async with self._lock:
            asked = time.time()
            try:
                leases = await asyncio.to_thread(
                    self.store.lease_drains, self.owner, self.lease_ttl
                )
            except StoreError as exc:
                log.warning("cannot renew drain leases (%s); retrying", exc)
                return
            self._apply(leases, asked)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.lease_ttl / 3)
            try:
                await self.refresh()
            except Exception:  # a bug here must not end forwarding silently
                log.exception("renewing drain leases failed")

    def _apply(self, leases: list[DrainLease], asked: float) -> None:
        """Stop forwarders of drains no longer held (or changed, or whose lease lapsed before
        this renewal: another router may have moved their cursor), start the new ones."""
        held = {lease.drain.id: lease for lease in leases}
        for drain_id, fwd in list(self._drains.items()):
            lease = held.get(drain_id)
            if lease is None or not fwd.same_as(lease.drain) or fwd.expires_at <= asked:
                self._stop(drain_id)
            elif fwd.finished:
                self._stop(drain_id)  # lease lost meanwhile, or a failure: start over
            else:
                fwd.renewed(lease.expires_at)
        for drain_id, lease in held.items():
            if drain_id in self._drains:
                continue
            try:
                fwd = DrainForwarder(lease, self.store, self.owner, self._report, **self._options)
            except Exception as exc:  # a URL no client can use: one drain, not all of them
                log.warning("drain %s: not forwarding (%s)", drain_id, exc)
                continue
            fwd.start()
            self._drains[drain_id] = fwd
        by_app: dict[str, list[DrainForwarder]] = {}
        for fwd in self._drains.values():
            by_app.setdefault(fwd.app, []).append(fwd)
        self._by_app = by_app

    def wake(self, app: str) -> None:
        """`app` committed lines: its forwarders read them now. Call on the loop."""
        for fwd in self._by_app.get(app, ()):
            fwd.wake()

    async def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every drain has caught up with its app's lines, all at one moment (a
        delivery to another app of this router wakes that app's drains); False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            drains = list(self._drains.values())
            if all(f.idle for f in drains):
                return True
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.gather(*(f.wait_idle(left) for f in drains))

    async def aclose(self, timeout: float = 1.0) -> None:
        """Give waiting lines `timeout` seconds to go out, stop every forwarder, record their
        cursors and release the leases, so that another router goes on at once."""
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        if self._drains and timeout > 0:
            await self.flush(timeout)
        drains, self._drains, self._by_app = list(self._drains.values()), {}, {}
        await asyncio.gather(*(f.aclose() for f in drains), *self._closing)
        try:
            await asyncio.to_thread(self.store.release_drains, self.owner)
        except StoreError as exc:
            log.warning("cannot release drain leases (%s); they expire by themselves", exc)

    def _stop(self, drain_id: str) -> None:
        fwd = self._drains.pop(drain_id)
        task = asyncio.get_running_loop().create_task(fwd.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
