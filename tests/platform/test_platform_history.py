"""HistoryLoader + LiveTail through open_app: the full stored history, in order, exactly once,
followed by the live lines, even while lines keep arriving during the start."""

from __future__ import annotations

import threading
import time

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse

from tuilogs.core.buffer import LogBuffer, OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import HistorySpool
from tuilogs.core.status import Status
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.history import HistoryLoader, format_lines
from tuilogs.platform.live import LiveTail, open_app

from kit.platformkit import Pump, messages, serve_sessions, stream_url, wait_for
from kit.routerkit import post_batch, rec


def post_many(router, app, prefix, n, batch=1000, **kw):
    out = []
    for start in range(0, n, batch):
        records = [rec(f"{prefix}{i}", **kw) for i in range(start, min(n, start + batch))]
        assert post_batch(router, app, records).status_code == 204
        out += [r.message for r in records]
    return out


@pytest.fixture
def opened():
    started = []

    def open_(client, app="myapp", **kw):
        origins, feed = OriginTable(), Feed()
        producers = open_app(client, app, feed, origins, backoff=(0.05, 0.3), **kw)
        started.extend(producers)
        return producers, Pump(feed, LogBuffer(origins))

    yield open_
    for p in started:
        p.stop()
    for p in started:
        p.join(5)


def test_25000_stored_lines_then_live(router, pclient, opened):
    expected = post_many(router, "myapp", "h", 25_000)
    post_many(router, "other", "o", 2_000)  # another app's lines interleave the ids
    expected += post_many(router, "myapp", "g", 1_000)
    (tail, loader), pump = opened(pclient)
    assert isinstance(tail, LiveTail) and isinstance(loader, HistoryLoader)
    pump.until(lambda: loader.done.is_set() and len(pump.buffer) == len(expected), timeout=60)
    assert loader.note == "loaded all stored history" and loader.loaded == 26_000 - 1500
    live = post_many(router, "myapp", "live", 700, batch=100)
    pump.until(lambda: len(pump.buffer) == len(expected) + 700)
    got = messages(pump.buffer)
    assert got == expected + live
    assert pump.buffer.prepended == 26_000 - 1500


def test_no_gap_no_overlap_while_lines_arrive(router, pclient, opened):
    """Lines posted continuously while the tail seeds and history loads: each exactly once."""
    expected = post_many(router, "myapp", "s", 3_000)
    stop = threading.Event()
    posted: list[str] = []

    def writer():
        k = 0
        while not stop.is_set() and k < 200:
            posted.extend(post_many(router, "myapp", f"w{k}-", 20))
            k += 1
            time.sleep(0.002)

    t = threading.Thread(target=writer)
    t.start()
    (tail, loader), pump = opened(pclient, lines=100)
    # Lines really arrive while the tail and history start.
    wait_for(lambda: tail.anchored.is_set() and len(posted) >= 100, timeout=30)
    stop.set()
    t.join()
    posted += post_many(router, "myapp", "end", 1)  # in id order: the last line to come
    pump.until(lambda: loader.done.is_set() and messages(pump.buffer)[-1:] == ["end0"], timeout=30)
    assert messages(pump.buffer) == expected + posted


def test_filters_and_max_lines(router, pclient, opened):
    web = post_many(router, "myapp", "web", 5_000, dyno="web.1")
    wrk = post_many(router, "myapp", "wrk", 5_000, dyno="worker.1")
    web2 = post_many(router, "myapp", "web2-", 300, dyno="web.2")
    web += web2
    (tail, loader), pump = opened(pclient, dyno="web", lines=200)
    pump.until(lambda: loader.done.is_set() and len(pump.buffer) == len(web), timeout=30)
    assert messages(pump.buffer) == web

    origins, feed = OriginTable(), Feed()
    history = HistorySpool(feed, origins)
    capped = HistoryLoader(
        pclient,
        "myapp",
        history,
        before_id=10**12,
        page=1_000,
        max_lines=2_500,
        source="app",
    ).start()
    capped.join(10)
    buf = LogBuffer(origins)
    feed.drain(buf)
    assert capped.note == "stopped at 2500 lines" and len(buf) == 2_500
    assert messages(buf) == wrk[-2200:] + web2


def test_multiline_messages_agree_between_history_and_live(router, pclient, opened):
    """One stored line is one line from history and from the tail, its breaks escaped."""
    post_batch(
        router, "myapp", [rec("one\ntwo"), rec("three\r\nfour")] + [rec(f"p{i}") for i in range(5)]
    )
    (tail, loader), pump = opened(pclient, lines=3)
    pump.until(lambda: loader.done.is_set() and len(pump.buffer) == 7)
    post_batch(router, "myapp", [rec("five\nsix")])
    pump.until(lambda: len(pump.buffer) == 8)
    assert messages(pump.buffer)[:2] == ["one\\x0atwo", "three\\x0d\\x0afour"]
    assert messages(pump.buffer)[-1] == "five\\x0asix"


def test_history_skipped_quietly_without_the_extension(serve_asgi, opened):
    async def sessions(request: Request):
        return JSONResponse({"logplex_url": stream_url(request)}, status_code=201)

    async def stream(request: Request):
        async def gen():
            yield b"2026-11-23T19:00:00+00:00 app[web.1]: only live\n"

        return StreamingResponse(gen(), media_type="text/plain")

    url = serve_sessions(serve_asgi, sessions, stream, no_log_lines=True)
    client = PlatformClient(url, "t")
    (tail, loader), pump = opened(client)
    pump.until(lambda: loader.done.is_set() and len(pump.buffer) >= 1)
    assert loader.note and not loader.error and loader.loaded == 0
    assert pump.buffer.notes == []  # silent: nothing shown in the log pane
    assert messages(pump.buffer)[0] == "only live"


def test_stored_lines_read_as_heroku_logs_one_line_each_as_streams_show_them():
    stored = [
        {"id": 1, "timestamp": "2026-11-23T19:00:00+00:00", "source": "app", "dyno": "web.1",
         "message": "one\r\ntwo\u2028three"},
        {"id": 2, "timestamp": "", "source": "", "dyno": "", "message": "no header\x85"},
    ]  # fmt: skip
    assert format_lines(stored) == [
        "2026-11-23T19:00:00+00:00 app[web.1]: one\\x0d\\x0atwo\\u2028three",
        "no header\\x85",
    ]


def test_a_final_error_stops_history_with_a_note(router):
    """A wrong token is not retried: the loader says why it stopped, the tail is untouched."""
    origins, feed = OriginTable(), Feed()
    with PlatformClient(router.base_url, "not-the-token-SECRET", timeout=5) as client:
        loader = HistoryLoader(client, "myapp", HistorySpool(feed, origins), before_id=100).start()
        loader.join(10)
    assert loader.done.is_set() and loader.loaded == 0
    assert loader.note.startswith("history stopped: ") and "token invalid" in loader.error
    assert "SECRET" not in loader.note
    assert feed.history.done and feed.history.note == loader.note
    assert feed.status == Status()  # the tail owns the status; history never touches it
