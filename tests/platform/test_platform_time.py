"""The client's time range and histogram against the real router, and open_app with a range:
the first screen, the history and the tail all keep to it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tuilogs.core.buffer import LogBuffer, OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.errors import ServerError, Unsupported
from tuilogs.platform.live import open_app
from tuilogs.platform.models import LogHistogram

from kit.platformkit import Pump, messages
from kit.routerkit import post_batch, rec

T0 = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
S0 = int(T0.timestamp())


def ts(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="microseconds")


def seed(router, n: int = 100) -> None:
    # Not monotonic: every third line comes from a dyno whose clock lags by 50 s.
    records = [
        rec(f"n{i}", "web.2" if i % 3 == 0 else "web.1", ts=ts(i - (50 if i % 3 == 0 else 0)))
        for i in range(n)
    ]
    assert post_batch(router, "myapp", records).status_code == 204


def expected(n: int, since: int | None, until: int | None) -> list[str]:
    out = []
    for i in range(n):
        t = i - (50 if i % 3 == 0 else 0)
        if (since is None or t >= since) and (until is None or t < until):
            out.append(f"n{i}")
    return out


def test_log_lines_in_a_range(router, pclient):
    seed(router)
    page = pclient.log_lines("myapp", limit=1000, since=S0 + 10, until=S0 + 40)
    assert [x["message"] for x in page.lines] == expected(100, 10, 40)
    page = pclient.log_lines("myapp", limit=1000, until=S0)
    assert [x["message"] for x in page.lines] == expected(100, None, 0)


def test_histogram(router, pclient):
    seed(router)
    hist = pclient.log_histogram("myapp", buckets=30)
    assert isinstance(hist, LogHistogram)
    assert hist.total == 100 and hist.buckets <= 30 and hist.start is not None
    assert {(o.source, o.dyno) for o in hist.origins} == {("app", "web.1"), ("app", "web.2")}
    assert sum(sum(o.lines) for o in hist.origins) == 100
    assert hist.start <= S0 - 50 < hist.start + hist.step
    ranged = pclient.log_histogram("myapp", buckets=30, since=S0, dyno="web.2")
    assert ranged.total == len([m for m in expected(100, 0, None) if int(m[1:]) % 3 == 0])


def test_heroku_has_no_time_range_or_histogram():
    heroku = PlatformClient("https://api.heroku.com", "t")
    with pytest.raises(Unsupported):
        heroku.create_log_session("myapp", since=S0)
    with pytest.raises(Unsupported):
        heroku.log_histogram("myapp")


def test_a_histogram_answer_that_is_not_one(serve_asgi):
    async def broken(request: Request):
        return JSONResponse({"start": "2026-11-01T12:00:00Z", "buckets": 3, "origins": [
            {"source": "app", "dyno": "web.1", "lines": [1, 2], "errors": [0, 0]}]})  # fmt: skip

    served = serve_asgi(Starlette(routes=[Route("/apps/{app}/log-histogram", broken)]))
    with PlatformClient(served.base_url, "t") as c, pytest.raises(ServerError):
        c.log_histogram("myapp")


def test_open_app_keeps_to_the_range_first_screen_history_and_tail(router, pclient):
    seed(router, 3000)
    origins, feed = OriginTable(), Feed()
    feed.painted.set()
    producers = open_app(
        pclient, "myapp", feed, origins, lines=300, since=S0 + 100, until=S0 + 2500,
        backoff=(0.05, 0.3),
    )  # fmt: skip
    pump = Pump(feed, LogBuffer(origins))
    try:
        tail, loader = producers
        want = expected(3000, 100, 2500)
        pump.until(lambda: loader.done.is_set() and len(pump.buffer) == len(want), timeout=30)
        assert messages(pump.buffer) == want
        post_batch(
            router,
            "myapp",
            [rec("new in", ts=ts(2400)), rec("new out", ts=ts(2600)), rec("new in 2", ts=ts(150))],
        )
        pump.until(lambda: len(pump.buffer) == len(want) + 2)
        assert messages(pump.buffer)[-2:] == ["new in", "new in 2"]
    finally:
        for p in producers:
            p.stop()
        for p in producers:
            p.join(5)
