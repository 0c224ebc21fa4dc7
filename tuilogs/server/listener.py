"""Accepting connections: a cap on how many are open, TLS handshakes bounded in number and in
time, and TCP_NODELAY on every accepted socket.

The HTTP listener (uvicorn's protocol) and the syslog listeners accept through `Listener`
rather than `loop.create_server`, which accepts every connection at once and hands TLS to
asyncio with a 60 s handshake timeout: each pending handshake holds asyncio's 256 KiB read
buffer (`SSLProtocol`), so 1,000 peers that connect and say nothing cost +299 MB, and glibc
kept it after they left (benchmarks/bench_router_edge.py). Here:

* at most `max_connections` connections are open; at the cap the listener stops accepting and
  new peers wait in the kernel's backlog, costing the router nothing, until one ends;
* at most `max_handshakes` TLS handshakes run at once, each cut at `handshake_timeout`;
* accepted sockets get TCP_NODELAY: a small answer on a keep-alive connection otherwise waits
  for the peer's delayed ACK (Nagle), ~44 ms per API call.

Each accepted connection has a `Slot`; whoever handles the connection releases it when the
connection ends (the listener does when the handshake fails).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import functools
import logging
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .tasks import cancel_and_wait

if TYPE_CHECKING:
    from .settings import Settings

log = logging.getLogger("tuilogs.server")

ACCEPT_RETRY_DELAY = 1.0  # out of file descriptors: wait, as asyncio's own server does
TRIM_AFTER_FAILURES = 32  # failed TLS handshakes in a burst before the heap is trimmed
_OUT_OF_RESOURCES = frozenset((errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM))


class Slot:
    """One open connection's place under the cap; `release()` (once) when it ends."""

    __slots__ = ("_listener",)

    def __init__(self, listener: Listener) -> None:
        self._listener: Listener | None = listener

    def release(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener._released()


ProtocolFactory = Callable[[Slot], asyncio.BaseProtocol]


@dataclass(frozen=True)
class ConnectionLimits:
    """What one listener lets the network hold at once (see the module docstring): the same
    for the HTTP listener and every syslog one, taken from the router's settings."""

    max_connections: int = 512
    max_handshakes: int = 64
    handshake_timeout: float = 10.0

    @classmethod
    def of(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            settings.max_connections, settings.max_tls_handshakes, settings.handshake_timeout
        )


DEFAULT_LIMITS = ConnectionLimits()  # as the router's settings' defaults


def bind_tcp(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on `host:port`; OSError saying which address when it cannot.

    Made with protocol IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on a transport's socket
    only when `sock.proto` says TCP, and accepted sockets inherit the listener's.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def trim_heap() -> None:
    """Hand the heap's free pages back to the OS (glibc's `malloc_trim`; elsewhere nothing).

    glibc keeps memory freed in the middle of its heap: after a burst of handshakes that all
    failed, the router kept the ~20 MB the burst had used. Cheap (milliseconds), and run only
    after such a burst.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return None


def set_nodelay(sock: socket.socket) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Listener:
    """Accepts on a bound, listening socket and hands each connection to `factory(slot)`."""

    def __init__(
        self,
        sock: socket.socket,
        factory: ProtocolFactory,
        *,
        ssl_context: ssl.SSLContext | None = None,
        limits: ConnectionLimits = DEFAULT_LIMITS,
    ) -> None:
        self.sock = sock
        self.factory = factory
        self.ssl_context = ssl_context
        self.max_connections = max(1, limits.max_connections)
        self.max_handshakes = max(1, limits.max_handshakes)
        self.handshake_timeout = limits.handshake_timeout
        self.open = 0  # accepted and not yet released
        self.handshaking = 0
        self._room = asyncio.Event()
        self._failed_handshakes = 0  # since the heap was last trimmed
        self._task: asyncio.Task | None = None
        self._connecting: set[asyncio.Task] = set()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def start(self) -> None:
        self.sock.setblocking(False)
        self._task = asyncio.get_running_loop().create_task(
            self._accept_loop(), name=f"accept on port {self.port}"
        )

    async def close(self) -> None:
        """Stop accepting and abandon handshakes in progress; open connections stay."""
        await cancel_and_wait(self._task, *self._connecting)
        self._task = None
        self.sock.close()

    def _has_room(self) -> bool:
        if self.open >= self.max_connections:
            return False
        return self.ssl_context is None or self.handshaking < self.max_handshakes

    def _released(self) -> None:
        self.open -= 1
        self._room.set()

    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self._has_room():
                self._room.clear()
                await self._room.wait()
            try:
                conn, _addr = await loop.sock_accept(self.sock)
            except OSError as exc:
                if exc.errno in _OUT_OF_RESOURCES:
                    log.warning("listener on port %d: %s; pausing accepts", self.port, exc)
                    await asyncio.sleep(ACCEPT_RETRY_DELAY)
                continue  # ECONNABORTED and the like: that peer is gone already
            self.open += 1
            set_nodelay(conn)
            if self.ssl_context is not None:
                self.handshaking += 1
            task = loop.create_task(self._connect(conn))
            self._connecting.add(task)
            task.add_done_callback(self._connecting.discard)

    async def _connect(self, conn: socket.socket) -> None:
        """Hand `conn` to a protocol (after the TLS handshake, if any)."""
        slot = Slot(self)
        tls = self.ssl_context is not None
        try:
            await asyncio.get_running_loop().connect_accepted_socket(
                lambda: self.factory(slot),
                conn,
                ssl=self.ssl_context,
                ssl_handshake_timeout=self.handshake_timeout if tls else None,
            )
        except BaseException as exc:
            # A failed or timed-out handshake, or a peer gone already: nothing to tell anyone.
            conn.close()
            slot.release()
            # The traceback holds asyncio's frames, whose waiter future holds the exception:
            # a cycle that kept each failed handshake's 256 KiB buffer until a full garbage
            # collection (+94 MB after 1,000). Cut it, and the buffer goes at once.
            exc.__traceback__ = None
            if tls:
                self._failed_handshakes += 1
            if not isinstance(exc, Exception):
                raise
            if not isinstance(exc, (OSError, asyncio.TimeoutError, EOFError)):
                log.warning("listener on port %d: connection setup failed: %r", self.port, exc)
        finally:
            if tls:
                self.handshaking -= 1
                self._room.set()
                if self.handshaking == 0 and self._failed_handshakes >= TRIM_AFTER_FAILURES:
                    self._failed_handshakes = 0
                    asyncio.get_running_loop().call_later(1.0, trim_heap)
