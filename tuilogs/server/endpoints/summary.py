"""`GET /apps/{app}/log-summary` (an extension): what the stats view shows, over the whole
stored history of an app rather than the lines an explorer has paged in.

The store is read oldest first in byte-bounded pieces, up to the newest id when the request
came (lines arriving meanwhile are left for the next summary), and each piece is counted in
bulk by `tuilogs.core.stats.StatsBuilder`, so the answer holds a few hundred rows whatever the
history's size. Same filters as `log-lines` (`source`, `dyno`, `q`).
"""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuilogs.core.stats import StatsBuilder
from tuilogs.core.summary import LogSummary

from ..store import LogStore
from ..wire import summary_json
from .common import in_thread, platform_api, query_int, require_app, store_of

PIECE_LINES = 10_000
PIECE_BYTES = 4 << 20
MAX_BUCKETS = 1000
DEFAULT_BUCKETS = 60


def summarize(store: LogStore, app: str, filters: dict, buckets: int) -> LogSummary:
    """The summary of `app`'s stored lines matching `filters` (blocking)."""
    builder = StatsBuilder()
    upper = store.head_id() + 1
    after = 0
    while True:
        piece = store.lines(
            app, after=after, before=upper, limit=PIECE_LINES, max_bytes=PIECE_BYTES, **filters
        )
        if not piece:
            break
        after = piece[-1].id
        builder.add_block("".join(line.line() + "\n" for line in piece).encode())
        builder.add_origins(Counter((line.source, line.dyno) for line in piece))
    return builder.summary(buckets)


@platform_api
async def log_summary(request: Request) -> Response:
    """`GET /apps/{app}/log-summary`: requests per status class over time, top paths, codes,
    dynos and levels of the app's stored lines (`source`, `dyno`, `q` as for log-lines)."""
    app = await require_app(request)
    qp = request.query_params
    filters = {
        "source": qp.get("source") or None,
        "dyno": qp.get("dyno") or None,
        "q": qp.get("q") or None,
    }
    buckets = query_int(request, "buckets", 1, MAX_BUCKETS) or DEFAULT_BUCKETS
    summary = await in_thread(summarize, store_of(request), app.name, filters, buckets)
    return JSONResponse(summary_json(app.name, summary))
