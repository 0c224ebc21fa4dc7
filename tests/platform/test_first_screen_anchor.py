"""When a Heroku-style tail's first screen counts as written (`anchored`) at the end of a session.

A stream that was read and ended has delivered its whole backlog: the first screen is written
then, not a quiet grace later. A stream that could not be opened delivered nothing: the first
screen is still to come, so print mode (`retry_first=False`) fails with the stream's error
rather than retrying, and the explorer keeps waiting for it while it reconnects. The thread
that watches for a quiet stream does not keep a program from exiting.
"""

from __future__ import annotations

import asyncio
import threading

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from tuilogs.core.buffer import LogBuffer, OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import LIVE_BASE, Spool
from tuilogs.core.status import State
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.live import LiveTail

from kit.platformkit import Pump, serve_sessions, stream_url

LINES = [f"2026-11-23T19:01:00.000001+00:00 app[web.1]: line {i}" for i in range(3)]


def serve_stream(serve_asgi, status: int, body: str = "") -> PlatformClient:
    """Every session's stream answers `status` with `body`, then ends."""

    async def sessions(request: Request):
        return JSONResponse({"logplex_url": stream_url(request)}, status_code=201)

    async def stream(request: Request):
        return Response(body, status_code=status, media_type="text/plain")

    url = serve_sessions(serve_asgi, sessions, stream, no_log_lines=True)
    return PlatformClient(url, "t", timeout=10)


def start_tail(client: PlatformClient, lines: int = 10, **kw) -> tuple[LiveTail, Pump]:
    origins, feed = OriginTable(), Feed()
    spool = Spool(feed, origins, base=LIVE_BASE)
    # lines=10 (unless told) and a long quiet grace: only the session's end anchors the screen;
    # a long backoff keeps the tail waiting once the session ended.
    tail = LiveTail(
        client,
        "myapp",
        feed,
        origins,
        spool=spool,
        lines=lines,
        first_screen_grace=600,
        backoff=(600, 600),
        **kw,
    )
    return tail.start(), Pump(feed, LogBuffer(origins))


def stop(tail: LiveTail, client: PlatformClient) -> None:
    tail.stop()
    tail.join(5)
    client.close()


def test_a_stream_that_was_read_and_ended_anchors_the_first_screen(serve_asgi):
    client = serve_stream(serve_asgi, 200, "".join(x + "\n" for x in LINES))
    tail, pump = start_tail(client)
    try:
        pump.until(lambda: pump.feed.status.state is State.RECONNECTING)
        assert tail.delivered == 3 and tail.sessions == 1
        assert tail.anchored.is_set()
    finally:
        stop(tail, client)


def test_a_stream_that_failed_to_open_leaves_the_first_screen_to_come(serve_asgi):
    client = serve_stream(serve_asgi, 500)
    tail, pump = start_tail(client)
    try:
        pump.until(lambda: pump.feed.status.state is State.RECONNECTING)
        assert tail.delivered == 0 and tail.sessions == 1
        assert not tail.anchored.is_set()
    finally:
        stop(tail, client)


def test_print_mode_fails_when_the_first_stream_cannot_be_opened(serve_asgi):
    client = serve_stream(serve_asgi, 500)
    tail, pump = start_tail(client, retry_first=False)
    try:
        pump.until(lambda: pump.feed.status.state in (State.FAILED, State.RECONNECTING))
        assert pump.feed.status.state is State.FAILED
        assert pump.feed.status.detail == "log stream answered HTTP 500"
        assert tail.sessions == 1 and tail.delivered == 0
    finally:
        stop(tail, client)


def test_the_threads_a_tail_starts_never_hold_a_program_open(serve_asgi):
    async def sessions(request: Request):
        return JSONResponse({"logplex_url": stream_url(request)}, status_code=201)

    async def stream(request: Request):
        async def trickle():
            i = 0
            while True:  # a backlog that never pauses long enough to count as over
                yield f"{LINES[0]} {i}\n".encode()
                i += 1
                await asyncio.sleep(0.05)  # paces the stream; nothing waits on it

        return StreamingResponse(trickle(), media_type="text/plain")

    client = PlatformClient(serve_sessions(serve_asgi, sessions, stream, no_log_lines=True), "t")
    before = set(threading.enumerate())
    tail, pump = start_tail(client, lines=1500, resume="window")  # the first screen: pending
    try:
        pump.until(lambda: tail.delivered > 0)  # the quiet watch runs from the stream's start
        started = set(threading.enumerate()) - before
        # The tail and its quiet watch: daemons, so a program that ends while the first
        # screen is read exits rather than waiting out the grace.
        assert len(started) >= 2 and all(thread.daemon for thread in started)
    finally:
        stop(tail, client)
