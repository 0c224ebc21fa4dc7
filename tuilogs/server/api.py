"""The router's HTTP face: Logplex drain endpoint and the Platform API subset (see docs/api.md).

Starlette app built by `create_app(settings)`. Blocking store work runs in worker threads; the
event loop only moves bytes, fans out to tails (`Hub`) and hands lines to the forwarders.
Every error is JSON `{"id": ..., "message": ...}`; bad input never yields a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tuilogs.core import locations as paths
from tuilogs.core.drain_urls import mask_url, validate_drain_url
from tuilogs.core.frames import parse_logplex_body
from tuilogs.core.record import LogRecord, dyno_matches

from .auth import authorized
from .hub import Hub
from .sessions import LogSession, SessionManager
from .store import Store, StoredLine, StoreError, app_id

log = logging.getLogger("tuilogs.server")

MAX_SESSION_LINES = 100_000
_APP_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_GENERATION_ID = "2f5c1a68-5c4c-4f55-9a5d-6b1d8f0c0001"
_REGION_ID = "2f5c1a68-5c4c-4f55-9a5d-6b1d8f0c0002"
_STACK_ID = "2f5c1a68-5c4c-4f55-9a5d-6b1d8f0c0003"


@dataclass(repr=False)
class Settings:
    """What a router instance needs; `main.serve` and `start_in_thread` fill it."""

    token: str
    db_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0
    max_body: int = 1 << 20
    session_ttl: float = 300.0
    retention_seconds: float | None = None
    retention_bytes: int | None = None
    max_db_bytes: int | None = None
    durability: str = "normal"
    maintenance_interval: float = 60.0
    tail_buffer_lines: int = 20_000
    sse_keepalive: float = 15.0
    syslog_host: str | None = None
    syslog_port: int | None = None
    syslog_tls_port: int | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    forward: bool = True


def error(status: int, ident: str, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"id": ident, "message": message, **extra}, status_code=status)


def app_json(app: dict) -> dict:
    """An app as the Platform API shows it (the fields clients read; the rest neutral)."""
    name = app["name"]
    return {
        "acm": False,
        "archived_at": None,
        "build_stack": {"id": _STACK_ID, "name": "local"},
        "buildpack_provided_description": None,
        "created_at": app["created_at"],
        "generation": {"id": _GENERATION_ID, "name": "cedar"},
        "git_url": None,
        "id": app_id(name),
        "internal_routing": None,
        "maintenance": False,
        "name": name,
        "organization": None,
        "owner": {"email": "local@tuilogs", "id": app_id("~owner")},
        "region": {"id": _REGION_ID, "name": "local"},
        "released_at": app["updated_at"],
        "repo_size": None,
        "slug_size": None,
        "space": None,
        "stack": {"id": _STACK_ID, "name": "local"},
        "team": None,
        "updated_at": app["updated_at"],
        "web_url": None,
    }


def _sse_event(lines: list[tuple[int | None, LogRecord]]) -> str:
    """One SSE event carrying several lines (`data:` each); id = the last stored line's id."""
    out = []
    last_id = None
    for i, rec in lines:
        if i is not None:
            last_id = i
        for part in re.split(r"\r\n|\r|\n", rec.line()):
            out.append(f"data: {part}\n")
    if last_id is not None:
        out.insert(0, f"id: {last_id}\n")
    out.append("\n")
    return "".join(out)


def _plain(lines: list[tuple[int | None, LogRecord]]) -> str:
    return "".join(rec.line() + "\n" for _, rec in lines)


class Router:
    """The live state of one router: store, hub, sessions, forwarders, maintenance thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: Store | None = None
        self.hub = Hub(settings.tail_buffer_lines)
        self.sessions = SessionManager(settings.session_ttl)
        self.forwarders = None
        self.syslog_servers: list[asyncio.base_events.Server] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task] = set()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._maint: threading.Thread | None = None
        self._last_full_log = 0.0
        self._last_append = 0.0

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        s = self.settings
        self.loop = asyncio.get_running_loop()
        db = s.db_path or paths.store_path()
        self.store = await anyio.to_thread.run_sync(
            lambda: Store(
                db,
                retention_seconds=s.retention_seconds,
                retention_bytes=s.retention_bytes,
                max_bytes=s.max_db_bytes,
                durability=s.durability,
            )
        )
        self._maint = threading.Thread(target=self._maintain, name="tuilogs-store", daemon=True)
        self._maint.start()
        if s.forward:
            from .forward import ForwarderManager

            self.forwarders = ForwarderManager(self._report)
            await self.sync_drains()
        await self._start_syslog()

    async def _start_syslog(self) -> None:
        s = self.settings
        if not (s.syslog_port is not None or s.syslog_tls_port is not None):
            return
        from .syslog import make_server_ssl_context, start_syslog_server

        host = s.syslog_host or s.host
        if s.syslog_port is not None:
            server = await start_syslog_server(host, s.syslog_port, self.on_syslog)
            self.syslog_servers.append(server)
        if s.syslog_tls_port is not None:
            if not (s.tls_cert and s.tls_key):
                raise ValueError("syslog over TLS needs tls_cert and tls_key")
            ctx = make_server_ssl_context(s.tls_cert, s.tls_key)
            server = await start_syslog_server(host, s.syslog_tls_port, self.on_syslog, ctx)
            self.syslog_servers.append(server)

    def syslog_ports(self) -> list[int]:
        return [srv.sockets[0].getsockname()[1] for srv in self.syslog_servers if srv.sockets]

    async def stop(self) -> None:
        for server in self.syslog_servers:
            server.close()
        for server in self.syslog_servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)
        if self.forwarders is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.forwarders.aclose(), 5)
        for task in list(self._tasks):
            task.cancel()
        self._stop.set()
        self._wake.set()
        if self._maint is not None:
            await anyio.to_thread.run_sync(self._maint.join, 10)
        if self.store is not None:
            await anyio.to_thread.run_sync(self.store.close)

    def _maintain(self) -> None:
        """Index new lines for search, and apply retention now and then (own thread).

        Indexing costs ~6x an insert and shares SQLite's single writer with ingest, so while
        batches are arriving it takes at most a quarter of the writer's time (small chunks,
        then a pause 3x as long); the index catches up when ingest quiets down, and searches
        scan the not-yet-indexed tail meanwhile. Measured: ingest with indexing inline
        ~40k lines/s, with this duty cycle >100k lines/s.
        """
        store = self.store
        assert store is not None
        next_retention = next_checkpoint = time.monotonic()
        while not self._stop.is_set():
            busy = time.monotonic() - self._last_append < 0.25
            chunk = store.index_chunk if busy else store.index_chunk * 2
            started = time.monotonic()
            try:
                if started >= next_retention:
                    next_retention = started + self.settings.maintenance_interval
                    store.enforce_retention()
                if started >= next_checkpoint:
                    next_checkpoint = started + 0.5
                    store.checkpoint()
                done = store.index_pending(chunk)
            except StoreError as exc:
                log.error("store maintenance failed: %s", exc)
                done = 0
            except Exception:
                log.exception("store maintenance failed")
                done = 0
            took = time.monotonic() - started
            if done and busy:
                self._stop.wait(min(1.0, took * 3))
            elif done >= chunk:
                self._stop.wait(0.002)  # let a waiting writer in between chunks
            else:
                self._wake.wait(min(0.5, self.settings.maintenance_interval))
                self._wake.clear()

    # -- ingest --------------------------------------------------------------------------

    def _log_store_error(self, app: str, exc: StoreError) -> None:
        now = time.monotonic()
        if now - self._last_full_log > 5.0:
            self._last_full_log = now
            log.error("cannot store logs for %s: %s", app, exc)

    def published(self, app: str, ids: tuple[int, int], records: list[LogRecord], forward: bool):
        """After a commit: wake tails and the indexer, hand the lines to the forwarders."""
        self.hub.publish(app, ids[0], records)
        self._last_append = time.monotonic()
        self._wake.set()
        if forward and self.forwarders is not None:
            try:
                self.forwarders.offer(app, records)
            except Exception:
                log.exception("forwarding to drains of %s failed", app)

    async def ingest(
        self,
        app: str,
        records: list[LogRecord],
        frame_id: str | None = None,
        forward: bool = True,
    ) -> tuple[int, int] | None:
        """Store, publish and forward one batch; raises StoreError (e.g. StoreFull)."""
        assert self.store is not None
        ids = await anyio.to_thread.run_sync(self.store.append, app, records, frame_id)
        if ids is not None:
            self.published(app, ids, records, forward)
        return ids

    async def on_syslog(self, app: str, records: list[LogRecord]) -> None:
        try:
            await self.ingest(app, records)
        except StoreError as exc:
            self._log_store_error(app, exc)

    def _report(self, app: str, record: LogRecord) -> None:
        """Forwarders report delivery trouble into the app's own log (thread-safe).

        Reported lines are not forwarded again, so a failing drain cannot feed itself.
        """
        loop = self.loop
        if loop is None or loop.is_closed():
            return

        def spawn() -> None:
            task = loop.create_task(self._store_report(app, record))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            spawn()
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(spawn)

    async def _store_report(self, app: str, record: LogRecord) -> None:
        try:
            await self.ingest(app, [record], forward=False)
        except StoreError as exc:
            self._log_store_error(app, exc)

    async def sync_drains(self) -> None:
        if self.forwarders is None or self.store is None:
            return
        drains = await anyio.to_thread.run_sync(self.store.drains)
        self.forwarders.sync(drains)


def _router(request: Request) -> Router:
    return request.app.state.router


def _store(request: Request) -> Store:
    store = _router(request).store
    assert store is not None
    return store


async def _run(fn: Callable, *args: object):
    return await anyio.to_thread.run_sync(fn, *args)


def api(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable]:
    """Platform API endpoint: requires the router token (Bearer, or Basic password)."""

    async def wrapped(request: Request) -> Response:
        router = _router(request)
        if not authorized(request.headers.get("authorization"), router.settings.token):
            resp = error(401, "unauthorized", "Invalid credentials provided.")
            resp.headers["WWW-Authenticate"] = 'Bearer realm="tuilogs"'
            return resp
        try:
            return await handler(request)
        except StoreError as exc:
            return error(503, "service_unavailable", f"The log store is unavailable: {exc}")
        except ClientDisconnect:
            return Response(status_code=400)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


async def _json_body(request: Request) -> dict | JSONResponse:
    body = await _read_limited(request, 64 * 1024)
    if body is None:
        return error(413, "payload_too_large", "Request body exceeds 64 KiB.")
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return error(400, "bad_request", "Request body is not valid JSON.")
    if not isinstance(data, dict):
        return error(400, "bad_request", "Request body must be a JSON object.")
    return data


def _app_name(request: Request) -> str | None:
    name = request.path_params["app"]
    return name if _APP_RE.fullmatch(name) else None


async def _find_app(request: Request) -> dict | None:
    """An app by name or by its id (uuid5 of the name)."""
    ident = request.path_params["app"]
    store = _store(request)
    app = await _run(store.app, ident) if _APP_RE.fullmatch(ident) else None
    if app is None and len(ident) == 36:
        for candidate in await _run(store.apps):
            if app_id(candidate["name"]) == ident:
                return candidate
    return app


def _not_found_app(request: Request) -> JSONResponse:
    return error(404, "not_found", "Couldn't find that app.", resource="app")


# -- drain endpoint ------------------------------------------------------------------------


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it exceeds `limit` (chunked bodies included)."""
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


_OK_CTYPES = ("application/logplex-1", "text/plain", "application/octet-stream", "")


async def drain_post(request: Request) -> Response:
    """`POST /drains/{app}`: one Logplex batch. 204 stored; 400/401/413/503 as documented."""
    router = _router(request)
    settings = router.settings
    if not authorized(request.headers.get("authorization"), settings.token):
        resp = error(401, "unauthorized", "Invalid credentials provided.")
        resp.headers["WWW-Authenticate"] = 'Basic realm="tuilogs drain"'
        return resp
    app = _app_name(request)
    if app is None:
        return error(400, "bad_request", "App name must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}.")
    length = request.headers.get("content-length")
    if length is not None:
        if not length.strip().isdigit():
            return error(400, "bad_request", "Content-Length is not a number.")
        if int(length) > settings.max_body:
            return error(413, "payload_too_large", f"Body exceeds {settings.max_body} bytes.")
    try:
        body = await _read_limited(request, settings.max_body)
    except ClientDisconnect:
        return Response(status_code=400)
    if body is None:
        return error(413, "payload_too_large", f"Body exceeds {settings.max_body} bytes.")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _OK_CTYPES:
        return error(
            400, "bad_request", f"Content-Type {ctype!r} is not application/logplex-1.", stored=0
        )
    problems: list[str] = []
    count_header = request.headers.get("logplex-msg-count")
    expected: int | None = None
    if count_header is not None:
        if count_header.strip().isdigit():
            expected = int(count_header)
        else:
            problems.append(f"Logplex-Msg-Count is not a number: {count_header[:40]!r}.")
    frame_id = request.headers.get("logplex-frame-id") or None
    if frame_id is not None and len(frame_id) > 200:
        problems.append("Logplex-Frame-Id is longer than 200 characters; not used for dedupe.")
        frame_id = None
    store = _store(request)

    def parse_and_store():
        result = parse_logplex_body(body)
        records = [f.record() for f in result.frames]
        ids = store.append(app, records, frame_id) if records else None
        return result, records, ids

    try:
        result, records, ids = await _run(parse_and_store)
    except StoreError as exc:
        router._log_store_error(app, exc)
        resp = error(503, "service_unavailable", f"Cannot store logs now: {exc}. Retry later.")
        resp.headers["Retry-After"] = "10"
        return resp
    if ids is not None:
        router.published(app, ids, records, forward=True)
    problems.extend(result.errors)
    if expected is not None and expected != len(records):
        problems.append(
            f"Logplex-Msg-Count says {expected} but the body holds {len(records)} frames."
        )
    if problems:
        log.info("drain %s: malformed batch (%d stored): %s", app, len(records), problems[0])
        return error(
            400,
            "bad_request",
            " ".join(problems[:20]),
            stored=len(records) if ids is not None else 0,
            errors=problems[:50],
        )
    return Response(status_code=204)


# -- apps ----------------------------------------------------------------------------------


@api
async def list_apps(request: Request) -> Response:
    apps = await _run(_store(request).apps)
    return JSONResponse([app_json(a) for a in apps])


@api
async def get_app(request: Request) -> Response:
    app = await _find_app(request)
    if app is None:
        return _not_found_app(request)
    return JSONResponse(app_json(app))


# -- log sessions --------------------------------------------------------------------------


def _opt_str(data: dict, key: str) -> str | None | JSONResponse:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return error(422, "invalid_params", f"{key} must be a string.")
    return value


def _opt_int(data: dict, key: str, default: int | None, lo: int, hi: int):
    value = data.get(key, default)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        return error(422, "invalid_params", f"{key} must be an integer from {lo} to {hi}.")
    return value


@api
async def create_log_session(request: Request) -> Response:
    """`POST /apps/{app}/log-sessions`: a single-use, expiring stream URL."""
    app = await _find_app(request)
    if app is None:
        return _not_found_app(request)
    data = await _json_body(request)
    if isinstance(data, Response):
        return data
    dyno = _opt_str(data, "dyno")
    source = _opt_str(data, "source")
    lines = _opt_int(data, "lines", 100, 0, MAX_SESSION_LINES)
    after = _opt_int(data, "after", None, 0, 1 << 62)
    for value in (dyno, source, lines, after):
        if isinstance(value, Response):
            return value
    tail = data.get("tail", False)
    if isinstance(tail, str) and tail.lower() in ("1", "true", "0", "false"):
        tail = tail.lower() in ("1", "true")
    if not isinstance(tail, bool):
        return error(422, "invalid_params", "tail must be a boolean.")
    session = _router(request).sessions.create(
        LogSession(app=app["name"], dyno=dyno, source=source, lines=lines, tail=tail, after=after)
    )
    url = f"{str(request.base_url).rstrip('/')}/log-sessions/{session.secret}"
    return JSONResponse(
        {
            "id": session.id,
            "logplex_url": url,
            "created_at": session.created_at,
            "updated_at": session.created_at,
        },
        status_code=201,
    )


async def stream_log_session(request: Request) -> Response:
    """`GET /log-sessions/{secret}`: backlog, then (tail) live lines; SSE or plain text."""
    router = _router(request)
    session = router.sessions.claim(request.path_params["secret"])
    if session is None:
        return error(404, "not_found", "Log session not found, used or expired.")
    store = router.store
    assert store is not None
    sse = "text/event-stream" in request.headers.get("accept", "")
    sub = router.hub.subscribe(session.app) if session.tail else None
    backlog: list[StoredLine] = []
    head = 0
    try:
        if session.after is None:
            backlog, head = await _run(
                lambda: store.tail(session.app, session.lines, session.source, session.dyno)
            )
    except BaseException:
        if sub is not None:
            sub.close()
        raise
    fmt = _sse_event if sse else _plain
    source, dyno = session.source, session.dyno
    keepalive = router.settings.sse_keepalive

    def wanted(rec: LogRecord) -> bool:
        return (not source or rec.source == source) and (not dyno or dyno_matches(rec.dyno, dyno))

    async def catch_up() -> AsyncIterator[list[StoredLine]]:
        """Lines after `session.after`, page by page; sets `head` from the last snapshot."""
        nonlocal head
        cursor = session.after or 0
        while True:
            lines, snap = await _run(
                store.since_snapshot, session.app, cursor, 5000, session.source, session.dyno
            )
            if lines:
                yield lines
            if len(lines) < 5000:
                head = snap
                return
            cursor = lines[-1].id

    async def body() -> AsyncIterator[str]:
        try:
            for i in range(0, len(backlog), 2000):
                chunk: list[StoredLine] = backlog[i : i + 2000]
                yield fmt([(line.id, line.record()) for line in chunk])
            if session.after is not None:
                async for chunk in catch_up():
                    yield fmt([(line.id, line.record()) for line in chunk])
            if sub is None:
                return
            cursor = head
            while True:
                batches = await sub.get(keepalive)
                if not batches:
                    if sse:
                        yield ": keepalive\n\n"
                    continue
                out: list[tuple[int | None, LogRecord]] = []
                for first, records in batches:
                    if first is None:
                        out.extend((None, r) for r in records)
                        continue
                    last = first + len(records) - 1
                    if last <= cursor:
                        continue
                    out.extend(
                        (i, r) for i, r in enumerate(records, first) if i > cursor and wanted(r)
                    )
                    cursor = last
                if out:
                    yield fmt(out)
        finally:
            if sub is not None:
                sub.close()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    media = "text/event-stream" if sse else "text/plain; charset=utf-8"
    return StreamingResponse(body(), media_type=media, headers=headers)


# -- history (extension) -------------------------------------------------------------------


def _query_int(request: Request, key: str, lo: int, hi: int) -> int | None | JSONResponse:
    raw = request.query_params.get(key)
    if raw is None or raw == "":
        return None
    if not raw.strip().isdigit() or not lo <= int(raw) <= hi:
        return error(422, "invalid_params", f"{key} must be an integer from {lo} to {hi}.")
    return int(raw)


@api
async def log_lines(request: Request) -> Response:
    """`GET /apps/{app}/log-lines`: a page of stored history by id, filtered and searched."""
    app = await _find_app(request)
    if app is None:
        return _not_found_app(request)
    before = _query_int(request, "before", 0, 1 << 62)
    after = _query_int(request, "after", 0, 1 << 62)
    limit = _query_int(request, "limit", 0, 10_000)
    for value in (before, after, limit):
        if isinstance(value, Response):
            return value
    qp = request.query_params
    source = qp.get("source") or None
    dyno = qp.get("dyno") or None
    q = qp.get("q") or None
    store = _store(request)
    lines = await _run(
        lambda: store.page(
            app["name"],
            before=before,
            after=after,
            limit=100 if limit is None else limit,
            source=source,
            dyno=dyno,
            q=q,
        )
    )
    out = {
        "lines": [line.as_json() for line in lines],
        "first_id": lines[0].id if lines else None,
        "last_id": lines[-1].id if lines else None,
        "head_id": await _run(store.head_id),
    }
    if qp.get("total") in ("1", "true"):
        out["total"] = await _run(store.count, app["name"])
    return JSONResponse(out)


@api
async def log_stats(request: Request) -> Response:
    """`GET /apps/{app}/log-stats`: counts per source and dyno (one pass over the app)."""
    app = await _find_app(request)
    if app is None:
        return _not_found_app(request)
    stats = await _run(_store(request).stats, app["name"])
    return JSONResponse({"app": {"id": app_id(app["name"]), "name": app["name"]}, **stats})


# -- drains --------------------------------------------------------------------------------


def _loops_back(request: Request, url: str, app: str) -> bool:
    """A drain pointing at this router's own endpoint for the same app would feed itself."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    own = request.url
    same_host = parts.hostname in ("127.0.0.1", "localhost", "::1", own.hostname)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return same_host and port == own.port and parts.path.rstrip("/") == f"/drains/{app}"


@api
async def list_drains(request: Request) -> Response:
    app = await _find_app(request)
    if app is None:
        return JSONResponse([])
    return JSONResponse(await _run(_store(request).drains, app["name"]))


@api
async def create_drain(request: Request) -> Response:
    name = _app_name(request)
    if name is None:
        return _not_found_app(request)
    data = await _json_body(request)
    if isinstance(data, Response):
        return data
    url = data.get("url")
    problem = validate_drain_url(url)
    if problem is None and _loops_back(request, url, name):
        problem = "Url points at this router's own drain endpoint for the same app (a loop)."
    if problem is not None:
        return error(422, "invalid_params", problem)
    router = _router(request)
    drain = await _run(_store(request).add_drain, name, url)
    if drain is None:
        return error(422, "invalid_params", "Url has already been taken.")
    log.info("drain %s added to %s: %s", drain["token"], name, mask_url(url))
    await router.sync_drains()
    return JSONResponse(drain, status_code=201)


@api
async def get_drain(request: Request) -> Response:
    app = await _find_app(request)
    drain = None
    if app is not None:
        drain = await _run(_store(request).find_drain, app["name"], request.path_params["ident"])
    if drain is None:
        return error(404, "not_found", "Couldn't find that log drain.", resource="log_drain")
    return JSONResponse(drain)


@api
async def delete_drain(request: Request) -> Response:
    app = await _find_app(request)
    drain = None
    if app is not None:
        ident = request.path_params["ident"]
        drain = await _run(_store(request).remove_drain, app["name"], ident)
    if drain is None:
        return error(404, "not_found", "Couldn't find that log drain.", resource="log_drain")
    log.info("drain %s removed from %s", drain["token"], drain["app"]["name"])
    await _router(request).sync_drains()
    return JSONResponse(drain)


# -- app -----------------------------------------------------------------------------------


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    idents = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
    ident = idents.get(exc.status_code, "error")
    return JSONResponse(
        {"id": ident, "message": str(exc.detail)},
        status_code=exc.status_code,
        headers=dict(exc.headers or {}),
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    path = request.url.path
    if path.startswith("/log-sessions/"):
        path = "/log-sessions/<secret>"  # a live session's secret stays out of the log
    log.exception("internal error on %s %s", request.method, path)
    return error(500, "internal_server_error", "Internal error; see the router's log.")


def create_app(settings: Settings) -> Starlette:
    """The router as an ASGI app; its lifespan opens and closes the store and the workers."""
    router = Router(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await router.start()
        try:
            yield
        finally:
            await router.stop()

    routes = [
        Route("/drains/{app}", drain_post, methods=["POST"]),
        Route("/apps", list_apps, methods=["GET"]),
        Route("/apps/{app}", get_app, methods=["GET"]),
        Route("/apps/{app}/log-sessions", create_log_session, methods=["POST"]),
        Route("/log-sessions/{secret}", stream_log_session, methods=["GET"]),
        Route("/apps/{app}/log-lines", log_lines, methods=["GET"]),
        Route("/apps/{app}/log-stats", log_stats, methods=["GET"]),
        Route("/apps/{app}/log-drains", list_drains, methods=["GET"]),
        Route("/apps/{app}/log-drains", create_drain, methods=["POST"]),
        Route("/apps/{app}/log-drains/{ident:path}", get_drain, methods=["GET"]),
        Route("/apps/{app}/log-drains/{ident:path}", delete_drain, methods=["DELETE"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.router = router
    return app
