"""Reading logplex_urls: SSE and plain parsing (any chunking), trickling and dying servers."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tuilogs.platform.client import PlatformClient
from tuilogs.platform.errors import Forbidden, NetworkError, NotFound
from tuilogs.platform.stream import LineParser, SSEParser

from kit.routerkit import post_batch, rec

SSE = (
    ": hello\n"
    "retry: 1000\n"
    "event: log\n"
    "id: 7\n"
    "data: 2026-11-23T19:00:00+00:00 app[web.1]: one\n"
    "data: 2026-11-23T19:00:01+00:00 app[web.1]: two ünïcödé\n"
    "\n"
    ": keepalive\n\n"
    "data:no space\r\n"
    "data\r\n"
    "id: 9\r\n"
    "\r\n"
    "data: cut off\n"
)
SSE_LINES = [
    "2026-11-23T19:00:00+00:00 app[web.1]: one",
    "2026-11-23T19:00:01+00:00 app[web.1]: two ünïcödé",
    "no space",
    "",
]


def run(parser, text: str, cuts: list[int]) -> list[str]:
    out, pos = [], 0
    for cut in sorted(set(cuts)):
        out += parser.feed(text[pos:cut])
        pos = cut
    out += parser.feed(text[pos:])
    return out + parser.flush()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, len(SSE)), max_size=12))
def test_sse_any_chunking(cuts):
    parser = SSEParser()
    assert run(parser, SSE, cuts) == SSE_LINES
    assert parser.last_id == "9"  # the unterminated last event is dropped, its id unused


PLAIN = "a line\r\nsecond\nthird\rstill third\r\r\nfourth without newline\r"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, len(PLAIN)), max_size=12))
def test_plain_any_chunking(cuts):
    """Plain lines end at LF; a lone CR is part of its line (shown escaped, never a break)."""
    assert run(LineParser(), PLAIN, cuts) == [
        "a line",
        "second",
        "third\rstill third\r",
        "fourth without newline",
    ]


def test_sse_id_only_after_event_completes():
    p = SSEParser()
    assert p.feed("id: 3\ndata: x\n") == [] and p.last_id is None
    assert p.feed("\n") == ["x"] and p.last_id == "3"


def test_router_streams_both_formats(router, pclient):
    records = [rec(f"line {i}\twith tab") for i in range(50)]
    post_batch(router, "myapp", records)
    for accept_sse in (True, False):
        url = pclient.create_log_session("myapp", lines=50).logplex_url
        if accept_sse:
            with pclient.stream(url) as s:
                got = [x for b in s for x in b]
            assert s.sse
        else:
            import httpx

            text = httpx.get(url).text  # plain: what a non-SSE client receives
            got = run(LineParser(), text, [len(text) // 3, len(text) // 2])
        assert got == [r.line() for r in records]


def trickle_app(payload: bytes, media: str, step: int = 7, delay: float = 0.002):
    async def stream(request: Request):
        async def body():
            for i in range(0, len(payload), step):
                yield payload[i : i + step]
                await asyncio.sleep(delay)

        return StreamingResponse(body(), media_type=media)

    return Starlette(routes=[Route("/s", stream)])


@pytest.mark.parametrize("media", ["text/event-stream", "text/plain; charset=utf-8"])
def test_slow_trickling_server(serve_asgi, media):
    lines = [f"2026-11-23T19:00:{i:02d}+00:00 app[web.1]: tröpfeln {i} €" for i in range(40)]
    if media.startswith("text/event-stream"):
        payload = "".join(f"id: {i}\ndata: {x}\n\n" for i, x in enumerate(lines))
    else:
        payload = "\n".join(lines)  # no final newline: flushed at the end
    served = serve_asgi(trickle_app(payload.encode(), media))
    with PlatformClient(served.base_url, None) as c, c.stream(f"{served.base_url}/s") as s:
        batches = list(s)
    assert [x for b in batches for x in b] == lines
    assert len(batches) > 5  # delivered as it came, not at the end


def test_stream_403_404_and_read_timeout(serve_asgi):
    async def gone(request: Request):
        return Response("log stream timed out", status_code=int(request.path_params["code"]))

    async def stall(request: Request):
        async def body():
            yield b"first line\n"
            await asyncio.sleep(30)

        return StreamingResponse(body(), media_type="text/plain")

    served = serve_asgi(Starlette(routes=[Route("/gone/{code}", gone), Route("/stall", stall)]))
    with PlatformClient(served.base_url, None, stream_read_timeout=0.5) as c:
        for code, kind in ((403, Forbidden), (404, NotFound)):
            with pytest.raises(kind) as e, c.stream(f"{served.base_url}/gone/{code}"):
                pass
            assert e.value.status == code and "timed out" in e.value.message
        got = []
        with pytest.raises(NetworkError) as e, c.stream(f"{served.base_url}/stall") as s:
            for batch in s:
                got += batch
        assert got == ["first line"]
        assert "stopped sending" in e.value.message


def test_stream_sends_no_authorization(serve_asgi):
    seen = {}

    async def s(request: Request):
        seen.update(request.headers)
        return Response("x\n", media_type="text/plain")

    served = serve_asgi(Starlette(routes=[Route("/s", s)]))
    with (
        PlatformClient(served.base_url, "tok-SECRET") as c,
        c.stream(f"{served.base_url}/s") as st_,
    ):
        assert list(st_) == [["x"]]
    assert "authorization" not in seen
    assert seen["accept"] == "text/event-stream"
