"""Helpers for the platform tests (importable as `platformkit`)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.status import Status

from kit.waiting import wait_until as wait_for  # re-exported: the platform tests' name for it


def messages(buffer: LogBuffer) -> list[str]:
    """The buffer's lines as messages (parsing each line, as the explorer would)."""
    return [buffer.record(i).message for i in range(len(buffer))]


class Pump:
    """Drain a Feed into a LogBuffer as the explorer's timer does; records every state seen."""

    def __init__(self, feed: Feed, buffer: LogBuffer) -> None:
        self.feed, self.buffer = feed, buffer
        self.states: list[Status] = []

    def __call__(self) -> int:
        self.feed.drain(self.buffer)
        if not self.states or self.states[-1] != self.feed.status:
            self.states.append(self.feed.status)
        return len(self.buffer)

    def until(self, predicate: Callable[[], object], timeout: float = 15.0):
        def check():
            self()
            return predicate()

        return wait_for(check, timeout)


def stream_url(request: Request, path: str = "/s") -> str:
    """A logplex_url on the server that answers `request` (a session handler's answer)."""
    return str(request.base_url).rstrip("/") + path


async def _no_log_lines(request: Request) -> JSONResponse:
    return JSONResponse({"id": "not_found", "message": "nope"}, 404)


def serve_sessions(
    serve_asgi, sessions, stream, *, stream_path: str = "/s", no_log_lines: bool = False
) -> str:
    """Serve a stand-in Platform API: `POST /apps/{app}/log-sessions` → `sessions`, the stream
    at `stream_path` → `stream`; `no_log_lines` answers log-lines 404 as Heroku does. Returns
    the base URL."""
    routes = [
        Route("/apps/{app}/log-sessions", sessions, methods=["POST"]),
        Route(stream_path, stream),
    ]
    if no_log_lines:
        routes.append(Route("/apps/{app}/log-lines", _no_log_lines))
    return serve_asgi(Starlette(routes=routes)).base_url
