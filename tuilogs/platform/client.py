"""A synchronous Platform API client for Heroku and the local router (one protocol).

Synchronous on purpose: producers run on their own threads (`tuilogs.core.ingest.producers.Producer`), and a
blocking client is the simplest thing there. Every failure becomes a `PlatformError` whose
message a person can act on; no message, exception or repr ever carries the token or a drain
URL's password (`mask_url`).
"""

from __future__ import annotations

import email.utils
import math
import time
import weakref
from urllib.parse import quote, urlsplit

import httpx

from tuilogs import __version__
from tuilogs.core.drain_urls import mask_text, validate_drain_url

HEROKU_API = "https://api.heroku.com"
ACCEPT = "application/vnd.heroku+json; version=3"
USER_AGENT = f"tuilogs/{__version__} httpx/{httpx.__version__}"
HEROKU_MAX_LINES = 1500
ROUTER_MAX_LINES = 100_000
_SPENT = httpx.ByteStream(b"")  # what a read response's stream is replaced with (see request)

FIX_401 = (
    "token invalid or missing: run `heroku login` / set HEROKU_API_KEY, "
    "or for the local router `tuilogs token`"
)


class PlatformError(Exception):
    """A failed API call or stream, classified so callers can decide what to do.

    `kind`: unauthorized, forbidden, not_found, rate_limited, server, network, invalid,
    unsupported. `status` is the HTTP status (None for network errors). `retry_after` is in
    seconds (429, 503); `rate_limit_remaining` is Heroku's `RateLimit-Remaining` when sent.
    """

    FINAL = frozenset({"unauthorized", "forbidden", "not_found", "invalid", "unsupported"})

    def __init__(
        self,
        kind: str,
        status: int | None,
        message: str,
        retry_after: float | None = None,
        rate_limit_remaining: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.rate_limit_remaining = rate_limit_remaining

    @property
    def final(self) -> bool:
        """Retrying the same call cannot help (bad token, no such app, bad input)."""
        return self.kind in self.FINAL

    def __repr__(self) -> str:
        return f"PlatformError({self.kind!r}, {self.status!r}, {self.message!r})"


def is_heroku_host(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").lower()
    return host == "heroku.com" or host.endswith(".heroku.com")


def _host_of(url: str) -> str:
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or "?"
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "?"


def _retry_after(value: str | None) -> float | None:
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


def network_error(exc: httpx.HTTPError, url: str, timeout: float | None = None) -> PlatformError:
    """A transport failure as a PlatformError naming the host (never the full URL: it may
    carry a session secret)."""
    host = _host_of(url)
    text = str(exc).lower()
    if isinstance(exc, httpx.TimeoutException):
        what = {
            httpx.ConnectTimeout: "did not accept a connection",
            httpx.ReadTimeout: "stopped sending",
            httpx.WriteTimeout: "did not accept our request",
            httpx.PoolTimeout: "had no free connection",
        }.get(type(exc), "timed out")
        within = f" within {timeout:g} s" if timeout else ""
        return PlatformError("network", None, f"{host} {what}{within} (timeout)")
    if isinstance(exc, httpx.ConnectError):
        if any(s in text for s in ("name or service", "nodename", "getaddrinfo", "resolve")):
            name = host.rsplit(":", 1)[0]
            return PlatformError("network", None, f"cannot resolve {name} (DNS lookup failed)")
        if "refused" in text:
            return PlatformError("network", None, f"cannot connect to {host}: connection refused")
        return PlatformError("network", None, f"cannot connect to {host}")
    return PlatformError("network", None, f"connection to {host} failed ({type(exc).__name__})")


def error_from_response(resp: httpx.Response, app: str | None = None) -> PlatformError:
    """Classify an HTTP error answer; the message says what to do about it."""
    status = resp.status_code
    host = _host_of(str(resp.request.url))
    try:
        body = resp.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        body = {}
    api_msg = mask_text(str(body.get("message") or "").strip()[:500])
    if status == 401:
        return PlatformError("unauthorized", status, f"{host}: {FIX_401}")
    if status == 403:
        msg = api_msg or "access denied"
        return PlatformError("forbidden", status, f"{host}: forbidden: {msg}")
    if status == 404:
        resource = body.get("resource")
        if app is not None and (resource == "app" or "find that app" in api_msg.lower()):
            return PlatformError("not_found", status, f"no app named {app} on {host}")
        return PlatformError(
            "not_found", status, f"{host}: not found: {api_msg or resp.reason_phrase}"
        )
    if status == 422:
        return PlatformError("invalid", status, api_msg or "the server rejected the request (422)")
    if status == 429 or (status == 503 and resp.headers.get("retry-after")):
        after = _retry_after(resp.headers.get("retry-after"))
        remaining = resp.headers.get("ratelimit-remaining")
        left = int(remaining) if remaining and remaining.strip().isdigit() else None
        kind = "rate_limited" if status == 429 else "server"
        what = "rate limited" if status == 429 else f"unavailable ({api_msg or status})"
        msg = f"{host}: {what}"
        if after is not None:
            msg += f"; retry in {math.ceil(after)} s"
        if left is not None:
            msg += f" (RateLimit-Remaining: {left})"
        return PlatformError(kind, status, msg, retry_after=after, rate_limit_remaining=left)
    if status >= 500:
        return PlatformError(
            "server", status, f"{host}: server error {status}: {api_msg or resp.reason_phrase}"
        )
    return PlatformError(
        "invalid", status, f"{host}: HTTP {status}: {api_msg or resp.reason_phrase}"
    )


class PlatformClient:
    """Platform API calls over one httpx Client (thread-safe; share it between producers).

    `kind` is "heroku" (lines clamped to 1..1500, no history paging) or "local" (the tuilogs
    router); by default it is "heroku" for `*.heroku.com` hosts and "local" otherwise.
    `transport` is passed to httpx (e.g. a custom one for proxies); tests use real servers.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 30,
        transport: httpx.BaseTransport | None = None,
        kind: str | None = None,
        stream_read_timeout: float | None = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.kind = kind or ("heroku" if is_heroku_host(base_url) else "local")
        self.timeout = timeout
        self.stream_read_timeout = stream_read_timeout
        self._token = token
        headers = {"Accept": ACCEPT, "User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # A plain-http API (the local router) needs no TLS: skipping the CA bundle load saves
        # ~60 ms of start-up. Any https URL keeps full certificate verification.
        plain = self.base_url.startswith("http://")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            verify=not plain,
        )
        # Streams go to a separate client with no Authorization header: a logplex_url may
        # point at another host (Heroku's log stream service) and carries its own secret.
        self._stream_options = dict(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout, read=stream_read_timeout),
            transport=transport,
        )
        self._stream_clients: dict[bool, httpx.Client] = {}  # by "is https", made when needed
        self._streams: weakref.WeakSet = weakref.WeakSet()
        # Heroku's RateLimit-Remaining from the last answer (None: the server sends none).
        self.rate_limit_remaining: int | None = None

    def __repr__(self) -> str:
        return f"PlatformClient({self.base_url!r}, kind={self.kind!r})"

    def close(self) -> None:
        """Close connections; open streams are shut down first so no reader thread hangs."""
        for stream in list(self._streams):
            stream.close()
        self._http.close()
        for http in self._stream_clients.values():
            http.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        app: str | None = None,
        json: object = None,
        params: dict | None = None,
    ) -> object:
        """One API call; the decoded JSON answer, or a PlatformError."""
        try:
            resp = self._http.request(method, path, json=json, params=params)
        except httpx.HTTPError as exc:
            raise network_error(exc, self.base_url, self.timeout) from None
        try:
            return self._answer(resp, app)
        finally:
            # An httpx response refers to itself through its bound stream, so it (with its
            # body: a history page is ~1 MB) lives until a full garbage collection. Paging a
            # million lines left 140 MB of pages waiting; breaking the cycle frees each now.
            resp.stream = _SPENT

    def _answer(self, resp: httpx.Response, app: str | None) -> object:
        remaining = resp.headers.get("ratelimit-remaining")
        if remaining and remaining.strip().isdigit():
            self.rate_limit_remaining = int(remaining)
        if resp.status_code >= 400:
            raise self._error(resp, app)
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise PlatformError(
                "server", resp.status_code, f"{_host_of(self.base_url)}: answer is not JSON"
            ) from None

    def _error(self, resp: httpx.Response, app: str | None) -> PlatformError:
        # Made here and raised by the caller without a local name, so the raising frame and
        # the exception's traceback form no cycle that keeps the answer alive.
        exc = error_from_response(resp, app)
        exc.message = mask_text(exc.message, self._token)
        exc.args = (exc.message,)
        return exc

    @staticmethod
    def _seg(value: str) -> str:
        return quote(value, safe="")

    # -- apps ----------------------------------------------------------------------------

    def apps(self) -> list[dict]:
        return self.request("GET", "/apps")  # type: ignore[return-value]

    def app(self, name: str) -> dict:
        return self.request("GET", f"/apps/{self._seg(name)}", app=name)  # type: ignore[return-value]

    # -- log sessions --------------------------------------------------------------------

    def clamp_lines(self, lines: int) -> int:
        top = HEROKU_MAX_LINES if self.kind == "heroku" else ROUTER_MAX_LINES
        return max(1, min(top, int(lines)))

    def create_log_session(
        self,
        app: str,
        *,
        dyno: str | None = None,
        lines: int = 100,
        source: str | None = None,
        tail: bool = False,
        after: int | None = None,
    ) -> dict:
        """`POST /apps/{app}/log-sessions` with the heroku CLI's mapping; `{logplex_url, ...}`.

        `dyno` is a dyno name (`web.1`) or a process type (`web`); `after` is the router's
        gapless-resume extension (every line with a larger id, then the tail).
        """
        body: dict[str, object] = {"lines": self.clamp_lines(lines), "tail": bool(tail)}
        if dyno:
            body["dyno"] = dyno
        if source:
            body["source"] = source
        if after is not None:
            if self.kind == "heroku":
                raise PlatformError("unsupported", None, "Heroku has no `after` for log sessions")
            body["after"] = int(after)
        return self.request(  # type: ignore[return-value]
            "POST", f"/apps/{self._seg(app)}/log-sessions", app=app, json=body
        )

    def stream(self, logplex_url: str):
        """Open a session's `logplex_url` (see `stream.LogStream`); use as a context manager."""
        from .stream import LogStream

        https = logplex_url.startswith("https://")
        http = self._stream_clients.get(https)
        if http is None:
            # Plain http (the local router) skips the CA bundle; https verifies certificates.
            http = self._stream_clients[https] = httpx.Client(verify=https, **self._stream_options)
        stream = LogStream(http, logplex_url, read_timeout=self.stream_read_timeout)
        self._streams.add(stream)
        return stream

    # -- drains --------------------------------------------------------------------------

    def log_drains(self, app: str) -> list[dict]:
        return self.request("GET", f"/apps/{self._seg(app)}/log-drains", app=app)  # type: ignore[return-value]

    def log_drain(self, app: str, id_url_or_token: str) -> dict:
        path = f"/apps/{self._seg(app)}/log-drains/{self._seg(id_url_or_token)}"
        return self._drain_call("GET", path, app)

    def add_log_drain(self, app: str, url: str) -> dict:
        """Validate, then `POST /apps/{app}/log-drains`; 422 carries the API's message."""
        problem = validate_drain_url(url)
        if problem is not None:
            raise PlatformError("invalid", None, problem)
        return self.request(  # type: ignore[return-value]
            "POST", f"/apps/{self._seg(app)}/log-drains", app=app, json={"url": url}
        )

    def remove_log_drain(self, app: str, id_url_or_token: str) -> dict:
        """`DELETE` by id, token or URL (URL-encoded, as the heroku CLI does)."""
        path = f"/apps/{self._seg(app)}/log-drains/{self._seg(id_url_or_token)}"
        return self._drain_call("DELETE", path, app)

    def _drain_call(self, method: str, path: str, app: str) -> dict:
        try:
            return self.request(method, path, app=app)  # type: ignore[return-value]
        except PlatformError as exc:
            if exc.kind == "not_found" and "no app named" not in exc.message:
                raise PlatformError("not_found", 404, f"no such log drain on {app}") from None
            raise

    # -- history (router extension) ------------------------------------------------------

    def log_lines(
        self,
        app: str,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 100,
        source: str | None = None,
        dyno: str | None = None,
        q: str | None = None,
    ) -> dict:
        """`GET /apps/{app}/log-lines`: a page of stored history, oldest first (router only).

        Raises PlatformError "unsupported" for Heroku (which keeps 1,500 lines and has no such
        route) and for any server answering 404 for the route rather than for the app.
        """
        if self.kind == "heroku" and is_heroku_host(self.base_url):
            raise PlatformError(
                "unsupported", None, "Heroku keeps no history beyond its last 1,500 lines"
            )
        params: dict[str, object] = {"limit": max(0, min(10_000, int(limit)))}
        for key, value in (("before", before), ("after", after)):
            if value is not None:
                params[key] = int(value)
        for key, value in (("source", source), ("dyno", dyno), ("q", q)):
            if value:
                params[key] = value
        try:
            return self.request(  # type: ignore[return-value]
                "GET", f"/apps/{self._seg(app)}/log-lines", app=app, params=params
            )
        except PlatformError as exc:
            if exc.kind == "not_found" and "no app named" not in exc.message:
                raise PlatformError(
                    "unsupported", 404, f"{_host_of(self.base_url)} has no history paging"
                ) from None
            raise
