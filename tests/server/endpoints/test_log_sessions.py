"""Log sessions: create (API), then stream from the logplex_url (plain or SSE, tail or not);
sessions are single-use and expire."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from kit.routerkit import TS, post_batch, rec
from kit.waiting import wait_until

pytestmark = pytest.mark.stores("sqlite", "postgres")


def session(client, app="myapp", **body):
    resp = client.post(f"/apps/{app}/log-sessions", json=body)
    assert resp.status_code == 201, resp.text
    data = resp.json()
    assert set(data) >= {"id", "logplex_url", "created_at", "updated_at"}
    return data["logplex_url"]


def seed(router, n=10, app="myapp"):
    records = [rec(f"m{i}", dyno=["web.1", "web.10", "worker.1"][i % 3]) for i in range(n)]
    records.append(rec("router line", dyno="router", source="heroku"))
    assert post_batch(router, app, records).status_code == 204
    return records


def test_plain_backlog_in_heroku_format(router, client):
    records = seed(router)
    url = session(client, lines=5)
    resp = httpx.get(url)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    assert resp.text.splitlines() == [r.line() for r in records[-5:]]
    assert resp.text.splitlines()[0].startswith(f"{TS} app[")


def test_default_lines_is_100_and_more_than_1500_allowed(router, client):
    records = [rec(f"n{i}") for i in range(2500)]
    post_batch(router, "myapp", records)
    assert len(httpx.get(session(client)).text.splitlines()) == 100
    assert len(httpx.get(session(client, lines=2000)).text.splitlines()) == 2000


def test_sse_backlog(router, client):
    records = seed(router)
    url = session(client, lines=3)
    resp = httpx.get(url, headers={"Accept": "text/event-stream"})
    assert resp.headers["content-type"].startswith("text/event-stream")
    data = [ln[6:] for ln in resp.text.splitlines() if ln.startswith("data: ")]
    assert data == [r.line() for r in records[-3:]]
    assert "id: 11" in resp.text.splitlines()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"dyno": "web"}, ["m0", "m1", "m3", "m4", "m6", "m7", "m9"]),
        ({"dyno": "web.1"}, ["m0", "m3", "m6", "m9"]),
        ({"dyno": "web.10"}, ["m1", "m4", "m7"]),
        ({"source": "heroku"}, ["router line"]),
        ({"source": "app", "dyno": "worker"}, ["m2", "m5", "m8"]),
        ({"source": "ap"}, []),
    ],
)
def test_filters(router, client, body, expected):
    seed(router)
    text = httpx.get(session(client, lines=100, **body)).text
    assert [ln.split(": ", 1)[1] for ln in text.splitlines()] == expected


def test_single_use_and_unknown_secret(router, client):
    seed(router)
    url = session(client)
    assert httpx.get(url).status_code == 200
    again = httpx.get(url)
    assert again.status_code == 404
    assert again.json()["id"] == "not_found"
    assert httpx.get(f"{router.base_url}/log-sessions/nope").status_code == 404


def test_sessions_expire(make_router):
    r = make_router(session_ttl=0.3)
    seed(r)
    with httpx.Client(base_url=r.base_url, headers={"Authorization": f"Bearer {r.token}"}) as c:
        url = session(c)
        time.sleep(0.5)
        assert httpx.get(url).status_code == 404


def test_unknown_app_and_bad_params(router, client):
    assert client.post("/apps/nope/log-sessions", json={}).status_code == 404
    seed(router)
    for body in ({"lines": -1}, {"lines": "x"}, {"dyno": 5}, {"tail": "maybe"}):
        resp = client.post("/apps/myapp/log-sessions", json=body)
        assert resp.status_code == 422, body
        assert resp.json()["id"] == "invalid_params"
    resp = client.post("/apps/myapp/log-sessions", content=b"{not json")
    assert resp.status_code == 400 and resp.json()["id"] == "bad_request"


def _collect(url, headers, out, stop, want):
    wanted = 0  # counted as lines come (recounting them all was quadratic: 12,000 lines)
    with httpx.stream("GET", url, headers=headers, timeout=30) as resp:
        for line in resp.iter_lines():
            out.append((time.monotonic(), line))
            wanted += bool(want(line))
            if wanted >= stop:
                return


@pytest.mark.parametrize("sse", [False, True])
def test_tail_streams_new_lines_as_they_arrive(router, client, sse):
    seed(router, 4)
    url = session(client, lines=2, tail=True, dyno="web")
    got: list[tuple[float, str]] = []
    headers = {"Accept": "text/event-stream"} if sse else {}

    def is_line(ln: str) -> bool:
        return "app[web" in ln

    t = threading.Thread(target=_collect, args=(url, headers, got, 2 + 3, is_line))
    t.start()
    deadline = time.monotonic() + 5
    while sum(1 for _, ln in got if is_line(ln)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    sent = time.monotonic()
    post_batch(router, "myapp", [rec("new1"), rec("skip", dyno="worker.1"), rec("new2", "web.2")])
    post_batch(router, "other", [rec("other app")])
    post_batch(router, "myapp", [rec("new3")])
    t.join(10)
    assert not t.is_alive()
    lines = [ln for _, ln in got if is_line(ln)]
    msgs = [ln.rsplit(": ", 1)[1] for ln in lines]
    assert msgs == ["m1", "m3", "new1", "new2", "new3"]
    assert max(ts for ts, _ in got) - sent < 2.0


def test_tail_without_backlog_gap_or_duplicates_under_load(router, client):
    post_batch(router, "myapp", [rec("first")])
    url = session(client, lines=0, tail=True)
    got: list[tuple[float, str]] = []
    t = threading.Thread(target=_collect, args=(url, {}, got, 3000, lambda ln: "load" in ln))
    t.start()
    wait_until(lambda: router.router.hub.subscribers("myapp") == 1)  # the stream is tailing
    for b in range(30):
        post_batch(router, "myapp", [rec(f"load {b * 100 + i}") for i in range(100)])
    t.join(15)
    msgs = [ln.rsplit(" ", 1)[1] for _, ln in got if "load" in ln]
    assert msgs == [str(i) for i in range(3000)]


def test_after_extension_replays_everything_after_an_id_then_tails(router, client):
    """The explorer resumes a dropped stream from the last id it saw: no gap, no duplicate."""
    post_batch(router, "myapp", [rec(f"old {i}") for i in range(12_000)])
    url = session(client, after=100, tail=True, dyno="web.1")
    got: list[tuple[float, str]] = []
    t = threading.Thread(
        target=_collect, args=(url, {}, got, 12_000 - 100 + 2, lambda ln: "app[web.1]" in ln)
    )
    t.start()
    wait_until(lambda: router.router.hub.subscribers("myapp") == 1)  # the stream is tailing
    post_batch(router, "myapp", [rec("new a"), rec("new b")])
    t.join(120)  # a deadline, not a pace: it ends as soon as the last line is read
    msgs = [ln.rsplit(": ", 1)[1] for _, ln in got if "app[web.1]" in ln]
    assert msgs == [f"old {i}" for i in range(100, 12_000)] + ["new a", "new b"]


def test_sse_event_ids_are_line_ids(router, client):
    post_batch(router, "myapp", [rec("a"), rec("b")])
    text = httpx.get(session(client, after=0), headers={"Accept": "text/event-stream"}).text
    assert text.startswith("id: 2\ndata: ")
