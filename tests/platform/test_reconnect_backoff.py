"""How long a LiveTail waits before it reconnects: doubling from `initial`, never above `cap`,
with jitter in [½, 1]; and short again after a stream that was healthy.

The wait is read from the status the header shows (`retry_at`, on the monotonic clock). Each
`_wait` here is called with the tail already stopped, so it returns at once instead of
sleeping; the delay it chose is bounded by the clock read before and after the call.
"""

from __future__ import annotations

import random
import time

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuilogs.core.buffer import OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import LIVE_BASE, Spool
from tuilogs.core.status import State
from tuilogs.platform import live
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.errors import ServerError
from tuilogs.platform.live import LiveTail

from kit.platformkit import serve_sessions, stream_url

INITIAL, CAP = 1.0, 8.0
LINE = "2026-11-23T19:00:00.000001+00:00 app[web.1]: hello"


def stopped_tail(client: PlatformClient) -> LiveTail:
    origins, feed = OriginTable(), Feed()
    spool = Spool(feed, origins, base=LIVE_BASE)
    tail = LiveTail(
        client, "myapp", feed, origins, spool=spool, resume="window", backoff=(INITIAL, CAP)
    )
    tail.stop()  # every wait returns at once; nothing else about the tail changes
    return tail


def next_delay(tail: LiveTail) -> tuple[float, float]:
    """(lowest, highest) delay the next reconnect could have chosen, from its retry_at."""
    before = time.monotonic()
    tail._wait("the log stream ended", None)
    after = time.monotonic()
    status = tail.feed.status
    assert status.state is State.RECONNECTING and status.detail == "the log stream ended"
    return status.retry_at - after, status.retry_at - before


@pytest.mark.parametrize("jitter", [0.5, 1.0], ids=["least jitter", "most jitter"])
def test_delays_double_from_initial_then_stay_at_the_cap(monkeypatch, jitter):
    # random.uniform(0.5, 1.0) at one end of its range, so the delays are exact.
    monkeypatch.setattr(random, "uniform", lambda a, b: jitter)
    tail = stopped_tail(PlatformClient("http://127.0.0.1:9", "t"))
    for attempt in range(12):
        lowest, highest = next_delay(tail)
        want = min(CAP, INITIAL * 2**attempt) * jitter
        # The slack only covers the time the call itself takes.
        assert want - 0.5 <= lowest and highest <= want + 0.5, (attempt, lowest, highest)
    tail.client.close()


def test_retry_after_is_a_floor_even_above_the_cap():
    tail = stopped_tail(PlatformClient("http://127.0.0.1:9", "t"))
    before = time.monotonic()
    tail._wait("rate limited", 20.0)
    assert tail.feed.status.retry_at - before >= 20.0
    tail.client.close()


def serve_one_stream(serve_asgi, body: str) -> PlatformClient:
    async def sessions(request: Request):
        return JSONResponse({"logplex_url": stream_url(request)}, status_code=201)

    async def stream(request: Request):
        return Response(body, media_type="text/plain")  # delivered, then the stream ends

    return PlatformClient(serve_sessions(serve_asgi, sessions, stream), "t", timeout=5)


def test_a_stream_that_delivered_lines_resets_the_backoff(serve_asgi, monkeypatch):
    monkeypatch.setattr(random, "uniform", lambda a, b: b)  # no jitter: exact delays
    tail = stopped_tail(serve_one_stream(serve_asgi, LINE + "\n"))
    for _ in range(6):
        next_delay(tail)  # six failed reconnects: the next wait would be 32 s, capped to 8
    tail._stop.clear()  # the session must be read; waits are stopped again below
    assert tail._session() == ("the log stream ended", None)
    assert tail.delivered == 1
    tail._stop.set()
    lowest, highest = next_delay(tail)
    assert highest <= INITIAL + 0.05, "a healthy stream did not reset the backoff"
    tail.client.close()


def test_a_stream_that_ended_at_once_without_lines_keeps_backing_off(serve_asgi):
    tail = stopped_tail(serve_one_stream(serve_asgi, ""))
    for _ in range(3):
        next_delay(tail)
    tail._stop.clear()
    assert tail._session() == ("the log stream ended", None)
    tail._stop.set()
    lowest, _ = next_delay(tail)
    assert lowest >= INITIAL * 2**3 * 0.5 - 0.5
    tail.client.close()


def test_the_jitter_is_drawn_from_half_to_all_of_the_delay():
    random.seed(2026)
    factors = [random.uniform(0.5, 1.0) for _ in range(8)]  # what the tail will draw
    random.seed(2026)
    tail = stopped_tail(PlatformClient("http://127.0.0.1:9", "t"))
    for attempt, factor in enumerate(factors):
        lowest, highest = next_delay(tail)
        want = min(CAP, INITIAL * 2**attempt) * factor
        assert want - 0.05 <= lowest and highest <= want + 0.05, (attempt, lowest, highest)
    tail.client.close()


def test_few_api_calls_left_slow_the_reconnect_below_the_threshold_only(monkeypatch):
    monkeypatch.setattr(random, "uniform", lambda a, b: b)
    client = PlatformClient("http://127.0.0.1:9", "t")
    tail = stopped_tail(client)
    tail.low_rate_limit, tail.low_rate_delay = 10, 30.0
    client.rate_limit_remaining = 10  # at the threshold: not yet slowed
    assert next_delay(tail)[1] <= INITIAL + 0.05
    client.rate_limit_remaining = 9
    assert next_delay(tail)[0] >= 30.0 - 0.05
    client.close()


def test_after_a_wait_that_was_not_stopped_the_tail_is_connecting_again():
    origins, feed = OriginTable(), Feed()
    client = PlatformClient("http://127.0.0.1:9", "t")
    tail = LiveTail(
        client,
        "myapp",
        feed,
        origins,
        spool=Spool(feed, origins, base=LIVE_BASE),
        backoff=(0.01, 0.01),
    )
    tail._wait("the log stream ended", None)
    assert feed.status.state is State.CONNECTING
    client.close()


def test_a_session_without_a_logplex_url_is_retried_saying_so(serve_asgi):
    async def sessions(request: Request):
        return JSONResponse({"id": "x"}, status_code=201)

    async def stream(request: Request):
        return Response("", media_type="text/plain")

    client = PlatformClient(serve_sessions(serve_asgi, sessions, stream), "t", timeout=5)
    tail = stopped_tail(client)
    tail._stop.clear()
    with pytest.raises(ServerError) as raised:
        tail._session()
    assert raised.value.message == "the log session has no logplex_url"
    assert not raised.value.final  # a new session may have one: retried
    client.close()


class TailClock:
    """The tail's monotonic clock, moved on by the stream handler: how long a stream lived."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.mark.parametrize("lived, reset", [(10.0, False), (10.5, True)])
def test_a_stream_without_lines_resets_the_backoff_once_it_lived_over_10_seconds(
    serve_asgi, monkeypatch, lived, reset
):
    clock = TailClock()

    async def sessions(request: Request):
        return JSONResponse({"logplex_url": stream_url(request)}, status_code=201)

    async def stream(request: Request):
        clock.now += lived  # the stream stays open this long, then ends without a line
        return Response("", media_type="text/plain")

    monkeypatch.setattr(random, "uniform", lambda a, b: b)  # no jitter: exact delays
    tail = stopped_tail(PlatformClient(serve_sessions(serve_asgi, sessions, stream), "t"))
    for _ in range(3):
        next_delay(tail)
    tail._stop.clear()
    with monkeypatch.context() as patched:
        patched.setattr(live, "time", clock)
        assert tail._session() == ("the log stream ended", None)
    tail._stop.set()
    lowest, highest = next_delay(tail)
    if reset:
        assert highest <= INITIAL + 0.05
    else:
        assert lowest >= INITIAL * 2**3 - 0.05
    tail.client.close()
