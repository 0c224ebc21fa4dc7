"""Heroku-style resume, where the comparison with what was shown ends: after the backlog that
was asked for (1,500 lines on a reconnect), or after `resume_grace` seconds. From then on every
line is new, even one equal to a line shown before; and if nothing matched, the lines held back
while comparing were all new and are written, in order."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse

from tuilogs.core.buffer import LogBuffer, OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import LIVE_BASE, Spool
from tuilogs.platform.client import HEROKU_MAX_LINES, PlatformClient
from tuilogs.platform.live import LiveTail

from kit.platformkit import Pump, messages, serve_sessions, stream_url


def line(name: str) -> str:
    return f"2026-11-23T19:01:00.000001+00:00 app[web.1]: {name}"


def serve_two_sessions(serve_asgi, first: list[str], second: list[list[str]]) -> PlatformClient:
    """Session 1 streams `first` and ends; session 2 streams each chunk of `second` a moment
    apart and stays open."""
    calls = []

    async def sessions(request: Request):
        calls.append(1)
        return JSONResponse({"logplex_url": stream_url(request, f"/s/{len(calls)}")}, 201)

    async def stream(request: Request):
        n = int(request.path_params["n"])

        async def gen():
            if n == 1:
                yield "".join(x + "\n" for x in first).encode()
                return
            for chunk in second:
                yield "".join(x + "\n" for x in chunk).encode()
                await asyncio.sleep(0.3)
            await asyncio.sleep(3600)

        return StreamingResponse(gen(), media_type="text/plain")

    url = serve_sessions(serve_asgi, sessions, stream, stream_path="/s/{n}", no_log_lines=True)
    return PlatformClient(url, "t", timeout=10)


def start_tail(client: PlatformClient, **kw) -> tuple[LiveTail, Pump]:
    origins, feed = OriginTable(), Feed()
    spool = Spool(feed, origins, base=LIVE_BASE)
    tail = LiveTail(client, "myapp", feed, origins, spool=spool, backoff=(0.01, 0.02), **kw)
    return tail.start(), Pump(feed, LogBuffer(origins))


def test_after_the_asked_backlog_a_line_equal_to_a_shown_one_is_new(serve_asgi):
    shown = [line(f"a{i}") for i in range(10)]
    older = [line(f"old{i}") for i in range(HEROKU_MAX_LINES - len(shown))]
    new = [shown[-1], line("n1")]  # the same text again, after the backlog: a new line
    client = serve_two_sessions(serve_asgi, shown, [older + shown, new])
    tail, pump = start_tail(client, lines=10, resume_grace=60)
    try:
        pump.until(lambda: messages(pump.buffer)[-1:] == ["n1"])
        assert messages(pump.buffer) == [f"a{i}" for i in range(10)] + ["a9", "n1"]
    finally:
        tail.stop()
        tail.join(5)
        client.close()


def test_when_nothing_matched_in_time_the_held_back_lines_are_written(serve_asgi):
    shown = [line(f"a{i}") for i in range(10)]
    later = [line(f"b{i}") for i in range(20)]  # the replay lost everything shown: all new
    client = serve_two_sessions(serve_asgi, shown, [later, [line("c")]])
    tail, pump = start_tail(client, lines=10, resume_grace=0.1)
    try:
        pump.until(lambda: messages(pump.buffer)[-1:] == ["c"])
        expected = [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(20)] + ["c"]
        assert messages(pump.buffer) == expected
    finally:
        tail.stop()
        tail.join(5)
        client.close()


def test_the_comparison_covers_the_whole_asked_backlog(serve_asgi):
    shown = [line(f"a{i}") for i in range(10)]
    older = [line(f"old{i}") for i in range(HEROKU_MAX_LINES - 1)]  # one short of the backlog
    # The backlog's last line is a shown one: still compared, it matches, and only what follows
    # it is new.
    client = serve_two_sessions(serve_asgi, shown, [older, [shown[-1], line("n1")]])
    tail, pump = start_tail(client, lines=10, resume_grace=60)
    try:
        pump.until(lambda: messages(pump.buffer)[-1:] == ["n1"])
        assert messages(pump.buffer) == [f"a{i}" for i in range(10)] + ["n1"]
    finally:
        tail.stop()
        tail.join(5)
        client.close()
