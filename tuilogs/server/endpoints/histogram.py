"""`GET /apps/{app}/log-histogram`: lines and trouble lines per time bucket and origin over the
app's stored history (an extension for the explorer's histogram strip; docs/api.md)."""

from __future__ import annotations

import threading
import weakref

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..histogram import HistogramCache
from ..store import LineQuery, LogStore
from ..wire import histogram_json
from .common import in_thread, platform_api, query_int, require_app, store_of
from .time_params import query_range

DEFAULT_BUCKETS = 100
MAX_BUCKETS = 1000

_caches: weakref.WeakKeyDictionary[LogStore, HistogramCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(store: LogStore) -> HistogramCache:
    """One cache per store (per router), made on first use."""
    with _caches_lock:
        cache = _caches.get(store)
        if cache is None:
            cache = _caches[store] = HistogramCache(store)
        return cache


@platform_api
async def log_histogram(request: Request) -> Response:
    """Counts per bucket and origin of the lines the log-lines filters select."""
    app = await require_app(request)
    buckets = query_int(request, "buckets", 1, MAX_BUCKETS) or DEFAULT_BUCKETS
    since, until = query_range(request)
    qp = request.query_params
    filters = LineQuery(
        app.name,
        source=qp.get("source") or None,
        dyno=qp.get("dyno") or None,
        q=qp.get("q") or None,
        since=since,
        until=until,
    )
    cache = _cache(store_of(request))
    found = await in_thread(cache.histogram, filters, buckets)
    return JSONResponse(histogram_json(app.name, found))
