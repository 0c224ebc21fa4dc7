"""Real test receivers on loopback: a scriptable HTTP drain and a syslog (TCP/TLS) drain.

Small asyncio servers rather than a framework, so a test controls every byte and every delay:
answer 500, 429, hang past the client's timeout, or drop the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field

from tuilogs.core.frames import Frame
from tuilogs.core.octet_counting import OctetStreamParser, parse_logplex_body


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def frames(self) -> list[Frame]:
        return parse_logplex_body(self.body).frames


@dataclass
class HttpReceiver:
    """HTTP/1.1 server with keep-alive. ``script`` holds what to do with the next requests:
    an int status, ``("hang", seconds)`` to answer 503 only after a delay, or an
    ``asyncio.Event`` to answer 503 once it is set (never, if the sender goes away first);
    empty → 200."""

    script: list = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    accepted: list[Request] = field(default_factory=list)  # answered 2xx
    ssl_context: ssl.SSLContext | None = None
    port: int = 0
    _server: asyncio.Server | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> HttpReceiver:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", 0, ssl=self.ssl_context
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    def url(self, path: str = "/logs", userinfo: str = "") -> str:
        scheme = "https" if self.ssl_context else "http"
        at = f"{userinfo}@" if userinfo else ""
        return f"{scheme}://{at}127.0.0.1:{self.port}{path}"

    async def wait_accepted(self, n: int, timeout: float = 5.0) -> list[Request]:
        """Wait until ``n`` requests were answered 2xx."""

        async def until() -> None:
            while len(self.accepted) < n:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)
        return self.accepted

    async def wait_requests(self, n: int, timeout: float = 5.0) -> list[Request]:
        async def until() -> None:
            while len(self.requests) < n:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)
        return self.requests

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                req = Request(method, path, headers, body)
                self.requests.append(req)
                action = self.script.pop(0) if self.script else 200
                if isinstance(action, tuple):  # hang: the client is expected to give up
                    self._changed.set()
                    await asyncio.sleep(action[1])
                    action = 503
                elif isinstance(action, asyncio.Event):  # hold until the test says
                    self._changed.set()
                    await action.wait()
                    action = 503
                if 200 <= action < 300:
                    self.accepted.append(req)
                self._changed.set()
                reason = {200: "OK", 204: "No Content"}.get(action, "Status")
                writer.write(
                    f"HTTP/1.1 {action} {reason}\r\nContent-Length: 0\r\n\r\n".encode("latin-1")
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, ssl.SSLError):
            pass
        finally:
            writer.close()


@dataclass
class SyslogReceiver:
    """Collects frames sent over TCP (TLS with ``ssl_context``); can cut its connections."""

    ssl_context: ssl.SSLContext | None = None
    frames: list[Frame] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    connections: int = 0
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> SyslogReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, ssl=self.ssl_context
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and cut every connection (the port can be reused by ``start``)."""
        if self._server is not None:
            self._server.close()
            self.drop_connections()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    def drop_connections(self) -> None:
        for w in self._writers:
            w.close()
        self._writers.clear()

    def url(self, userinfo: str = "") -> str:
        scheme = "syslog+tls" if self.ssl_context else "syslog"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def wait_frames(self, n: int, timeout: float = 5.0) -> list[Frame]:
        async def until() -> None:
            while len(self.frames) < n:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)
        return self.frames

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        parser = OctetStreamParser()
        try:
            while data := await reader.read(65536):
                self.raw += data
                self.frames += parser.feed(data)
                self._changed.set()
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            writer.close()
