"""The simulated app: deterministic generation, and Logplex-shaped POSTs over a real socket."""

from __future__ import annotations

import asyncio
import base64
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import httpx

from tuilogs.cli.demo import simulate
from tuilogs.core.record import parse_timestamp
from tuilogs.core.simulation import generate

from kit.receivers import HttpReceiver
from kit.waiting import until


def test_generate_is_deterministic_and_varied():
    recs = list(generate(6000, 3))
    assert len(recs) == 6000
    assert recs == list(generate(6000, 3))
    assert recs != list(generate(6000, 4))
    dynos = Counter((r.source, r.dyno) for r in recs)
    for key in [
        ("heroku", "router"),
        ("app", "web.1"),
        ("app", "web.2"),
        ("app", "worker.1"),
        ("app", "clock.1"),
        ("heroku", "web.1"),
        ("app", "api"),
        ("app", "heroku-postgres"),
    ]:
        assert dynos[key] > 0, key
    text = "\n".join(r.message for r in recs)
    for needle in [
        "code=H12",
        "Error R14 (Memory quota exceeded)",
        "Traceback (most recent call last):",
        "State changed from starting to up",
        "Starting process with command",
        "Process exited with status 143",
        "Release v",
        'level=info msg="',
        '{"level": ',
        "sample#db_size=",
    ]:
        assert needle in text, needle
    router = [r.message for r in recs if r.dyno == "router" and "at=info" in r.message]
    assert all(
        re.search(r"connect=\d+ms service=\d+ms status=\d{3} bytes=\d+ protocol=https", m)
        for m in router
    )
    times = [r.when() for r in recs]
    assert all(t is not None and t.tzinfo is not None for t in times)
    assert times == sorted(times)


async def test_simulate_posts_logplex_batches():
    stop = asyncio.Event()
    async with HttpReceiver() as rx:
        url = rx.url("/drains/demo", userinfo="user:tok%2Ben")
        task = asyncio.create_task(simulate(url, "demo", rate=200.0, seed=1, stop=stop))
        await rx.wait_accepted(4, timeout=5)
        stop.set()
        sent = await asyncio.wait_for(task, 5)
    reqs = rx.accepted
    assert sent == sum(len(r.frames) for r in reqs)
    ids = set()
    for req in reqs:
        h = req.headers
        assert req.method == "POST" and req.path == "/drains/demo"
        assert h["content-type"] == "application/logplex-1"
        assert h["authorization"] == "Basic " + base64.b64encode(b"user:tok+en").decode()
        assert re.fullmatch(r"d\.[0-9a-f-]{36}", h["logplex-drain-token"])
        assert h["user-agent"].startswith("Logplex/")
        assert int(h["logplex-msg-count"]) == len(req.frames) > 0
        ids.add(h["logplex-frame-id"])
    assert len(ids) == len(reqs)
    now = datetime.now(timezone.utc)
    records = [f.record() for r in reqs for f in r.frames]
    for rec in records:
        ts = parse_timestamp(rec.timestamp)
        assert rec.timestamp.endswith("+00:00") and len(rec.timestamp) == 32
        assert now - timedelta(seconds=10) < ts <= now
    assert {"app", "heroku"} == {r.source for r in records}


async def test_simulate_retries_failed_batches_with_the_same_frame_id():
    stop = asyncio.Event()
    async with HttpReceiver(script=[503]) as rx:
        task = asyncio.create_task(simulate(rx.url(), rate=100.0, seed=2, stop=stop))
        await rx.wait_accepted(1, timeout=5)
        stop.set()
        await asyncio.wait_for(task, 5)
    first, second = rx.requests[:2]
    assert first.headers["logplex-frame-id"] == second.headers["logplex-frame-id"]
    assert first.body == second.body


async def test_demo_through_the_real_drain_endpoint(make_router):
    """The simulator against the router's own `POST /drains/{app}` endpoint."""
    handle = await asyncio.to_thread(make_router)
    stop = asyncio.Event()
    task = asyncio.create_task(simulate(handle.drain_url("demo"), rate=300, seed=5, stop=stop))
    await until(lambda: handle.store.count("demo") > 100)  # several batches stored
    stop.set()
    sent = await asyncio.wait_for(task, 5)
    assert sent > 100
    headers = {
        "Authorization": f"Bearer {handle.token}",
        "Accept": "application/vnd.heroku+json; version=3",
    }
    async with httpx.AsyncClient(headers=headers) as client:
        r = await client.post(
            f"{handle.base_url}/apps/demo/log-sessions", json={"lines": sent + 100}
        )
        assert r.status_code == 201, r.text
        text = (await client.get(r.json()["logplex_url"])).text
    lines = text.splitlines()
    assert len(lines) == sent
    assert any(" heroku[router]: at=info method=" in line for line in lines)
