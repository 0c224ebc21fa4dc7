"""What a LiveTail asks the server for: its filters on every log session, one line and the
last id seen when it resumes by ids, the whole backlog when it resumes by comparing lines; and
a reconnect after a single delivered line still drops that line from the replay."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from tuilogs.core.buffer import LogBuffer, OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import LIVE_BASE, Spool
from tuilogs.platform.client import HEROKU_MAX_LINES, PlatformClient
from tuilogs.platform.live import LiveTail

from kit.platformkit import Pump, messages, stream_url

LINE = "2026-11-23T19:01:00.000001+00:00 app[web.1]: {}"


def recording_server(serve_asgi, streams: list[list[str]], *, history: bool):
    """Session n streams `streams[n - 1]` (the last one stays open); session bodies are kept
    in the returned list. With `history`, log-lines answers an empty page (the router's
    extension: resume by ids); without, 404 as Heroku does (resume by comparing lines)."""
    asked: list[dict] = []

    async def sessions(request: Request):
        asked.append(await request.json())
        return JSONResponse({"logplex_url": stream_url(request, f"/s/{len(asked)}")}, 201)

    async def stream(request: Request):
        n = int(request.path_params["n"])

        async def gen():
            yield "".join(x + "\n" for x in streams[min(n, len(streams)) - 1]).encode()
            if n >= len(streams):
                await asyncio.sleep(3600)

        return StreamingResponse(gen(), media_type="text/plain")

    async def log_lines(request: Request):
        if not history:
            return JSONResponse({"id": "not_found", "message": "nope"}, 404)
        return JSONResponse({"lines": [], "first_id": None, "last_id": None, "head_id": 0})

    app = Starlette(
        routes=[
            Route("/apps/{app}/log-sessions", sessions, methods=["POST"]),
            Route("/s/{n}", stream),
            Route("/apps/{app}/log-lines", log_lines),
        ]
    )
    client = PlatformClient(serve_asgi(app).base_url, "t", kind="local", timeout=10)
    return client, asked


def start(client: PlatformClient, **kw) -> tuple[LiveTail, Pump]:
    origins, feed = OriginTable(), Feed()
    spool = Spool(feed, origins, base=LIVE_BASE)
    tail = LiveTail(client, "myapp", feed, origins, spool=spool, backoff=(0.01, 0.02), **kw)
    return tail.start(), Pump(feed, LogBuffer(origins))


def test_resuming_by_ids_asks_for_one_line_after_the_last_id_with_the_filters(serve_asgi):
    client, asked = recording_server(serve_asgi, [[LINE.format("a")]], history=True)
    tail, pump = start(client, dyno="web", source="app")
    try:
        pump.until(lambda: messages(pump.buffer) == ["a"])
        assert tail.mode == "ids"
        assert asked[0] == {"lines": 1, "tail": True, "dyno": "web", "source": "app", "after": 0}
    finally:
        tail.stop()
        tail.join(5)
        client.close()


def test_resuming_by_lines_asks_for_the_whole_backlog_with_the_filters(serve_asgi):
    one = LINE.format("a")
    client, asked = recording_server(serve_asgi, [[one], [one, LINE.format("b")]], history=False)
    tail, pump = start(client, dyno="web", source="app", lines=10)
    try:
        # One line shown, then a replay that repeats it: it is shown once.
        pump.until(lambda: messages(pump.buffer)[-1:] == ["b"])
        assert messages(pump.buffer) == ["a", "b"]
        assert asked == [
            {"lines": 10, "tail": True, "dyno": "web", "source": "app"},
            {"lines": HEROKU_MAX_LINES, "tail": True, "dyno": "web", "source": "app"},
        ]
    finally:
        tail.stop()
        tail.join(5)
        client.close()
