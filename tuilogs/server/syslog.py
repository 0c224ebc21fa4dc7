"""Syslog ingest over TCP and TLS: Logplex syslog drains, util-linux ``logger``, rsyslog.

Each connection runs an ``OctetStreamParser`` (octet counting or newline framing, decided per
message). Records of one read are grouped by app and handed to ``on_records`` together, so
the store sees batches, not lines, and a slow store slows the sender (TCP backpressure)
instead of growing memory.

Which app a frame belongs to: its hostname, if that is an app name (``core.apps``: lowercase
letters, digits and dashes) other than a placeholder, else ``default_app``. Drain tokens
(``d.<uuid>``), the nil ``-``, and the placeholders ``host``, ``localhost`` and ``heroku`` are
not app names, so Logplex syslog drains and local ``logger`` calls land in ``default_app``.
(util-linux ``logger`` sends the machine's hostname.)

Syslog has no authentication, so the listener bounds what a peer can hold: connections are
accepted through ``listener.Listener`` (a cap on open connections and on TLS handshakes, each
within a timeout), a connection must send something within ``first_read_timeout`` of
opening, and one silent for ``idle_timeout`` is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from tuilogs.core.apps import is_app_name
from tuilogs.core.frames import records_of
from tuilogs.core.octet_counting import OctetStreamParser
from tuilogs.core.record import LogRecord

from .listener import DEFAULT_LIMITS, ConnectionLimits, Listener, Slot, bind_tcp
from .tasks import cancel_and_wait

__all__ = ["SyslogServer", "app_for_hostname", "make_server_ssl_context", "start_syslog_server"]

log = logging.getLogger(__name__)

OnRecords = Callable[[str, list[LogRecord]], Awaitable[None]]

_NOT_APPS = frozenset(("host", "localhost", "heroku"))  # placeholders senders put there
_READ_SIZE = 256 * 1024


def app_for_hostname(hostname: str, default_app: str) -> str:
    """The app a frame with this hostname is stored under (see the module docstring)."""
    if is_app_name(hostname) and hostname not in _NOT_APPS:
        return hostname
    return default_app


def make_server_ssl_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A TLS server context (TLS 1.2+) from a PEM certificate chain and key."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


class SyslogServer:
    """Syslog on a bound, listening socket (TLS when ``ssl_context`` is given).

    ``start()`` on the event loop, ``await close()`` to stop listening and hang up on every
    connection. Garbage becomes raw lines, never a crash.
    """

    def __init__(
        self,
        sock: socket.socket,
        on_records: OnRecords,
        ssl_context: ssl.SSLContext | None = None,
        default_app: str = "syslog",
        *,
        limits: ConnectionLimits = DEFAULT_LIMITS,
        first_read_timeout: float = 10.0,
        idle_timeout: float = 3600.0,
    ) -> None:
        self.on_records = on_records
        self.default_app = default_app
        self.first_read_timeout = first_read_timeout
        self.idle_timeout = idle_timeout
        self._handlers: set[asyncio.Task] = set()
        self.listener = Listener(sock, self._protocol, ssl_context=ssl_context, limits=limits)

    @property
    def port(self) -> int:
        return self.listener.port

    @property
    def connections(self) -> int:
        return self.listener.open

    def start(self) -> None:
        self.listener.start()

    async def close(self) -> None:
        await self.listener.close()
        await cancel_and_wait(*self._handlers)

    def _protocol(self, slot: Slot) -> asyncio.BaseProtocol:
        loop = asyncio.get_running_loop()

        def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = loop.create_task(self._handle(reader, writer, slot))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)

        return asyncio.StreamReaderProtocol(asyncio.StreamReader(), connected)

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, slot: Slot
    ) -> None:
        peer = writer.get_extra_info("peername")
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        parser = OctetStreamParser()
        total = 0
        timeout = self.first_read_timeout
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(_READ_SIZE), timeout)
                except asyncio.TimeoutError:
                    log.info("syslog %s: silent for %.0f s, closing", peer, timeout)
                    break
                timeout = self.idle_timeout
                frames = parser.feed(data) if data else parser.flush()
                for err in parser.take_errors():
                    log.warning("syslog %s: %s", peer, err)
                if frames:
                    total += len(frames)
                    await _deliver(frames, self.on_records, self.default_app, peer)
                if not data:
                    break
        except (ConnectionError, ssl.SSLError, OSError) as exc:
            log.info("syslog %s: connection lost (%s)", peer, exc)
            frames = parser.flush()
            if frames:
                await _deliver(frames, self.on_records, self.default_app, peer)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("syslog %s: handler failed", peer)
        finally:
            log.debug("syslog %s: closed after %d messages", peer, total)
            slot.release()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def start_syslog_server(
    host: str,
    port: int,
    on_records: OnRecords,
    ssl_context: ssl.SSLContext | None = None,
    default_app: str = "syslog",
    **options: Any,
) -> SyslogServer:
    """Listen for syslog on ``host:port``; returns the started ``SyslogServer`` (keyword
    arguments are its options: ``limits``, ``first_read_timeout``, ``idle_timeout``)."""
    server = SyslogServer(bind_tcp(host, port), on_records, ssl_context, default_app, **options)
    server.start()
    return server


async def _deliver(frames, on_records: OnRecords, default_app: str, peer) -> None:
    by_app: dict[str, list[LogRecord]] = {}
    for frame, record in zip(frames, records_of(frames), strict=True):
        app = app_for_hostname(frame.hostname, default_app)
        batch = by_app.get(app)
        if batch is None:
            by_app[app] = [record]
        else:
            batch.append(record)
    for app, records in by_app.items():
        try:
            await on_records(app, records)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("syslog %s: storing %d records for %s failed", peer, len(records), app)
