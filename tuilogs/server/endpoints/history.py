"""Extensions for the explorer: stored history by position (`log-lines`) and its `log-stats`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..wire import log_lines_json, stats_json
from .common import in_thread, platform_api, query_int, require_app, store_of
from .time_params import query_range

MAX_ID = 1 << 62
MAX_PAGE = 10_000
DEFAULT_PAGE = 100


@platform_api
async def log_lines(request: Request) -> Response:
    """`GET /apps/{app}/log-lines`: a page of stored history by id, filtered and searched."""
    app = await require_app(request)
    before = query_int(request, "before", 0, MAX_ID)
    after = query_int(request, "after", 0, MAX_ID)
    limit = query_int(request, "limit", 0, MAX_PAGE)
    since, until = query_range(request)
    qp = request.query_params
    store = store_of(request)
    lines = await in_thread(
        lambda: store.page(
            app.name,
            before=before,
            after=after,
            limit=DEFAULT_PAGE if limit is None else limit,
            source=qp.get("source") or None,
            dyno=qp.get("dyno") or None,
            q=qp.get("q") or None,
            since=since,
            until=until,
        )
    )
    out = log_lines_json(lines, await in_thread(store.head_id))
    if qp.get("total") in ("1", "true"):
        out["total"] = await in_thread(store.count, app.name)
    return JSONResponse(out)


@platform_api
async def log_stats(request: Request) -> Response:
    """`GET /apps/{app}/log-stats`: counts per source and dyno (one pass over the app)."""
    app = await require_app(request)
    stats = await in_thread(store_of(request).stats, app.name)
    return JSONResponse(stats_json(app.name, stats))
