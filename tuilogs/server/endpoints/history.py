"""Extensions for the explorer: stored history by position (`log-lines`) and its `log-stats`.

A page of `log-lines` may be 10,000 lines of up to a megabyte each, so it is never built
whole: the page's bounds come first (`LogStore.tail_bounds` for a page that ends at `before`
or the newest line), then its lines are read and written oldest first in pieces of about
`PIECE_BYTES`. A store failure after the first piece cuts the JSON short, which the client
sees as a failed answer, never as a shorter page.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from ..store import LogStore, StoredLine, StoreError
from ..wire import log_lines_json, stats_json
from .common import in_thread, platform_api, query_int, require_app, store_of
from .time_params import query_range

log = logging.getLogger("tuilogs.server")

MAX_ID = 1 << 62
MAX_PAGE = 10_000
DEFAULT_PAGE = 100
PIECE_LINES = 1000  # lines per store read, at most
PIECE_BYTES = 512 * 1024  # message bytes per store read, about


class HistoryPage:
    """One `log-lines` answer: the matching lines with `start` < id < `upper`, at most `left`."""

    def __init__(self, store: LogStore, app: str, filters: dict, limit: int) -> None:
        self.store = store
        self.app = app
        self.filters = filters
        self.left = limit
        self.start = 0
        self.upper: int | None = None

    def bound(self, before: int | None, after: int | None) -> int:
        """Set the page's bounds (blocking); the head id. With `after` alone the page runs
        forward from it; otherwise it is the last `left` lines before `before`."""
        if after is not None and before is None:
            self.start = after
            return self.store.head_id()
        self.start, head = self.store.tail_bounds(
            self.app, self.left, after=after or 0, before=before, **self.filters
        )
        self.upper = head + 1 if before is None else min(before, head + 1)
        return head

    def read(self) -> list[StoredLine]:
        """The next piece (blocking); [] at the end."""
        if self.left <= 0:
            return []
        lines = self.store.lines(
            self.app,
            after=self.start,
            before=self.upper,
            limit=min(self.left, PIECE_LINES),
            max_bytes=PIECE_BYTES,
            **self.filters,
        )
        if lines:
            self.start = lines[-1].id
            self.left -= len(lines)
        return lines

    async def pieces(self, first: list[StoredLine]) -> AsyncIterator[list[StoredLine]]:
        yield first
        while first and (piece := await in_thread(self.read)):
            yield piece


@platform_api
async def log_lines(request: Request) -> Response:
    """`GET /apps/{app}/log-lines`: a page of stored history by id, filtered and searched."""
    app = await require_app(request)
    before = query_int(request, "before", 0, MAX_ID)
    after = query_int(request, "after", 0, MAX_ID)
    limit = query_int(request, "limit", 0, MAX_PAGE)
    since, until = query_range(request)
    qp = request.query_params
    filters = {
        "source": qp.get("source") or None,
        "dyno": qp.get("dyno") or None,
        "q": qp.get("q") or None,
        "since": since,
        "until": until,
    }
    store = store_of(request)
    page = HistoryPage(store, app.name, filters, DEFAULT_PAGE if limit is None else limit)
    head = await in_thread(page.bound, before, after)
    first = await in_thread(page.read)  # a store that cannot answer is still a 503 here
    total = None
    if qp.get("total") in ("1", "true"):
        total = await in_thread(store.count, app.name)

    async def body() -> AsyncIterator[str]:
        try:
            async for text in log_lines_json(page.pieces(first), head, total):
                yield text
        except StoreError as exc:
            log.warning("log-lines of %s cut short: %s", app.name, exc)

    return StreamingResponse(body(), media_type="application/json")


@platform_api
async def log_stats(request: Request) -> Response:
    """`GET /apps/{app}/log-stats`: counts per source and dyno (one pass over the app), and
    of the secrets redaction removed, per rule."""
    app = await require_app(request)
    store = store_of(request)
    stats = await in_thread(store.stats, app.name)
    redacted = await in_thread(store.redactions, app.name)
    return JSONResponse(stats_json(app.name, stats, redacted))
