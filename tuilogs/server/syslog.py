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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable

from tuilogs.core.apps import is_app_name
from tuilogs.core.octet_counting import OctetStreamParser
from tuilogs.core.record import LogRecord, log_timestamp

__all__ = ["app_for_hostname", "make_server_ssl_context", "start_syslog_server"]

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


async def start_syslog_server(
    host: str,
    port: int,
    on_records: OnRecords,
    ssl_context: ssl.SSLContext | None = None,
    default_app: str = "syslog",
    *,
    idle_timeout: float = 3600.0,
) -> asyncio.Server:
    """Listen for syslog on ``host:port`` (TLS when ``ssl_context`` is given); returns the server.

    A connection silent for ``idle_timeout`` seconds is closed (half-open peers that vanished
    without a FIN); TCP keepalive is enabled too. Garbage becomes raw lines, never a crash.
    Close with ``server.close(); await server.wait_closed()``.
    """

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        parser = OctetStreamParser()
        total = 0
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(_READ_SIZE), idle_timeout)
                except asyncio.TimeoutError:
                    log.info("syslog %s: idle for %.0f s, closing", peer, idle_timeout)
                    break
                frames = parser.feed(data) if data else parser.flush()
                for err in parser.take_errors():
                    log.warning("syslog %s: %s", peer, err)
                if frames:
                    total += len(frames)
                    await _deliver(frames, on_records, default_app, peer)
                if not data:
                    break
        except (ConnectionError, ssl.SSLError, OSError) as exc:
            log.info("syslog %s: connection lost (%s)", peer, exc)
            frames = parser.flush()
            if frames:
                await _deliver(frames, on_records, default_app, peer)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("syslog %s: handler failed", peer)
        finally:
            log.debug("syslog %s: closed after %d messages", peer, total)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return await asyncio.start_server(
        handle, host, port, ssl=ssl_context, ssl_handshake_timeout=10.0 if ssl_context else None
    )


async def _deliver(frames, on_records: OnRecords, default_app: str, peer) -> None:
    now = ""
    by_app: dict[str, list[LogRecord]] = {}
    for frame in frames:
        record = frame.record()
        if not record.timestamp:
            # Raw lines and nil timestamps: the time of arrival is the best evidence left.
            now = now or log_timestamp()
            record = LogRecord(now, record.source, record.dyno, record.message)
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
