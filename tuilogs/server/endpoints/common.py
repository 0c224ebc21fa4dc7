"""What the endpoints share: the Platform API's token check, bounded bodies, parameters that
raise `ApiError` when wrong, finding an app by name or id, and the router's public address.

Every number a client sends (query parameters, JSON fields given as strings, headers) is read
by `parse_count`: ASCII digits only and no longer than its upper bound. `str.isdigit` and
`int()` accept `²` and `٣`, and `int()` refuses more than 4,300 digits with a ValueError, so
`limit=²`, a 5,000-digit `before` or `Logplex-Msg-Count: \\xb2` used to answer 500.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio.to_thread
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from tuilogs.core.apps import is_app_name

from ..auth import authorized
from ..errors import ApiError, app_not_found, invalid_params, unauthorized
from ..proxies import public_base_url
from ..router import Router
from ..store import LogStore, StoredApp, StoreError
from ..wire import app_id

T = TypeVar("T")
Endpoint = Callable[[Request], Awaitable[Response]]

MAX_API_BODY = 64 * 1024


def router_of(request: Request) -> Router:
    return request.app.state.router


def store_of(request: Request) -> LogStore:
    store = router_of(request).store
    assert store is not None
    return store


async def in_thread(fn: Callable[..., T], *args: object) -> T:
    """Run a blocking (store) call in a worker thread."""
    return await anyio.to_thread.run_sync(fn, *args)


def platform_api(handler: Endpoint) -> Endpoint:
    """A Platform API endpoint: requires the router token (Bearer, or Basic password); a store
    that cannot answer is a 503."""

    async def wrapped(request: Request) -> Response:
        if not authorized(request.headers.get("authorization"), router_of(request).settings.token):
            raise unauthorized('Bearer realm="tuilogs"')
        try:
            return await handler(request)
        except StoreError as exc:
            raise ApiError(
                503, "service_unavailable", f"The log store is unavailable: {exc}"
            ) from exc
        except ClientDisconnect:
            return Response(status_code=400)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it exceeds `limit` (chunked bodies included)."""
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request) -> dict:
    """The request's JSON object ({} for an empty body); 413 over 64 KiB, 400 if not JSON."""
    body = await read_limited(request, MAX_API_BODY)
    if body is None:
        raise ApiError(413, "payload_too_large", "Request body exceeds 64 KiB.")
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "bad_request", "Request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "Request body must be a JSON object.")
    return data


def opt_str(data: dict, key: str) -> str | None:
    """An optional string field ("" counts as absent)."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid_params(f"{key} must be a string.")
    return value


def parse_count(text: str, lo: int, hi: int) -> int | None:
    """`text` as an integer in [lo, hi] if it is ASCII digits (spaces around allowed), else
    None. Never raises, whatever the text (see the module docstring)."""
    digits = text.strip(" \t")
    if not digits or len(digits) > len(str(hi)) or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return value if lo <= value <= hi else None


def opt_int(data: dict, key: str, lo: int, hi: int) -> int | None:
    """An optional integer field in [lo, hi]; digits in a string are accepted."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_count(value, lo, hi)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise invalid_params(f"{key} must be an integer from {lo} to {hi}.")
    return value


def opt_bool(data: dict, key: str) -> bool:
    """An optional boolean field (false when absent); "1"/"true"/"0"/"false" are accepted."""
    value = data.get(key, False)
    if isinstance(value, str) and value.lower() in ("1", "true", "0", "false"):
        value = value.lower() in ("1", "true")
    if not isinstance(value, bool):
        raise invalid_params(f"{key} must be a boolean.")
    return value


def query_int(request: Request, key: str, lo: int, hi: int) -> int | None:
    """An optional integer query parameter in [lo, hi]."""
    raw = request.query_params.get(key)
    if raw is None or raw == "":
        return None
    value = parse_count(raw, lo, hi)
    if value is None:
        raise invalid_params(f"{key} must be an integer from {lo} to {hi}.")
    return value


def public_url(request: Request) -> str:
    """The router's base URL as its clients reach it (`proxies.public_base_url`)."""
    return public_base_url(request, router_of(request).settings.public_url)


def app_name(request: Request) -> str | None:
    """The `{app}` of the path if it is an acceptable app name (`core.apps`), else None."""
    name = request.path_params["app"]
    return name if is_app_name(name) else None


def require_app_name(request: Request) -> str:
    """As `app_name`, or 404 (`resource: app`): for a request that may create the app (a first
    drain, build or rule), so the name must be acceptable but the app need not exist yet."""
    name = app_name(request)
    if name is None:
        raise app_not_found()
    return name


async def find_app(request: Request) -> StoredApp | None:
    """The `{app}` of the path, by name or by its id (the UUIDv5 of the name)."""
    ident = request.path_params["app"]
    store = store_of(request)
    app = await in_thread(store.app, ident) if is_app_name(ident) else None
    if app is None and len(ident) == 36:
        for candidate in await in_thread(store.apps):
            if app_id(candidate.name) == ident:
                return candidate
    return app


async def require_app(request: Request) -> StoredApp:
    """As `find_app`, or 404 (`resource: app`)."""
    app = await find_app(request)
    if app is None:
        raise app_not_found()
    return app
