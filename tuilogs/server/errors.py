"""The router's errors as the Platform API shows them: always JSON `{"id", "message", ...}`.

Endpoints raise `ApiError` (status, error id, message, extra fields, headers); one handler
renders it, and Starlette's own errors (unknown route, wrong method) the same way. Anything
else is a bug: logged with its traceback and answered 500, still as JSON.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("tuilogs.server")

_IDENTS = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}


class ApiError(HTTPException):
    """An answer other than success: HTTP status, the Platform API error id, a sentence, and
    extra fields for the JSON body (`resource`, `stored`, `errors`)."""

    def __init__(
        self,
        status: int,
        ident: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: object,
    ) -> None:
        super().__init__(status, message, headers)
        self.ident = ident
        self.message = message
        self.extra = extra


def unauthorized(challenge: str) -> ApiError:
    """401, asking for the token the way this endpoint takes it (`WWW-Authenticate`)."""
    return ApiError(
        401,
        "unauthorized",
        "Invalid credentials provided.",
        headers={"WWW-Authenticate": challenge},
    )


def invalid_params(message: str) -> ApiError:
    """422: a parameter of the wrong type or range."""
    return ApiError(422, "invalid_params", message)


def app_not_found() -> ApiError:
    return ApiError(404, "not_found", "Couldn't find that app.", resource="app")


def drain_not_found() -> ApiError:
    return ApiError(404, "not_found", "Couldn't find that log drain.", resource="log_drain")


async def http_error(request: Request, exc: Exception) -> Response:
    """`ApiError`s, and Starlette's HTTP errors with an id derived from their status."""
    assert isinstance(exc, HTTPException)
    if isinstance(exc, ApiError):
        body = {"id": exc.ident, "message": exc.message, **exc.extra}
    else:
        body = {"id": _IDENTS.get(exc.status_code, "error"), "message": str(exc.detail)}
    return JSONResponse(body, status_code=exc.status_code, headers=dict(exc.headers or {}))


async def server_error(request: Request, exc: Exception) -> Response:
    path = request.url.path
    for secret_path in ("/log-sessions/", "/build-output/"):
        if path.startswith(secret_path):
            path = secret_path + "<secret>"  # a stream URL's secret stays out of the log
    log.exception("internal error on %s %s", request.method, path)
    return JSONResponse(
        {"id": "internal_server_error", "message": "Internal error; see the router's log."},
        status_code=500,
    )
