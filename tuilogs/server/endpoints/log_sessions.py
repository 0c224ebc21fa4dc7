"""Log sessions as Heroku's: `POST /apps/{app}/log-sessions` makes a single-use, expiring
`logplex_url`; `GET /log-sessions/{secret}` streams it (SSE or plain text).

A stream sends the backlog (the last `lines` lines, or with the `after` extension every line
after an id), piece by piece, then — with `tail` — new lines as they are stored. The tail
subscribes before the backlog is read and skips what the backlog's snapshot already covered,
so there is no gap and no duplicate between the two.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from tuilogs.core.record import LogRecord, dyno_matches
from tuilogs.core.timerange import TimeRange

from ..errors import ApiError
from ..hub import Subscription
from ..router import Router
from ..sessions import LogSession
from ..store import StoredLine, StoreError
from ..wire import SSE_KEEPALIVE, log_session_json, plain_lines, sse_event
from .common import (
    in_thread,
    json_body,
    opt_bool,
    opt_int,
    opt_str,
    platform_api,
    public_url,
    require_app,
    router_of,
)
from .time_params import body_range, line_seconds

log = logging.getLogger("tuilogs.server")

DEFAULT_LINES = 100
MAX_SESSION_LINES = 100_000
PAGE_LINES = 2000  # lines per store read and per write, at most
CHUNK_BYTES = 512 * 1024  # message bytes per store read and per write, about

NumberedLines = list[tuple[int | None, LogRecord]]


@platform_api
async def create_log_session(request: Request) -> Response:
    """`POST /apps/{app}/log-sessions`: a single-use, expiring stream URL."""
    app = await require_app(request)
    data = await json_body(request)
    dyno, source = opt_str(data, "dyno"), opt_str(data, "source")
    lines = opt_int(data, "lines", 0, MAX_SESSION_LINES)
    after = opt_int(data, "after", 0, 1 << 62)
    tail = opt_bool(data, "tail")
    since, until = body_range(data)
    session = LogSession(
        app=app.name,
        dyno=dyno,
        source=source,
        lines=DEFAULT_LINES if lines is None else lines,
        tail=tail,
        after=after,
        since=since,
        until=until,
    )
    router_of(request).sessions.create(session)
    url = f"{public_url(request)}/log-sessions/{session.secret}"
    return JSONResponse(log_session_json(session, url), status_code=201)


async def stream_log_session(request: Request) -> Response:
    """`GET /log-sessions/{secret}`: backlog, then (tail) live lines; SSE or plain text."""
    router = router_of(request)
    session = router.sessions.claim(request.path_params["secret"])
    if session is None:
        raise ApiError(404, "not_found", "Log session not found, used or expired.")
    sse = "text/event-stream" in request.headers.get("accept", "")
    stream = SessionStream(router, session, sse)
    await stream.open()
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    media = "text/event-stream" if sse else "text/plain; charset=utf-8"
    return StreamingResponse(stream.body(), media_type=media, headers=headers)


class SessionStream:
    """The text of one claimed session: backlog (or catch-up after an id), then the live tail.

    Nothing is read or formatted whole: the store is read in pieces of at most `CHUNK_BYTES`
    of messages (a 100,000-line backlog of 10 KB lines was 3.5 GB as one string), each piece
    written before the next is read, and the tail takes as much from its subscription at a
    time. A stalled client therefore holds one piece here, one in the socket's buffer, and its
    subscription's bounded queue.
    """

    def __init__(self, router: Router, session: LogSession, sse: bool) -> None:
        assert router.store is not None
        self.store = router.store
        self.hub = router.hub
        self.session = session
        self.sse = sse
        self.keepalive = router.settings.sse_keepalive
        self.format: Callable[[NumberedLines], str] = sse_event if sse else plain_lines
        self.sub: Subscription | None = None
        self.start = 0  # the backlog is the matching lines with start < id <= head
        self.head = 0  # the store's head id when the backlog was bounded: the tail goes on after it

    async def open(self) -> None:
        """Subscribe (when tailing) first, then bound the backlog, so nothing falls between."""
        s = self.session
        self.sub = self.hub.subscribe(s.app) if s.tail else None
        try:
            n = s.lines if s.after is None else 0
            start, self.head = await in_thread(
                lambda: self.store.tail_bounds(
                    s.app, n, source=s.source, dyno=s.dyno, since=s.since, until=s.until
                )
            )
            self.start = start if s.after is None else s.after
        except StoreError as exc:
            self.close()
            msg = f"The log store is unavailable: {exc}"
            raise ApiError(503, "service_unavailable", msg) from exc
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.sub is not None:
            self.sub.close()

    async def body(self) -> AsyncIterator[str]:
        try:
            cursor = self.start
            while True:  # while a client stalls, only the text of one piece is held here
                lines = await in_thread(self._piece, cursor)
                if not lines:
                    break
                cursor, text = lines[-1].id, self._lines(lines)
                del lines
                yield text
            if self.sub is not None:
                async for text in self._live(self.sub):
                    yield text
        except StoreError as exc:  # the client resumes with `after` the last id it got
            log.warning("log session of %s ended: %s", self.session.app, exc)
        finally:
            self.close()

    def _piece(self, cursor: int) -> list[StoredLine]:
        """The next backlog lines after `cursor`, up to the head (a blocking store read)."""
        s = self.session
        return self.store.lines(
            s.app,
            after=cursor,
            before=self.head + 1,
            limit=PAGE_LINES,
            source=s.source,
            dyno=s.dyno,
            max_bytes=CHUNK_BYTES,
            since=s.since,
            until=s.until,
        )

    def _lines(self, lines: list[StoredLine]) -> str:
        return self.format([(line.id, line.record()) for line in lines])

    async def _live(self, sub: Subscription) -> AsyncIterator[str]:
        """New lines as the hub publishes them (a keepalive comment when quiet, for SSE)."""
        cursor = self.head
        while True:
            batches = await sub.get(self.keepalive, CHUNK_BYTES)
            if not batches:
                if self.sse:
                    yield SSE_KEEPALIVE
                continue
            out, cursor = self._wanted(batches, cursor)
            del batches  # a stalled client keeps this suspended: hold the text alone
            if out:
                text = self.format(out)
                del out
                yield text

    def _wanted(
        self, batches: list[tuple[int | None, list[LogRecord]]], cursor: int
    ) -> tuple[NumberedLines, int]:
        """The published lines after `cursor` that pass the session's filters, and the new
        cursor. Notices (id None, e.g. L11) always pass."""
        source, dyno = self.session.source, self.session.dyno
        span = TimeRange(self.session.since, self.session.until)
        out: NumberedLines = []
        for first, records in batches:
            if first is None:
                out.extend((None, r) for r in records)
                continue
            last = first + len(records) - 1
            if last <= cursor:
                continue
            out.extend(
                (i, r)
                for i, r in enumerate(records, first)
                if i > cursor
                and (not source or r.source == source)
                and (not dyno or dyno_matches(r.dyno, dyno))
                and (not span.bounded or line_seconds(r.timestamp) in span)
            )
            cursor = last
        return out, cursor
