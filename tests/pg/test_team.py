"""Several routers on one PostgreSQL database, as a team deploys them: one history, every
router's tails fed with every router's lines (NOTIFY), ids that no reader sees out of order,
a retried frame stored once whichever router gets it."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import psycopg

from tuilogs.core.record import api_timestamp
from tuilogs.server.store.postgres_sql import APPEND_SQL

from kit.routerkit import api_headers, post_batch, rec
from kit.waiting import wait_until


class Tail:
    """A log session tailing `app` on `router` (SSE, no backlog), read in a thread."""

    def __init__(self, router, app: str, lines: int = 0) -> None:
        with httpx.Client(base_url=router.base_url, headers=api_headers(router)) as c:
            resp = c.post(f"/apps/{app}/log-sessions", json={"lines": lines, "tail": True})
        self.url = resp.json()["logplex_url"]
        self.messages: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        hub = router.router.hub
        wait_until(lambda: hub.subscribers(app) >= 1)

    def _read(self) -> None:
        headers = {"Accept": "text/event-stream"}
        try:
            with httpx.stream("GET", self.url, headers=headers, timeout=60) as resp:
                for line in resp.iter_lines():
                    if line.startswith("data: "):
                        self.messages.append(line.split(": ", 2)[2])
                    if self.stop.is_set():
                        return
        except httpx.HTTPError:
            return  # the router stopped at the end of the test

    def wait_for(self, n: int, timeout: float = 30) -> list[str]:
        wait_until(lambda: len(self.messages) >= n, timeout)
        self.stop.set()
        return self.messages


def history(router, app: str) -> list[tuple[int, str]]:
    with httpx.Client(base_url=router.base_url, headers=api_headers(router)) as c:
        data = c.get(f"/apps/{app}/log-lines", params={"limit": 10_000}).json()
    return [(line["id"], line["message"]) for line in data["lines"]]


def test_a_batch_posted_to_one_router_is_in_the_others_history_and_tails(make_router):
    a, b = make_router(store="postgres"), make_router(store="postgres")
    assert post_batch(a, "myapp", [rec("before the tail")]).status_code == 204
    tail_b = Tail(b, "myapp")
    assert post_batch(a, "myapp", [rec("one"), rec("two")]).status_code == 204
    assert post_batch(b, "myapp", [rec("three")]).status_code == 204
    assert tail_b.wait_for(3) == ["one", "two", "three"]
    assert history(b, "myapp") == [(1, "before the tail"), (2, "one"), (3, "two"), (4, "three")]
    assert history(a, "myapp") == history(b, "myapp")


def test_a_retried_frame_is_stored_once_whichever_router_gets_it(make_router):
    a, b = make_router(store="postgres"), make_router(store="postgres")
    records = [rec(f"x{i}") for i in range(10)]
    assert post_batch(a, "myapp", records, frame_id="f-1").status_code == 204
    assert post_batch(b, "myapp", records, frame_id="f-1").status_code == 204
    # Both at once, as a retry racing its first attempt.
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def send(router) -> None:
        barrier.wait()
        codes.append(post_batch(router, "myapp", records, frame_id="f-2").status_code)

    threads = [threading.Thread(target=send, args=(r,)) for r in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert codes == [204, 204]
    assert a.store.count("myapp") == 20
    assert [line.id for line in b.store.since("myapp", 0)] == list(range(1, 21))


def test_concurrent_writers_on_two_routers_no_reader_sees_a_gap(make_router):
    """Batches of one app posted to both routers at once: every reader, on either router,
    reading forward by id, sees the ids without a hole (ids of an app have none, so a hole
    would be a line it could skip for good), and both routers' tails get every line once,
    in id order."""
    a, b = make_router(store="postgres"), make_router(store="postgres")
    assert post_batch(a, "x", [rec("the app exists")]).status_code == 204
    tails = [Tail(a, "x"), Tail(b, "x")]
    batches, per_batch, writers = 40, 25, 4
    total = 1 + batches * per_batch * writers
    done = threading.Event()
    problems: list[str] = []

    def write(w: int) -> None:
        router = (a, b)[w % 2]
        for n in range(batches):
            records = [rec(f"w{w} b{n} l{i}") for i in range(per_batch)]
            status = post_batch(router, "x", records).status_code
            if status != 204:
                problems.append(f"writer {w}: {status}")

    def read(router) -> None:
        cursor, empties = 0, []
        with httpx.Client(base_url=router.base_url, headers=api_headers(router)) as c:
            while cursor < total:
                page = c.get("/apps/x/log-lines", params={"after": cursor, "limit": 500})
                ids = [line["id"] for line in page.json()["lines"]]
                if ids != list(range(cursor + 1, cursor + 1 + len(ids))):
                    problems.append(f"after {cursor}: {ids[:5]}…")
                    return
                cursor = ids[-1] if ids else cursor
                if done.is_set() and not ids and cursor < total:
                    # Writers all answered 204: every line is committed. An empty page is only
                    # "not yet" for a poller; two in a row a second apart is a line lost.
                    if empties:
                        problems.append(f"stopped at {cursor} of {total}")
                        return
                    empties.append(cursor)
                    time.sleep(1.0)
                elif ids:
                    empties.clear()

    readers = [threading.Thread(target=read, args=(r,)) for r in (a, b, a, b)]
    writer_threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in readers + writer_threads:
        t.start()
    for t in writer_threads:
        t.join(300)
    assert not any(t.is_alive() for t in writer_threads)
    done.set()
    for t in readers:
        t.join(60)
    assert problems == []
    stored = [line.message for line in a.store.since("x", 0, total + 1)]
    assert len(stored) == total == len(set(stored))
    for tail in tails:
        assert tail.wait_for(total - 1) == stored[1:]


def append_unannounced(url: str, app: str, messages: list[str]) -> None:
    """Store a batch as a router does, its NOTIFY sent where nobody listens: as if the other
    routers' listeners had been cut off when it committed."""
    params = {
        "app": app,
        "frame": None,
        "stamp": api_timestamp(),
        "n": len(messages),
        "ts": ["2026-11-23T19:00:00Z"] * len(messages),
        "source": ["app"] * len(messages),
        "dyno": ["web.1"] * len(messages),
        "message": messages,
        "channel": "nobody_listens",
        "hops": 0,
    }
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(APPEND_SQL, params)


def test_a_listener_that_reconnects_catches_up_on_what_it_missed(make_router, postgres_url):
    b = make_router(store="postgres")
    assert post_batch(b, "myapp", [rec("the app exists")]).status_code == 204
    tail = Tail(b, "myapp")
    append_unannounced(postgres_url, "myapp", ["missed 1", "missed 2"])
    feed = b.router.fanout.feed
    connections = feed.connections
    asyncio.run_coroutine_threadsafe(feed.disconnect(), b.router.loop).result(10)
    wait_until(lambda: feed.connections > connections)
    assert post_batch(b, "myapp", [rec("after")]).status_code == 204
    assert tail.wait_for(3) == ["missed 1", "missed 2", "after"]
