"""The router as an ASGI app: its routes, its error handlers, and the lifespan that starts and
stops the `Router` (store, upkeep thread, forwarders, syslog listeners).

Routes (docs/api.md): Logplex's drain endpoint, OTLP/HTTP logs, the Platform API subset, and
the history extensions. Every error is JSON `{"id": ..., "message": ...}` — except OTLP's, which
are the `google.rpc.Status` its specification asks for; bad input never yields a 500.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Route

from .endpoints import alerts
from .endpoints.apps import get_app, list_apps
from .endpoints.builds import add_output, create_build, end_build, get_build, list_builds
from .endpoints.builds import stream_output as stream_build_output
from .endpoints.drain import drain_post
from .endpoints.histogram import log_histogram
from .endpoints.history import log_lines, log_stats
from .endpoints.log_drains import create_drain, delete_drain, get_drain, list_drains
from .endpoints.log_sessions import create_log_session, stream_log_session
from .endpoints.otlp import otlp_logs
from .endpoints.summary import log_summary
from .errors import http_error, server_error
from .router import Router
from .settings import Settings

ROUTES = [
    Route("/drains/{app}", drain_post, methods=["POST"]),
    # OTLP/HTTP logs (Fir telemetry drains). A drain appends /v1/logs to the URL it was given,
    # so one given the full URL posts to .../v1/logs/v1/logs: accepted too.
    Route("/v1/logs", otlp_logs, methods=["POST"]),
    Route("/v1/logs/v1/logs", otlp_logs, methods=["POST"]),
    Route("/apps/{app}/v1/logs", otlp_logs, methods=["POST"]),
    Route("/apps/{app}/v1/logs/v1/logs", otlp_logs, methods=["POST"]),
    Route("/apps", list_apps, methods=["GET"]),
    Route("/apps/{app}", get_app, methods=["GET"]),
    Route("/apps/{app}/log-sessions", create_log_session, methods=["POST"]),
    Route("/log-sessions/{secret}", stream_log_session, methods=["GET"]),
    Route("/apps/{app}/log-lines", log_lines, methods=["GET"]),
    Route("/apps/{app}/log-stats", log_stats, methods=["GET"]),
    Route("/apps/{app}/log-summary", log_summary, methods=["GET"]),
    Route("/apps/{app}/log-histogram", log_histogram, methods=["GET"]),
    Route("/apps/{app}/log-drains", list_drains, methods=["GET"]),
    Route("/apps/{app}/log-drains", create_drain, methods=["POST"]),
    Route("/apps/{app}/log-drains/{ident:path}", get_drain, methods=["GET"]),
    Route("/apps/{app}/log-drains/{ident:path}", delete_drain, methods=["DELETE"]),
    Route("/apps/{app}/builds", list_builds, methods=["GET"]),
    Route("/apps/{app}/builds", create_build, methods=["POST"]),
    Route("/apps/{app}/builds/{build}", get_build, methods=["GET"]),
    Route("/apps/{app}/builds/{build}", end_build, methods=["PATCH"]),
    Route("/apps/{app}/builds/{build}/output", add_output, methods=["POST"]),
    Route("/build-output/{secret}", stream_build_output, methods=["GET"]),
    # Saved searches and alert rules (router extensions: docs/api.md)
    Route("/apps/{app}/saved-searches", alerts.list_searches, methods=["GET"]),
    Route("/apps/{app}/saved-searches/{name}", alerts.put_search, methods=["PUT"]),
    Route("/apps/{app}/saved-searches/{name}", alerts.delete_search, methods=["DELETE"]),
    Route("/apps/{app}/alert-rules", alerts.list_rules, methods=["GET"]),
    Route("/apps/{app}/alert-rules", alerts.create_rule, methods=["POST"]),
    Route("/apps/{app}/alert-rules/{ident}", alerts.delete_rule, methods=["DELETE"]),
    Route("/apps/{app}/alert-firings", alerts.list_firings, methods=["GET"]),
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
