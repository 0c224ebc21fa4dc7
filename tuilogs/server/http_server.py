"""The router's HTTP server: uvicorn, accepting through our `Listener`, with read deadlines,
and a shutdown that ends open streams instead of cancelling them mid-write.

`RouterServer` is a `uvicorn.Server` that starts with no listener of uvicorn's own (uvicorn
serves the sockets it is given through `loop.create_server`, which caps nothing) and accepts on
ours: `listener.Listener` caps connections and TLS handshakes, `deadlines.RequestDeadlines`
(mixed into uvicorn's own HTTP protocol class) cuts slow requests.

On shutdown (Ctrl+C, SIGTERM, `RouterHandle.stop`) uvicorn waits `timeout_graceful_shutdown`
for responses to finish, then cancels what is left; a tail never finishes, so every attached
client used to cost a 40-line "Exception in ASGI application" traceback. Now the connections
of streaming responses (`EndStreams` knows them) are cut first, as they were after the wait
(clients see the router go away and reconnect, as before), and their tasks end quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import ssl
from typing import Any

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from .deadlines import with_deadlines
from .listener import ConnectionLimits, Listener, Slot

Scope = dict[str, Any]


class EndStreams:
    """ASGI middleware: on `end()`, finish every response that is still streaming."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.ending = False
        self._streaming: dict[asyncio.Task, Scope] = {}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        task = asyncio.current_task()
        assert task is not None
        streaming = False

        async def tracked_send(message: dict) -> None:
            nonlocal streaming
            kind = message["type"]
            if kind == "http.response.start" or kind == "http.response.body":
                # Started and not finished: a tail may send its first line only much later.
                streaming = kind == "http.response.start" or bool(message.get("more_body"))
                if streaming:
                    self._streaming[task] = scope
                else:
                    self._streaming.pop(task, None)
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except asyncio.CancelledError:
            if not (self.ending and streaming):
                raise
            uncancel = getattr(task, "uncancel", None)  # Python 3.11+
            if uncancel is not None:
                uncancel()
            # Completes the response if its connection was not cut (uvicorn ignores a send
            # to a connection that is gone).
            with contextlib.suppress(OSError):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self._streaming.pop(task, None)

    def streaming(self) -> list[Scope]:
        """The scopes of the responses streaming now."""
        return list(self._streaming.values())

    def end(self) -> None:
        """Cancel the tasks of streaming responses (their connections cut first, if any)."""
        self.ending = True
        for task in list(self._streaming):
            task.cancel()


class RouterServer(uvicorn.Server):
    """uvicorn serving on `Listener`s (see the module docstring)."""

    def __init__(
        self,
        config: uvicorn.Config,
        sock: socket.socket,
        streams: EndStreams,
        *,
        ssl_context: ssl.SSLContext | None,
        limits: ConnectionLimits,
        read_timeout: float,
    ) -> None:
        super().__init__(config)
        self._sock = sock
        self._streams = streams
        self._ssl_context = ssl_context
        self._limits = limits
        self._read_timeout = read_timeout
        self.listener: Listener | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the lifespan; no listener of uvicorn's own
        # uvicorn's choice (httptools if installed, else h11), both known to the deadlines.
        protocol_class = with_deadlines(AutoHTTPProtocol, self._read_timeout)
        make = functools.partial(
            protocol_class,
            config=self.config,
            server_state=self.server_state,
            app_state=self.lifespan.state,
        )

        def factory(slot: Slot) -> asyncio.Protocol:
            protocol = make()
            protocol.slot = slot  # type: ignore[attr-defined]
            return protocol

        self.listener = Listener(
            self._sock, factory, ssl_context=self._ssl_context, limits=self._limits
        )
        self.listener.start()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.listener is not None:
            await self.listener.close()
        streaming = self._streams.streaming()
        for protocol in list(self.server_state.connections):
            cycle = getattr(protocol, "cycle", None)  # uvicorn's request in progress
            if cycle is not None and any(cycle.scope is scope for scope in streaming):
                protocol.transport.abort()
        self._streams.end()
        await super().shutdown(sockets=None)
