"""Read deadlines for HTTP requests: a peer that sends a request slowly, or not at all, is cut.

uvicorn bounds the idle time *between* requests (`timeout_keep_alive`) but not the time a
request takes to arrive: a connection that sends half a request head and then nothing, or one
byte every few seconds, stays open for ever (500 of them were all still open after 70 s). Its
`limit_concurrency` only answers 503 once a whole head has arrived. `RequestDeadlines` is
mixed into uvicorn's own HTTP protocol class (h11 or httptools; both keep the request in
progress as `cycle`, with `more_body` and `response_complete`), and after every read looks at
where the request stands:

* *head* (no request yet, or a new one begun after a response): the whole head must arrive
  within `read_timeout` of the connection opening or of the request's first byte; bytes
  trickling in do not extend it (slowloris);
* *body* being read by the app: it must not stall for `read_timeout` (each chunk re-arms the
  timer, as nginx's `client_body_timeout`; while uvicorn paused reading because the app is
  behind, the app is waited for);
* *discard* (answered before the body was read, e.g. 401 or 413): the rest of the body must
  arrive by the deadline already running; nothing extends it;
* otherwise the app is working, or streaming (a tail), or the connection is idle between
  requests under uvicorn's keep-alive timeout: no deadline.

When a deadline passes the connection is closed without an answer (a 408 on a connection the
client may be about to reuse is worse than none). The class also releases the connection's
`listener.Slot` when it ends.
"""

from __future__ import annotations

import asyncio
from typing import Any

HEAD, BODY, DISCARD, NONE = "head", "body", "discard", "none"


class RequestDeadlines:
    """Mixin for uvicorn's `H11Protocol` / `HttpToolsProtocol` (see the module docstring).

    Set `read_timeout` and, per connection, `slot` (by the listener's factory).
    """

    read_timeout: float = 10.0
    slot: Any = None
    # Provided by the uvicorn protocol this is mixed into:
    cycle: Any
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    flow: Any

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        self._after_event(fresh_bytes=True)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._after_event(fresh_bytes=False)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]
        if self.slot is not None:
            self.slot.release()

    def _phase(self, fresh_bytes: bool) -> str:
        cycle = self.cycle
        if cycle is None:
            return HEAD
        if cycle.response_complete:
            if cycle.more_body:
                return DISCARD
            return HEAD if fresh_bytes else NONE  # bytes of the next request, or idle
        return BODY if cycle.more_body else NONE

    def _after_event(self, fresh_bytes: bool) -> None:
        phase = self._phase(fresh_bytes)
        if phase == BODY and fresh_bytes:
            self._arm()  # progress: the body may take as long as it keeps coming
        elif phase in (HEAD, DISCARD, BODY):
            if self._deadline is None:
                self._arm()
        else:
            self._disarm()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.read_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        phase = self._phase(fresh_bytes=True)
        if phase == BODY and self.flow is not None and self.flow.read_paused:
            self._arm()  # uvicorn stopped reading until the app catches up: not the peer's fault
            return
        if phase != NONE and not self.transport.is_closing():
            self.transport.close()


def with_deadlines(base: type[asyncio.Protocol], read_timeout: float) -> type[asyncio.Protocol]:
    """uvicorn's protocol class `base` with `RequestDeadlines` mixed in."""
    return type(
        f"Deadline{base.__name__}",
        (RequestDeadlines, base),
        {"read_timeout": read_timeout},
    )
