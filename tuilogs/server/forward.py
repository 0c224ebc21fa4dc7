"""Drain forwarding: every new line of an app goes to each of its drains, as Logplex sends it.

One ``DrainForwarder`` per drain, each an asyncio task with a bounded buffer:

* ``https://`` / ``http://`` drains get ``application/logplex-1`` POSTs of octet-counted frames
  (hostname ``host``, no structured data) with ``Logplex-Msg-Count``, ``Logplex-Frame-Id``
  (the same on every retry of a batch), ``Logplex-Drain-Token`` and a ``Logplex/…`` user agent;
  Basic auth comes from the URL's userinfo, which is stripped from the request URL (all built
  by ``core.logplex_batch`` and ``core.drain_urls``, as for every sender). 429, 408,
  5xx, timeouts and connection errors are retried with exponential backoff and jitter for as
  long as it takes (the bounded buffer is what gives way); any other 4xx drops the batch.
* ``syslog://`` / ``syslog+tls://`` drains get the same frames with the drain token as hostname
  and ``- -`` over one persistent connection, reconnected with backoff.

Where a drain may connect is checked at every connect (``drain_targets``: resolve, check each
address, connect to the checked address, TLS still verified against the drain's host name), and
each batch says how many routers it has passed (``Tuilogs-Hops``, see ``hops``), so loops end.
A forwarded frame is always one line: CR and LF inside a message travel escaped (``\\x0d``,
``\\x0a``), so a message cannot smuggle a command line to whatever listens at a drain's
address (a syslog drain pointed at Redis used to deliver ``SET pwned 1``).

When the buffer overflows the oldest lines are dropped and the next batch starts with
``Error L10 (output buffer overflow): N messages dropped since TS.`` (no LF, as Logplex's own
messages). Delivery problems go to the app's own log through ``report`` as ``heroku[logplex]``
lines (L10, L13, L14), at most one per drain per ``report_interval``. Drain passwords never
appear in reports or logs, and reports say "could not deliver" for every connection failure
alike (refused, unreachable, timed out, reset): the app's log is read by token holders, who must
not learn from it which ports are open on the router's network. The router's own log has the
details.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections import deque
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlsplit

from tuilogs.core.drain_urls import mask_url
from tuilogs.core.logplex_batch import LogplexBatch
from tuilogs.core.record import LogRecord, log_timestamp

from .drain_senders import HttpSender, Sender, SyslogSender, one_line
from .drain_targets import TargetPolicy
from .store import Drain

__all__ = ["DrainForwarder", "ForwarderManager"]

log = logging.getLogger(__name__)

Report = Callable[[str, LogRecord], None]
SSLContextFactory = Callable[[], ssl.SSLContext]

# Any drain may reach its own private network only if the manager is told so (the router
# tells it; a manager on its own, as in tests, delivers to loopback receivers).
_ANYWHERE_BUT_FORBIDDEN = TargetPolicy(allow_private=True, http_port=0, syslog_ports=frozenset())


class DrainForwarder:
    """Delivers one drain's lines; created and driven by ``ForwarderManager``."""

    def __init__(
        self,
        drain: Drain,
        report: Report,
        *,
        buffer_size: int,
        batch_max_bytes: int,
        timeout: float,
        backoff_base: float,
        backoff_max: float,
        report_interval: float,
        ssl_context_factory: SSLContextFactory | None,
        targets: TargetPolicy,
    ) -> None:
        self.id = drain.id
        self.url = drain.url
        self.token = drain.token
        self.app = drain.app
        self.display_url = mask_url(self.url)
        self._report_cb = report
        self.buffer_size = buffer_size
        self.batch_max_bytes = batch_max_bytes
        self.timeout = timeout
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.report_interval = report_interval
        self._ssl_factory = ssl_context_factory
        self.targets = targets
        self._queue: deque[tuple[int, LogRecord]] = deque()  # (hops so far, line)
        self._dropped = 0
        self._dropped_since = ""
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._last_report = -1e18
        self._suppressed = 0
        self._task: asyncio.Task | None = None
        # counters, for status pages and tests
        self.delivered = 0
        self.dropped_total = 0
        self.failures = 0

        parts = urlsplit(self.url)
        self.scheme = parts.scheme.lower()
        self._password = unquote(parts.password) if parts.password else ""
        if self.scheme in ("http", "https"):
            self._sender: Sender = HttpSender(self, parts)
        elif self.scheme in ("syslog", "syslog+tls"):
            self._sender = SyslogSender(self, parts)
        else:
            raise ValueError(f"unsupported drain URL scheme: {self.scheme!r}")

    @property
    def queued(self) -> int:
        return len(self._queue)

    def same_as(self, drain: Drain) -> bool:
        return (drain.url, drain.token, drain.app) == (self.url, self.token, self.app)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"drain {self.id} {self.display_url}"
        )

    def offer(self, records: Iterable[LogRecord], hops: int = 0) -> None:
        """Queue records without blocking; on overflow the oldest are dropped and counted.
        `hops`: how many routers the records already came through."""
        q = self._queue
        q.extend((hops, record) for record in records)
        over = len(q) - self.buffer_size
        if over > 0:
            if not self._dropped:
                self._dropped_since = log_timestamp()
            self._dropped += over
            self.dropped_total += over
            for _ in range(over):
                q.popleft()
        if q:
            self._idle.clear()
            self._wake.set()

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until everything queued was delivered (or given up on)."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._task = None

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

    def backoff(self, attempt: int) -> float:
        delay = min(self.backoff_max, self.backoff_base * (2 ** min(attempt - 1, 30)))
        return delay * (0.5 + random.random() / 2)

    def _take_batch(self) -> tuple[LogplexBatch, int, int]:
        """The next batch (L10 first if lines were dropped), how many queued lines it took, and
        the hops its lines made so far (a batch holds lines of one hop count)."""
        sender = self._sender
        batch = LogplexBatch(hostname=sender.hostname, sd=sender.sd, drain_token=self.token)
        if self._dropped:
            msg = (
                f"Error L10 (output buffer overflow): {self._dropped} messages dropped"
                f" since {self._dropped_since}."
            )
            batch.add(LogRecord(log_timestamp(), "heroku", "logplex", msg), injected=True)
            self._dropped = 0
            self.report(msg)
        q = self._queue
        taken = 0
        hops = q[0][0] if q else 0
        while q and batch.size < self.batch_max_bytes and q[0][0] == hops:
            batch.add(one_line(q.popleft()[1]))
            taken += 1
        return batch, taken, hops

    async def _run(self) -> None:
        try:
            while True:
                if not self._queue and not self._dropped:
                    self._idle.set()
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                batch, taken, hops = self._take_batch()
                if await self._sender.send(batch, hops + 1):
                    self.delivered += taken
                if not self._queue and not self._dropped:
                    self._idle.set()
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not pass silently, nor kill the router
            log.exception("drain %s (%s): forwarder failed", self.id, self.display_url)
            self.report("Error L13 (Local delivery error): internal forwarder error", force=True)
        finally:
            self._idle.set()
            with contextlib.suppress(Exception):
                await self._sender.aclose()


class ForwarderManager:
    """The set of running drain forwarders, kept in step with the configured drains."""

    def __init__(
        self,
        report: Report,
        *,
        buffer_size: int = 10_000,
        batch_max_bytes: int = 100_000,
        timeout: float = 10.0,
        backoff_base: float = 0.5,
        backoff_max: float = 60.0,
        report_interval: float = 10.0,
        ssl_context_factory: SSLContextFactory | None = None,
        targets: TargetPolicy | None = None,
    ) -> None:
        self._report = report
        self._options = dict(
            buffer_size=buffer_size,
            batch_max_bytes=batch_max_bytes,
            timeout=timeout,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            report_interval=report_interval,
            ssl_context_factory=ssl_context_factory,
            targets=targets or _ANYWHERE_BUT_FORBIDDEN,
        )
        self._drains: dict[str, DrainForwarder] = {}
        self._by_app: dict[str, list[DrainForwarder]] = {}
        self._closing: set[asyncio.Task] = set()

    @property
    def forwarders(self) -> dict[str, DrainForwarder]:
        return dict(self._drains)

    def sync(self, drains: list[Drain]) -> None:
        """Start forwarders for new drains, stop removed or changed ones. Needs a running loop.

        A drain whose URL cannot be forwarded to is logged and skipped (the API validates URLs
        before they get here).
        """
        wanted = {d.id: d for d in drains}
        for drain_id, fwd in list(self._drains.items()):
            d = wanted.get(drain_id)
            if d is None or not fwd.same_as(d):
                del self._drains[drain_id]
                self._stop(fwd)
        for drain_id, d in wanted.items():
            if drain_id in self._drains:
                continue
            try:
                fwd = DrainForwarder(d, self._report, **self._options)
            except Exception as exc:  # a URL no client can use: one drain, not all of them
                log.warning("drain %s: not forwarding (%s)", drain_id, exc)
                continue
            fwd.start()
            self._drains[drain_id] = fwd
        by_app: dict[str, list[DrainForwarder]] = {}
        for fwd in self._drains.values():
            by_app.setdefault(fwd.app, []).append(fwd)
        self._by_app = by_app

    def offer(self, app: str, records: list[LogRecord], hops: int = 0) -> None:
        """Hand new lines of ``app`` to each of its drains; never blocks. Call on the loop.
        ``hops``: how many routers the lines came through (0: they started here)."""
        for fwd in self._by_app.get(app, ()):
            fwd.offer(records, hops)

    async def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every drain delivered what it has queued; False on timeout."""
        results = await asyncio.gather(*(f.wait_idle(timeout) for f in self._drains.values()))
        return all(results)

    async def aclose(self, timeout: float = 1.0) -> None:
        """Give queued lines ``timeout`` seconds to go out, then stop every forwarder."""
        if self._drains and timeout > 0:
            await self.flush(timeout)
        drains, self._drains, self._by_app = list(self._drains.values()), {}, {}
        await asyncio.gather(*(f.aclose() for f in drains), *self._closing)

    def _stop(self, fwd: DrainForwarder) -> None:
        task = asyncio.get_running_loop().create_task(fwd.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
