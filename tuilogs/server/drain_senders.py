"""How a drain's batches travel: Logplex's HTTPS POSTs, or syslog frames over TCP/TLS.

One sender per ``forward.DrainForwarder``. Both connect only to the checked address of the
drain's host (``drain_targets.CheckedResolver``: resolved, every address checked, re-resolved
every 30 s), so a name that changes its answer after the drain was added cannot lead the router
somewhere it must not go; TLS is still verified against the host name. Both retry with
backoff for as long as it takes (HTTP: 408, 429, 5xx and connection failures; any other 4xx
drops the batch) while the forwarder holds the drain's lease, and report into the app's log through the forwarder: "could not deliver"
for every connection failure alike, so the reports do not map the router's network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from typing import TYPE_CHECKING
from urllib.parse import SplitResult

import httpx

from tuilogs.core.drain_urls import split_userinfo
from tuilogs.core.logplex_batch import LogplexBatch
from tuilogs.core.record import LogRecord

from .drain_targets import CheckedResolver, TargetRefused
from .hops import HOPS_HEADER

if TYPE_CHECKING:
    from .forward import DrainForwarder

log = logging.getLogger("tuilogs.server.forward")

USER_AGENT = "Logplex/v123 (tuilogs)"
_RETRY_STATUS = frozenset((408, 429))
_LINE_BREAKS = str.maketrans({"\r": "\\x0d", "\n": "\\x0a"})


def one_line(record: LogRecord) -> LogRecord:
    """`record` with CR and LF escaped in every field, so its frame is exactly one line."""
    fields = (record.timestamp, record.source, record.dyno, record.message)
    if not any("\r" in f or "\n" in f for f in fields):
        return record
    return LogRecord(*(f.translate(_LINE_BREAKS) for f in fields))


def _connection_problem(exc: BaseException) -> tuple[str, str]:
    """(code, what to tell the app's log) for a failed delivery; the same words for every
    connection failure (see the module docstring)."""
    if _is_cert_error(exc):
        return "L14", "certificate validation failed"
    if isinstance(exc, TargetRefused):
        return "L13", f"is not an allowed drain target: {exc}"
    return "L13", "could not deliver"


class Sender:
    hostname = "host"
    sd = False
    fwd: DrainForwarder

    async def send(self, batch: LogplexBatch, hops: int) -> bool:  # pragma: no cover
        """Deliver `batch` (retrying as long as it takes); False if it was given up."""
        raise NotImplementedError

    async def _retry_later(self, attempt: int, code: str, problem: str) -> None:
        """After a failed try: count it, tell the app's log (`code` L13, or L14 for a
        certificate) and wait out the backoff, longer with each `attempt` at the same batch."""
        fwd = self.fwd
        fwd.failures += 1
        name = "certificate validation error" if code == "L14" else "Local delivery error"
        fwd.report(f"Error {code} ({name}): {fwd.display_url} {problem}; retrying")
        await asyncio.sleep(fwd.backoff.delay(attempt))

    async def aclose(self) -> None:  # pragma: no cover - interface
        pass


def _is_cert_error(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class HttpSender(Sender):
    """Logplex's HTTPS drain protocol over one keep-alive httpx client.

    Each request goes to the checked address of the drain's host (the URL's host replaced by
    it), with the host name in `Host` and, for TLS, as SNI and the name the certificate is
    verified against (httpcore's `sni_hostname`)."""

    def __init__(self, fwd: DrainForwarder, parts: SplitResult) -> None:
        self.fwd = fwd
        bare, credentials = split_userinfo(fwd.url)
        self.url = httpx.URL(bare)
        self.auth = httpx.BasicAuth(*credentials) if credentials else None
        host = self.url.raw_host.decode("ascii")
        self.host_header = self.url.netloc.decode("ascii")
        self.extensions = {"sni_hostname": host} if self.url.scheme == "https" else {}
        port = self.url.port or (443 if self.url.scheme == "https" else 80)
        self.resolver = CheckedResolver(fwd.targets, host, port, syslog=False)
        verify: ssl.SSLContext | bool = True
        if parts.scheme.lower() == "https" and fwd._ssl_factory is not None:
            verify = fwd._ssl_factory()
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(fwd.timeout),
            verify=verify,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        )

    async def _post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        address = await self.resolver.address()
        return await self.client.post(
            self.url.copy_with(host=str(address)),
            content=body,
            headers={**headers, "Host": self.host_header},
            auth=self.auth,
            extensions=self.extensions,
        )

    async def send(self, batch: LogplexBatch, hops: int) -> bool:
        fwd = self.fwd
        body = batch.body  # the same frame id on every retry
        headers = {**batch.headers(), HOPS_HEADER: str(hops)}
        attempt = 0
        while True:
            await fwd.leased()  # a retry too: after the lease lapsed, the drain may be another's
            try:
                resp = await self._post(body, headers)
            except (httpx.HTTPError, OSError, asyncio.TimeoutError, TargetRefused) as exc:
                log.info("drain %s (%s): %r", fwd.id, fwd.display_url, exc)
                code, problem = _connection_problem(exc)
            else:
                status = resp.status_code
                if 200 <= status < 300:
                    return True
                if status < 500 and status not in _RETRY_STATUS:
                    fwd.failures += 1
                    fwd.report(
                        f"Error L13 (Local delivery error): {fwd.display_url} answered HTTP"
                        f" {status}; {len(batch)} messages dropped"
                    )
                    return False
                code, problem = "L13", f"answered HTTP {status}"
            await self._retry_later(attempt, code, problem)
            attempt += 1

    async def aclose(self) -> None:
        await self.client.aclose()


class SyslogSender(Sender):
    """RFC 5424 frames, octet-counted, over one persistent TCP or TLS connection to the
    checked address of the drain's host (TLS verified against the host name)."""

    sd = True

    def __init__(self, fwd: DrainForwarder, parts: SplitResult) -> None:
        self.fwd = fwd
        self.hostname = fwd.token
        self.tls = parts.scheme.lower() == "syslog+tls"
        self.host = parts.hostname or ""
        self.port = parts.port or (6514 if self.tls else 514)
        self.resolver = CheckedResolver(fwd.targets, self.host, self.port, syslog=True)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def _connected(self) -> bool:
        w, r = self.writer, self.reader
        return w is not None and r is not None and not w.is_closing() and not r.at_eof()

    async def _connect(self) -> None:
        ctx = None
        if self.tls:
            factory = self.fwd._ssl_factory
            ctx = factory() if factory is not None else ssl.create_default_context()
        address = await self.resolver.address()
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(
                str(address), self.port, ssl=ctx, server_hostname=self.host if ctx else None
            ),
            self.fwd.timeout,
        )

    async def send(self, batch: LogplexBatch, hops: int) -> bool:
        fwd = self.fwd
        data = batch.body
        attempt = 0
        while True:
            await fwd.leased()
            try:
                await asyncio.sleep(0)  # let a pending EOF from the peer be noticed
                if not self._connected():
                    await self._close()
                    await self._connect()
                assert self.writer is not None
                self.writer.write(data)
                await asyncio.wait_for(self.writer.drain(), fwd.timeout)
                return True
            except (OSError, EOFError, asyncio.TimeoutError, TargetRefused) as exc:
                log.info("drain %s (%s): %r", fwd.id, fwd.display_url, exc)
                code, problem = _connection_problem(exc)
            await self._close()
            await self._retry_later(attempt, code, problem)
            attempt += 1

    async def _close(self) -> None:
        w, self.writer, self.reader = self.writer, None, None
        if w is not None:
            w.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(w.wait_closed(), 1.0)

    async def aclose(self) -> None:
        await self._close()
