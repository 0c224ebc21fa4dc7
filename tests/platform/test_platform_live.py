"""LiveTail end to end: real router on loopback, lines posted to its drain endpoint arrive in a
LogBuffer through Feed.drain; faults: router restarted on the same port, streams cut after N
bytes (mid-event), 401/404 (final), 429/500/expired stream (retried), a trickling server."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tuilogs.core.buffer import LogBuffer, OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import LIVE_BASE, Spool
from tuilogs.core.status import State, Status
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.live import LiveTail, open_app
from tuilogs.server.run import start_in_thread

from kit.platformkit import Pump, messages, serve_sessions, stream_url, wait_for
from kit.routerkit import post_batch, rec

FAST = (0.05, 0.4)


def post(router, app, prefix, n, start=0, **kw):
    records = [rec(f"{prefix}{i}", **kw) for i in range(start, start + n)]
    assert post_batch(router, app, records).status_code == 204
    return [r.message for r in records]


def make_tail(client, app="myapp", **kw):
    origins = OriginTable()
    feed = Feed()
    buffer = LogBuffer(origins)
    spool = Spool(feed, origins, base=LIVE_BASE)
    kw.setdefault("backoff", FAST)
    tail = LiveTail(client, app, feed, origins, spool=spool, **kw)
    return tail, Pump(feed, buffer)


@pytest.fixture
def tails():
    started = []
    yield started
    for t in started:
        t.stop()
    for t in started:
        t.join(5)  # well before a blocked read's 60 s timeout: stop() interrupted it
    assert not any(t._thread.is_alive() for t in started), "a LiveTail did not stop"
    for t in started:
        t.client.close()


def test_tail_end_to_end(router, pclient, tails):
    expected = post(router, "myapp", "old", 20)
    tail, pump = make_tail(pclient, lines=5)
    tails.append(tail.start())
    pump.until(lambda: len(pump.buffer) == 5 and pump.feed.status.state is State.LIVE)
    assert messages(pump.buffer) == expected[-5:]
    expected = expected[-5:]
    for k in range(5):
        expected += post(router, "myapp", f"live{k}-", 200)
    pump.until(lambda: len(pump.buffer) == len(expected))
    assert messages(pump.buffer) == expected
    assert tail.mode == "ids" and tail.sessions == 1
    assert pump.states[0].state in (State.CONNECTING, State.LIVE)


def test_filters_go_to_the_server(router, pclient, tails):
    post(router, "myapp", "w", 10, dyno="worker.1")
    expected = post(router, "myapp", "web", 10, dyno="web.12")
    tail, pump = make_tail(pclient, dyno="web", source="app")
    tails.append(tail.start())
    pump.until(lambda: pump.feed.status.state is State.LIVE)
    post(router, "myapp", "w-live", 10, dyno="worker.1")
    post(router, "myapp", "h", 3, dyno="router", source="heroku")
    expected += post(router, "myapp", "web-live", 10, dyno="web.1")
    # Lines come in id order: once the last one is here, a wrongly sent one would be too.
    pump.until(lambda: messages(pump.buffer)[-1:] == expected[-1:])
    assert messages(pump.buffer) == expected


@pytest.mark.parametrize("resume", ["auto", "window"])
def test_router_restart_on_same_port(make_router, tails, resume):
    router = make_router()
    port = router.port
    expected = post(router, "myapp", "a", 100)
    client = PlatformClient(router.base_url, router.token, timeout=5)
    tail, pump = make_tail(client, lines=1500, resume=resume, backoff=(0.3, 1.0))
    tails.append(tail.start())
    pump.until(lambda: len(pump.buffer) == 100 and pump.feed.status.state is State.LIVE)
    expected += post(router, "myapp", "b", 50)
    pump.until(lambda: len(pump.buffer) == 150)

    # Kill the router mid-stream; the tail must notice and keep trying.
    router.stop()
    pump.until(lambda: pump.feed.status.state is State.RECONNECTING)
    assert pump.feed.status.detail
    # It tries again while the router is down, and fails again (each wait has its own retry_at).
    pump.until(lambda: sum(st.state is State.RECONNECTING for st in pump.states) >= 2)
    # Restart on the same port and store lines before the tail is back: they must not be lost.
    router2 = make_router(port=port)
    expected += post(router2, "myapp", "c", 30)
    pump.until(lambda: len(pump.buffer) >= len(expected) and pump.feed.status.state is State.LIVE)
    expected += post(router2, "myapp", "d", 30)
    pump.until(lambda: messages(pump.buffer)[-1:] == expected[-1:])
    assert messages(pump.buffer) == expected  # no duplicates, no gap, in order
    assert any(s.state is State.RECONNECTING for s in pump.states)
    assert pump.states[-1].state is State.LIVE
    assert tail.sessions >= 2


def cutting_proxy(router, cut_bytes: int):
    """A real HTTP proxy in front of the router that cuts every log stream after `cut_bytes`
    bytes (usually in the middle of an SSE event): a server closing streams after N lines."""
    up = httpx.AsyncClient(base_url=router.base_url, timeout=30)
    base = {}

    async def forward(request: Request):
        headers = {k: v for k, v in request.headers.items() if k in ("authorization", "accept")}
        r = await up.request(
            request.method,
            request.url.path,
            params=request.query_params,
            content=await request.body(),
            headers=headers,
        )
        body = r.content
        if request.url.path.endswith("/log-sessions") and r.status_code == 201:
            data = r.json()
            data["logplex_url"] = data["logplex_url"].replace(router.base_url, base["url"])
            return JSONResponse(data, status_code=201)
        return Response(body, status_code=r.status_code, media_type=r.headers.get("content-type"))

    async def stream(request: Request):
        req = up.build_request(
            "GET", request.url.path, headers={"accept": request.headers.get("accept", "")}
        )
        r = await up.send(req, stream=True)

        async def body():
            sent = 0
            async for chunk in r.aiter_raw():
                if sent + len(chunk) >= cut_bytes:
                    yield chunk[: cut_bytes - sent]
                    return
                sent += len(chunk)
                yield chunk

        return StreamingResponse(
            body(),
            status_code=r.status_code,
            media_type=r.headers.get("content-type"),
            background=BackgroundTask(r.aclose),
        )

    app = Starlette(
        routes=[
            Route("/log-sessions/{secret}", stream),
            Route("/{path:path}", forward, methods=["GET", "POST", "DELETE"]),
        ]
    )
    return app, base


def test_streams_cut_mid_event_resume_exactly(router, serve_asgi, tails):
    expected = post(router, "myapp", "seed", 50)
    app, base = cutting_proxy(router, cut_bytes=16_000)
    served = serve_asgi(app)
    base["url"] = served.base_url
    client = PlatformClient(served.base_url, router.token, timeout=10)
    tail, pump = make_tail(client, lines=50, backoff=(0.01, 0.05))
    tails.append(tail.start())
    pump.until(lambda: len(pump.buffer) == 50)
    for k in range(30):
        expected += post(router, "myapp", f"x{k}-", 100)
        time.sleep(0.05)  # pacing, not waiting: the lines spread over many cut streams
    pump.until(lambda: messages(pump.buffer)[-1:] == expected[-1:], timeout=30)
    assert tail.sessions > 5  # the proxy really cut the streams
    assert messages(pump.buffer) == expected


def test_401_is_final_with_fix_it_message(router, tails):
    client = PlatformClient(router.base_url, "not-the-token-SECRET")
    tail, pump = make_tail(client)
    tails.append(tail.start())
    tail.join(5)
    assert not tail._thread.is_alive()  # no retry loop
    status = pump.feed.status
    assert status.failed and "heroku login" in status.detail and "tuilogs token" in status.detail
    assert "not-the-token-SECRET" not in status.describe()
    assert tail.sessions == 0 and tail.wait_first_id(0) is None


def test_router_app_without_logs_yet_is_waited_for(router, pclient, tails):
    """On the router an app exists once logs arrive: the tail waits, then goes live."""
    tail, pump = make_tail(pclient, app="later")
    tails.append(tail.start())
    wait_for(lambda: pump.feed.status == Status(State.WAITING, "the first lines of later"))
    sent = post(router, "later", "first", 3)
    pump.until(lambda: messages(pump.buffer) == sent and pump.feed.status.state is State.LIVE)


def test_404_app_is_final_on_heroku(serve_asgi, tails):
    async def no_app(request):
        return JSONResponse({"id": "not_found", "message": "Couldn't find that app."}, 404)

    server = serve_asgi(Starlette(routes=[Route("/{p:path}", no_app, methods=["GET", "POST"])]))
    client = PlatformClient(server.base_url, "token", kind="heroku")
    tail, pump = make_tail(client, app="nope")
    tails.append(tail.start())
    tail.join(5)
    assert pump.feed.status.failed and "nope" in pump.feed.status.detail


class FakeHeroku:
    """A small Heroku-like server (no history route): sessions answer per `plan`, then 201;
    the stream sends `lines` (plain text) and stays open."""

    def __init__(self, plan: list[tuple[int, dict]], lines: list[str], stream_plan=()):
        self.plan = list(plan)
        self.stream_plan = list(stream_plan)
        self.lines = lines
        self.calls: list[float] = []

    def app(self) -> Starlette:
        async def sessions(request: Request):
            self.calls.append(time.monotonic())
            if self.plan:
                status, headers = self.plan.pop(0)
                return JSONResponse(
                    {"id": "x", "message": f"status {status}"}, status_code=status, headers=headers
                )
            n = len(self.calls)
            return JSONResponse(
                {"id": str(n), "logplex_url": stream_url(request, f"/stream/{n}")}, status_code=201
            )

        async def stream(request: Request):
            if self.stream_plan:
                return Response("log stream timed out", status_code=self.stream_plan.pop(0))

            async def body():
                for line in self.lines:
                    yield (line + "\n").encode()
                    await asyncio.sleep(0.002)
                await asyncio.sleep(3600)

            return StreamingResponse(body(), media_type="text/plain")

        async def missing(request: Request):
            return JSONResponse({"id": "not_found", "message": "no such endpoint"}, 404)

        return Starlette(
            routes=[
                Route("/apps/{app}/log-sessions", sessions, methods=["POST"]),
                Route("/stream/{n}", stream),
                Route("/apps/{app}/log-lines", missing),
            ]
        )


LINES = [f"2026-11-23T19:00:{i:02d}.000001+00:00 app[web.1]: fake {i}" for i in range(30)]


def serve_fake(serve_asgi, fake: FakeHeroku):
    return PlatformClient(serve_asgi(fake.app()).base_url, "t", timeout=5)


def test_429_backs_off_by_retry_after(serve_asgi, tails):
    fake = FakeHeroku([(429, {"Retry-After": "1", "RateLimit-Remaining": "0"})], LINES)
    client = serve_fake(serve_asgi, fake)
    tail, pump = make_tail(client)
    tails.append(tail.start())
    pump.until(lambda: len(pump.buffer) == 30 and pump.feed.status.state is State.LIVE)
    assert any(s.state is State.RECONNECTING and "rate limited" in s.detail for s in pump.states)
    assert fake.calls[1] - fake.calls[0] >= 0.95
    assert tail.mode == "window"
    assert messages(pump.buffer) == [f"fake {i}" for i in range(30)]


def test_low_rate_limit_remaining_slows_reconnects(serve_asgi, tails):
    calls = []

    async def sessions(request: Request):
        calls.append(time.monotonic())
        return JSONResponse(
            {"logplex_url": stream_url(request)},
            status_code=201,
            headers={"RateLimit-Remaining": "3"},
        )

    async def stream(request: Request):
        return Response(LINES[len(calls) - 1] + "\n", media_type="text/plain")  # then ends

    url = serve_sessions(serve_asgi, sessions, stream)
    client = PlatformClient(url, "t")
    tail, pump = make_tail(client, resume="window", backoff=(0.01, 0.02))
    tail.low_rate_delay = 0.5
    tails.append(tail.start())
    pump.until(lambda: len(calls) >= 3)
    assert client.rate_limit_remaining == 3
    assert calls[2] - calls[1] >= 0.45


def test_403_from_the_api_is_final(serve_asgi, tails):
    fake = FakeHeroku([(403, {})], LINES)
    client = serve_fake(serve_asgi, fake)
    tail, pump = make_tail(client)
    tails.append(tail.start())
    tail.join(5)
    assert pump.feed.status.failed and "forbidden" in pump.feed.status.detail
    assert len(fake.calls) == 1


def test_500s_are_retried_with_backoff(serve_asgi, tails):
    fake = FakeHeroku([(500, {}), (502, {}), (503, {})], LINES)
    client = serve_fake(serve_asgi, fake)
    tail, pump = make_tail(client, backoff=(0.1, 0.4))
    tails.append(tail.start())
    pump.until(lambda: len(pump.buffer) == 30 and pump.feed.status.state is State.LIVE)
    assert len(fake.calls) == 4
    gaps = [b - a for a, b in zip(fake.calls, fake.calls[1:], strict=False)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.2  # exponential (with jitter)
    assert any(s.state is State.RECONNECTING for s in pump.states)


def test_expired_stream_403_404_makes_a_new_session(serve_asgi, tails):
    fake = FakeHeroku([], LINES, stream_plan=[404, 403])
    client = serve_fake(serve_asgi, fake)
    tail, pump = make_tail(client)
    tails.append(tail.start())
    pump.until(lambda: len(pump.buffer) == 30 and pump.feed.status.state is State.LIVE)
    assert tail.sessions == 3
    assert messages(pump.buffer) == [f"fake {i}" for i in range(30)]


@pytest.mark.parametrize("lost", [None, 25])
def test_window_mode_drops_the_reconnect_overlap(serve_asgi, tails, lost):
    """Heroku-style resume: each new session replays a backlog that overlaps what was shown,
    preceded by older lines never shown; only the new lines are added. `lost`: a line the
    first stream never delivered (a tail buffer overflow) comes once, from the replay."""
    all_lines = [f"2026-11-23T19:01:{i:02d}.000001+00:00 app[web.{i % 3}]: l{i}" for i in range(60)]
    state = {"n": 0}

    async def sessions(request: Request):
        state["n"] += 1
        return JSONResponse(
            {"logplex_url": stream_url(request, f"/s/{state['n']}")}, status_code=201
        )

    async def stream(request: Request):
        n = int(request.path_params["n"])
        # Session 1 shows lines 20..29 and ends; session 2 replays 0..39 (backlog: 0..19 never
        # shown, 20..29 shown, 30..39 new) and ends; session 3 replays 10..59.
        window = {1: (20, 30), 2: (0, 40), 3: (10, 60)}.get(n, (10, 60))
        shown = [
            x
            for i, x in enumerate(all_lines)
            if window[0] <= i < window[1] and (n > 1 or i != lost)
        ]
        body = "".join(x + "\n" for x in shown)

        async def gen():
            yield body.encode()
            if n >= 3:
                await asyncio.sleep(3600)

        return StreamingResponse(gen(), media_type="text/plain")

    url = serve_sessions(serve_asgi, sessions, stream, stream_path="/s/{n}", no_log_lines=True)
    client = PlatformClient(url, "t")
    tail, pump = make_tail(client, lines=10)
    tails.append(tail.start())
    # l59 ends the last replay: any duplicate of an earlier line would have come before it.
    pump.until(lambda: messages(pump.buffer)[-1:] == ["l59"])
    if lost is None:
        assert messages(pump.buffer) == [f"l{i}" for i in range(20, 60)]
    else:
        first = [f"l{i}" for i in range(20, 30) if i != lost]
        assert messages(pump.buffer) == first + [f"l{lost}"] + [f"l{i}" for i in range(30, 60)]


def test_trickling_server_and_quick_stop(serve_asgi, tails):
    payload = "".join(x + "\n" for x in LINES).encode()

    async def sessions(request: Request):
        return JSONResponse({"logplex_url": stream_url(request)}, status_code=201)

    async def stream(request: Request):
        async def gen():
            for i in range(0, len(payload), 7):
                yield payload[i : i + 7]
                await asyncio.sleep(0.003)
            await asyncio.sleep(3600)

        return StreamingResponse(gen(), media_type="text/plain")

    url = serve_sessions(serve_asgi, sessions, stream)
    client = PlatformClient(url, "t")
    tail, pump = make_tail(client, resume="window")
    tail.start()
    pump.until(lambda: len(pump.buffer) == 30)
    assert messages(pump.buffer) == [f"fake {i}" for i in range(30)]
    assert tail.sessions == 1
    tail.stop()  # must interrupt the blocked read of a quiet stream (read timeout: 60 s)
    tail.join(5)
    assert not tail._thread.is_alive()


def test_open_app_never_blocks_the_caller(tuilogs_home):
    """With the server unreachable, open_app returns at once; the state says what happens."""
    client = PlatformClient("http://127.0.0.1:9", "t", timeout=2)
    origins, feed = OriginTable(), Feed()
    producers = open_app(client, "myapp", feed, origins, backoff=FAST)
    wait_for(lambda: feed.status.state is State.RECONNECTING)
    assert "connection refused" in feed.status.detail and "127.0.0.1:9" in feed.status.detail
    for p in producers:
        p.stop()
    for p in producers:
        p.join(5)
    assert threading.active_count() < 50


def test_embedded_router_restart_helper_signature():
    # start_in_thread(port=...) is what the restart test relies on.
    import inspect

    assert "port" in inspect.signature(start_in_thread).parameters


def test_first_screen_anchors_for_print_mode(serve_asgi, router, pclient, tails):
    """`anchored` says the first screen is written (print mode waits for it): with ids at
    once, against Heroku when `lines` lines came or the stream paused."""
    fake = FakeHeroku([], LINES)
    client = serve_fake(serve_asgi, fake)
    exact, pump = make_tail(client, lines=30)
    tails.append(exact.start())
    assert exact.anchored.wait(5) and exact.delivered == 30
    paused, pump2 = make_tail(client, lines=1500, first_screen_grace=0.2)
    tails.append(paused.start())
    assert paused.anchored.wait(5) and paused.delivered == 30
    assert paused.wait_first_id(0) is None  # Heroku: no history to page back through

    post(router, "myapp", "r", 20)
    ids, pump3 = make_tail(pclient, lines=5)
    tails.append(ids.start())
    assert ids.anchored.wait(5) and ids.delivered == 5 and ids.first_id is not None


def test_follow_false_is_heroku_logs_without_tail(serve_asgi, router, pclient, tails):
    expected = post(router, "myapp", "r", 20)
    tail, pump = make_tail(pclient, lines=5, follow=False)
    tails.append(tail.start())
    tail.join(5)
    pump()
    assert pump.feed.status.state is State.ENDED and tail.sessions == 0
    assert messages(pump.buffer) == expected[-5:]

    asked = []

    async def sessions(request: Request):
        asked.append(await request.json())
        return JSONResponse({"logplex_url": stream_url(request)}, status_code=201)

    async def stream(request: Request):
        return Response("".join(x + "\n" for x in LINES[-7:]), media_type="text/plain")

    url = serve_sessions(serve_asgi, sessions, stream)
    client = PlatformClient(url, "t", kind="heroku")
    tail, pump = make_tail(client, lines=7, follow=False)
    tails.append(tail.start())
    tail.join(5)
    pump()
    assert pump.feed.status.state is State.ENDED and tail.anchored.is_set()
    assert asked == [{"lines": 7, "tail": False}]
    assert messages(pump.buffer) == [f"fake {i}" for i in range(23, 30)]
