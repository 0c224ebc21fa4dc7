"""Platform API failures as types: callers branch on the class, never on a message's text.

Every failure of an API call or a log stream is a `PlatformError` subclass saying what went
wrong (`Unauthorized`, `AppNotFound`, `RateLimited`, `NetworkError`…) and whether retrying can
help (`final`). Messages are written for a person (they say what to do) and never carry the
token, a drain URL's password or a session URL's secret: only hosts are named, and what a
server said is masked before it is quoted (`mask_text`).

The helpers that turn an HTTP answer or a transport failure into one of these
(`error_from_response`, `network_error`, `retry_after_seconds`) are shared by the client and
the stream reader, which do not import each other.
"""

from __future__ import annotations

import email.utils
import math
import time
from urllib.parse import urlsplit

import httpx

from tuilogs.core.drain_urls import mask_text

FIX_401 = (
    "token invalid or missing: run `heroku login` / set HEROKU_API_KEY, "
    "or for the local router `tuilogs token`"
)


class PlatformError(Exception):
    """A failed API call or stream. `status` is the HTTP status (None: no answer, or refused
    before sending); `retry_after` is in seconds (429, 503); `rate_limit_remaining` is
    Heroku's `RateLimit-Remaining` when sent. `final`: retrying the same call cannot help."""

    final = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        rate_limit_remaining: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.rate_limit_remaining = rate_limit_remaining

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status!r}, {self.message!r})"


class Unauthorized(PlatformError):
    """401: the token is missing, wrong or expired."""

    final = True


class Forbidden(PlatformError):
    """403: the token may not do this (or, on a log stream, the session expired)."""

    final = True


class NotFound(PlatformError):
    """404: no such resource (a drain, a route; on a log stream: a used or expired session)."""

    final = True


class AppNotFound(NotFound):
    """404 for the app itself: no app of that name on this backend."""

    def __init__(self, app: str, message: str, **details: object) -> None:
        super().__init__(message, **details)  # type: ignore[arg-type]
        self.app = app


class InvalidRequest(PlatformError):
    """422 and other 4xx, or refused before sending (an invalid drain URL)."""

    final = True


class Unsupported(PlatformError):
    """The backend has no such feature (Heroku keeps no history to page through)."""

    final = True


class RateLimited(PlatformError):
    """429: too many calls; `retry_after` says when to try again."""


class ServerError(PlatformError):
    """5xx, or an answer that is not what the API documents."""


class NetworkError(PlatformError):
    """No answer: refused, DNS, timeout, connection dropped mid-stream."""


def host_of(url: str) -> str:
    """`host[:port]` of `url`, the only part of a URL an error message names."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or "?"
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "?"


def retry_after_seconds(value: str | None) -> float | None:
    """A `Retry-After` header (seconds, or an HTTP date) as seconds from now; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


_TIMEOUTS = {
    httpx.ConnectTimeout: "did not accept a connection",
    httpx.ReadTimeout: "stopped sending",
    httpx.WriteTimeout: "did not accept our request",
    httpx.PoolTimeout: "had no free connection",
}


def network_error(exc: httpx.HTTPError, url: str, timeout: float | None = None) -> NetworkError:
    """A transport failure naming the host (never the full URL: it may carry a session
    secret)."""
    host = host_of(url)
    text = str(exc).lower()
    if isinstance(exc, httpx.TimeoutException):
        what = _TIMEOUTS.get(type(exc), "timed out")
        within = f" within {timeout:g} s" if timeout else ""
        return NetworkError(f"{host} {what}{within} (timeout)")
    if isinstance(exc, httpx.ConnectError):
        if any(s in text for s in ("name or service", "nodename", "getaddrinfo", "resolve")):
            name = host.rsplit(":", 1)[0]
            return NetworkError(f"cannot resolve {name} (DNS lookup failed)")
        if "refused" in text:
            return NetworkError(f"cannot connect to {host}: connection refused")
        return NetworkError(f"cannot connect to {host}")
    return NetworkError(f"connection to {host} failed ({type(exc).__name__})")


def error_from_response(
    resp: httpx.Response, app: str | None = None, token: str | None = None
) -> PlatformError:
    """Classify an HTTP error answer; the message says what to do about it. What the server
    said is quoted with URL passwords and `token` masked (it may echo either back)."""
    status = resp.status_code
    host = host_of(str(resp.request.url))
    try:
        body = resp.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        body = {}
    said = mask_text(str(body.get("message") or "").strip()[:500], token)
    reason = mask_text(resp.reason_phrase, token)
    if status == 401:
        return Unauthorized(f"{host}: {FIX_401}", status=status)
    if status == 403:
        return Forbidden(f"{host}: forbidden: {said or 'access denied'}", status=status)
    if status == 404:
        resource = body.get("resource")
        if app is not None and (resource == "app" or "find that app" in said.lower()):
            return AppNotFound(app, f"no app named {app} on {host}", status=status)
        return NotFound(f"{host}: not found: {said or reason}", status=status)
    if status == 422:
        return InvalidRequest(said or "the server rejected the request (422)", status=status)
    if status == 429 or (status == 503 and resp.headers.get("retry-after")):
        return _try_later(resp, host, said)
    if status >= 500:
        return ServerError(f"{host}: server error {status}: {said or reason}", status=status)
    return InvalidRequest(f"{host}: HTTP {status}: {said or reason}", status=status)


def _try_later(resp: httpx.Response, host: str, said: str) -> PlatformError:
    """429, or 503 with Retry-After: when to come back, and how many calls are left."""
    status = resp.status_code
    after = retry_after_seconds(resp.headers.get("retry-after"))
    remaining = resp.headers.get("ratelimit-remaining")
    left = int(remaining) if remaining and remaining.strip().isdigit() else None
    what = "rate limited" if status == 429 else f"unavailable ({said or status})"
    message = f"{host}: {what}"
    if after is not None:
        message += f"; retry in {math.ceil(after)} s"
    if left is not None:
        message += f" (RateLimit-Remaining: {left})"
    kind = RateLimited if status == 429 else ServerError
    return kind(message, status=status, retry_after=after, rate_limit_remaining=left)
