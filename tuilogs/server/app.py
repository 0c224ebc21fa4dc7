"""The router as an ASGI app: its routes, its error handlers, and the lifespan that starts and
stops the `Router` (store, upkeep thread, forwarders, syslog listeners).

Routes (docs/api.md): Logplex's drain endpoint, the Platform API subset, and the history
extensions. Every error is JSON `{"id": ..., "message": ...}`; bad input never yields a 500.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Route

from .endpoints.apps import get_app, list_apps
from .endpoints.drain import drain_post
from .endpoints.histogram import log_histogram
from .endpoints.history import log_lines, log_stats
from .endpoints.log_drains import create_drain, delete_drain, get_drain, list_drains
from .endpoints.log_sessions import create_log_session, stream_log_session
from .errors import http_error, server_error
from .router import Router
from .settings import Settings

ROUTES = [
    Route("/drains/{app}", drain_post, methods=["POST"]),
    Route("/apps", list_apps, methods=["GET"]),
    Route("/apps/{app}", get_app, methods=["GET"]),
    Route("/apps/{app}/log-sessions", create_log_session, methods=["POST"]),
    Route("/log-sessions/{secret}", stream_log_session, methods=["GET"]),
    Route("/apps/{app}/log-lines", log_lines, methods=["GET"]),
    Route("/apps/{app}/log-stats", log_stats, methods=["GET"]),
    Route("/apps/{app}/log-histogram", log_histogram, methods=["GET"]),
    Route("/apps/{app}/log-drains", list_drains, methods=["GET"]),
    Route("/apps/{app}/log-drains", create_drain, methods=["POST"]),
    Route("/apps/{app}/log-drains/{ident:path}", get_drain, methods=["GET"]),
    Route("/apps/{app}/log-drains/{ident:path}", delete_drain, methods=["DELETE"]),
]


def create_app(settings: Settings) -> Starlette:
    """The router as an ASGI app (`app.state.router` is its `Router`)."""
    router = Router(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await router.start()
        try:
            yield
        finally:
            await router.stop()

    app = Starlette(
        routes=ROUTES,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.state.router = router
    return app
