"""A synchronous Platform API client for Heroku and the local router (one protocol).

Synchronous on purpose: producers run on their own threads (`tuilogs.core.ingest.producers.Producer`),
and a blocking client is the simplest thing there. Answers come back as the small models of
`models` (`LogSession`, `LogDrain`, `LogPage`); every failure is a typed `PlatformError`
(`errors`) whose message a person can act on. No message, exception or repr ever carries the
token or a drain URL's password (`mask_url`).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypedDict
from urllib.parse import quote, urlsplit

import httpx

from tuilogs import __version__
from tuilogs.core.drain_urls import validate_drain_url
from tuilogs.core.summary import LogSummary
from tuilogs.core.timerange import rfc3339

from .errors import (
    AppNotFound,
    InvalidRequest,
    NotFound,
    ServerError,
    Unsupported,
    error_from_response,
    host_of,
    network_error,
)
from .models import LogDrain, LogHistogram, LogPage, LogSession
from .stream import LogStream

if TYPE_CHECKING:
    from typing_extensions import Unpack

HEROKU_API = "https://api.heroku.com"
ACCEPT = "application/vnd.heroku+json; version=3"
USER_AGENT = f"tuilogs/{__version__} httpx/{httpx.__version__}"
HEROKU_MAX_LINES = 1500
ROUTER_MAX_LINES = 100_000
_SPENT = httpx.ByteStream(b"")  # what a read response's stream is replaced with (see request)


class RequestOptions(TypedDict, total=False):
    """What one API call may carry besides its method and path: `app` names the app in the
    errors (AppNotFound rather than NotFound), the rest goes to httpx as it is."""

    app: str | None
    json: object
    params: dict | None
    content: bytes | None
    headers: dict[str, str] | None


class LineFilter(TypedDict, total=False):
    """Which stored lines a router extension (log-lines, log-summary, log-histogram) reads:
    `source` and `dyno` as for log sessions, `q` a query in the explorer's language. An empty
    or missing value filters nothing."""

    source: str | None
    dyno: str | None
    q: str | None


class TimedLineFilter(LineFilter, total=False):
    """A `LineFilter` within a time range: `since`/`until` in epoch seconds (None: open)."""

    since: int | None
    until: int | None


_FILTER_KEYS = ("source", "dyno", "q")


def is_heroku_host(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").lower()
    return host == "heroku.com" or host.endswith(".heroku.com")


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

    def request(self, method: str, path: str, **options: Unpack[RequestOptions]) -> object:
        """One API call; the decoded JSON answer, or a PlatformError."""
        return self.request_page(method, path, **options)[0]

    def request_page(
        self, method: str, path: str, **options: Unpack[RequestOptions]
    ) -> tuple[object, str | None]:
        """`request`, and the `Next-Range` of a list truncated by Heroku's Ranges (a `206
        Partial Content` answer; None when the list is complete): the `Range` header that
        asks for the next page."""
        app = options.pop("app", None)
        try:
            resp = self._http.request(method, path, **options)
        except httpx.HTTPError as exc:
            raise network_error(exc, self.base_url, self.timeout) from None
        try:
            more = resp.headers.get("next-range") if resp.status_code == 206 else None
            return self._answer(resp, app), more or None
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
            # Raised without a local name, so the raising frame and the exception's traceback
            # form no cycle that keeps the answer alive.
            raise error_from_response(resp, app, self._token)
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise ServerError(
                f"{host_of(self.base_url)}: answer is not JSON", status=resp.status_code
            ) from None

    @staticmethod
    def _seg(value: str) -> str:
        return quote(value, safe="")

    # -- apps ----------------------------------------------------------------------------

    def apps(self) -> list[dict]:
        return self.request("GET", "/apps")  # type: ignore[return-value]

    def app(self, name: str) -> dict:
        return self.request("GET", f"/apps/{self._seg(name)}", app=name)  # type: ignore[return-value]

    def addon(self, app: str, name: str) -> dict:
        """`GET /apps/{app}/addons/{name}` (Heroku; the router has no add-ons: NotFound)."""
        return self.request("GET", f"/apps/{self._seg(app)}/addons/{self._seg(name)}")  # type: ignore[return-value]

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
        since: int | None = None,
        until: int | None = None,
    ) -> LogSession:
        """`POST /apps/{app}/log-sessions` with the heroku CLI's mapping.

        `dyno` is a dyno name (`web.1`) or a process type (`web`); `after` is the router's
        gapless-resume extension (every line with a larger id, then the tail); `since` and
        `until` (epoch seconds) its time range, backlog and tail alike. Heroku has neither:
        Unsupported (filter the lines yourself).
        """
        body: dict[str, object] = {"lines": self.clamp_lines(lines), "tail": bool(tail)}
        if dyno:
            body["dyno"] = dyno
        if source:
            body["source"] = source
        if after is not None:
            if self.kind == "heroku":
                raise Unsupported("Heroku has no `after` for log sessions")
            body["after"] = int(after)
        if since is not None or until is not None:
            if self.kind == "heroku":
                raise Unsupported("Heroku's log sessions have no time range")
            body.update(_time_range(since, until))
        answer = self.request("POST", f"/apps/{self._seg(app)}/log-sessions", app=app, json=body)
        return LogSession.from_json(answer)

    def stream(self, logplex_url: str) -> LogStream:
        """Open a session's `logplex_url` (see `stream.LogStream`); use as a context manager."""
        stream = LogStream(
            self.stream_http(logplex_url), logplex_url, read_timeout=self.stream_read_timeout
        )
        self._streams.add(stream)
        return stream

    def stream_http(self, url: str) -> httpx.Client:
        """The httpx client for a stream URL (a `logplex_url`, a build's `output_stream_url`):
        no Authorization header, since such a URL carries its own secret."""
        https = url.startswith("https://")
        http = self._stream_clients.get(https)
        if http is None:
            # Plain http (the local router) skips the CA bundle; https verifies certificates.
            http = self._stream_clients[https] = httpx.Client(verify=https, **self._stream_options)
        return http

    # -- drains --------------------------------------------------------------------------

    def log_drains(self, app: str) -> list[LogDrain]:
        answer = self.request("GET", f"/apps/{self._seg(app)}/log-drains", app=app)
        return LogDrain.list_from_json(answer)

    def log_drain(self, app: str, id_url_or_token: str) -> LogDrain:
        path = f"/apps/{self._seg(app)}/log-drains/{self._seg(id_url_or_token)}"
        return self._drain_call("GET", path, app)

    def add_log_drain(self, app: str, url: str) -> LogDrain:
        """Validate, then `POST /apps/{app}/log-drains`; 422 carries the API's message."""
        problem = validate_drain_url(url)
        if problem is not None:
            raise InvalidRequest(problem)
        path = f"/apps/{self._seg(app)}/log-drains"
        return _drain(self.request("POST", path, app=app, json={"url": url}))

    def remove_log_drain(self, app: str, id_url_or_token: str) -> LogDrain:
        """`DELETE` by id, token or URL (URL-encoded, as the heroku CLI does)."""
        path = f"/apps/{self._seg(app)}/log-drains/{self._seg(id_url_or_token)}"
        return self._drain_call("DELETE", path, app)

    def _drain_call(self, method: str, path: str, app: str) -> LogDrain:
        try:
            answer = self.request(method, path, app=app)
        except AppNotFound:
            raise
        except NotFound:
            raise NotFound(f"no such log drain on {app}", status=404) from None
        return _drain(answer)

    # -- history (router extension) ------------------------------------------------------

    def log_lines(
        self,
        app: str,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 100,
        total: bool = False,
        **filters: Unpack[TimedLineFilter],
    ) -> LogPage:
        """`GET /apps/{app}/log-lines`: a page of stored history, oldest first (router only).

        Raises Unsupported for Heroku (which keeps 1,500 lines and has no such route) and for
        any server answering 404 for the route rather than for the app. `total` also counts
        the app's lines (a scan on the server: use sparingly).
        """
        self._refuse_heroku("Heroku keeps no history beyond its last 1,500 lines")
        params: dict[str, object] = {"limit": max(0, min(10_000, int(limit)))}
        for key, value in (("before", before), ("after", after)):
            if value is not None:
                params[key] = int(value)
        params.update(_filter_params(filters, TimedLineFilter))
        if total:
            params["total"] = 1
        answer = self._extension(app, "log-lines", params, "history paging")
        return LogPage.from_json(answer)

    def log_summary(
        self, app: str, *, buckets: int = 60, **filters: Unpack[LineFilter]
    ) -> LogSummary:
        """`GET /apps/{app}/log-summary`: the stats view's numbers over the app's whole stored
        history (router only; Unsupported for Heroku and servers without the route)."""
        self._refuse_heroku("Heroku keeps no history to summarise")
        params = {"buckets": max(1, min(1000, int(buckets))), **_filter_params(filters, LineFilter)}
        answer = self._extension(app, "log-summary", params, "log summary")
        try:
            return LogSummary.from_json(answer)  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ServerError("the log-summary answer is not a summary") from None

    def log_histogram(
        self, app: str, *, buckets: int = 100, **filters: Unpack[TimedLineFilter]
    ) -> LogHistogram:
        """`GET /apps/{app}/log-histogram`: lines and trouble lines per time bucket and origin
        over the whole stored history (router only; Unsupported elsewhere)."""
        self._refuse_heroku("Heroku keeps no history to count")
        params = {
            "buckets": max(1, min(1000, int(buckets))),
            **_filter_params(filters, TimedLineFilter),
        }
        answer = self._extension(app, "log-histogram", params, "histogram")
        return LogHistogram.from_json(answer)

    def _refuse_heroku(self, lacks: str) -> None:
        """Heroku itself has none of the stored-history extensions: Unsupported, saying what it
        `lacks`, before any request (a router on another host is asked)."""
        if self.kind == "heroku" and is_heroku_host(self.base_url):
            raise Unsupported(lacks)

    def _extension(self, app: str, resource: str, params: dict, what: str):
        """`GET /apps/{app}/{resource}`, a router extension: a server without the route (404
        for the route, not for the app) is Unsupported, naming `what` it lacks."""
        try:
            return self.request("GET", f"/apps/{self._seg(app)}/{resource}", app=app, params=params)
        except AppNotFound:
            raise
        except NotFound:
            raise Unsupported(f"{host_of(self.base_url)} has no {what}", status=404) from None


def _filter_params(filters: Mapping[str, object], accepted: type) -> dict[str, object]:
    """A `LineFilter` (or `TimedLineFilter`: the `accepted` one) as query parameters; an empty
    value filters nothing and is left out. A name the call does not accept is a TypeError, as
    for any keyword argument."""
    unknown = sorted(set(filters) - accepted.__optional_keys__)  # type: ignore[attr-defined]
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
    params: dict[str, object] = {key: filters[key] for key in _FILTER_KEYS if filters.get(key)}
    params.update(_time_range(filters.get("since"), filters.get("until")))  # type: ignore[arg-type]
    return params


def _time_range(since: int | None, until: int | None) -> dict[str, str]:
    """`since`/`until` as the router reads them: RFC 3339 in UTC."""
    out = {}
    for key, value in (("since", since), ("until", until)):
        if value is not None:
            out[key] = rfc3339(int(value))
    return out


def _drain(answer: object) -> LogDrain:
    if not isinstance(answer, dict):
        raise ServerError("the log-drains answer is not a drain")
    return LogDrain.from_json(answer)
