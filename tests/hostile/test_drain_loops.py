"""A drain cannot feed the router its own lines for ever.

The self-loop check compared URL text, so `127.1`, `0.0.0.0`, `localhost.`,
`[::ffff:127.0.0.1]`, `/drains/%6Cа` or `/x/../drains/la` got through, and two apps draining
into each other amplified one line into thousands (6,890 in 12 s). Loops the router can see
are refused; the others end at the hop limit (`Tuilogs-Hops`).
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tuilogs.server.hops import HOPS_HEADER, MAX_HOPS

from kit.receivers import HttpReceiver
from kit.routerkit import api_headers, post_batch, rec


def own(router, host: str, path: str = "/drains/myapp") -> str:
    return f"http://logplex:{router.token}@{host}:{router.port}{path}"


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("127.0.0.1", "/drains/myapp"),
        ("127.1", "/drains/myapp"),
        ("0x7f.1", "/drains/myapp"),
        ("2130706433", "/drains/myapp"),
        ("0.0.0.0", "/drains/myapp"),
        ("localhost", "/drains/myapp"),
        ("localhost.", "/drains/myapp"),
        ("LOCALHOST", "/drains/myapp"),
        ("[::ffff:127.0.0.1]", "/drains/myapp"),
        ("127.0.0.1", "/drains/%6Dyapp"),
        ("127.0.0.1", "/x/../drains/myapp"),
        ("127.0.0.1", "/drains/./myapp/"),
        ("127.0.0.1", "/drains/myapp/"),
    ],
)
def test_loops_to_this_router_are_refused_however_spelt(router, api, host, path):
    resp = api.post("/apps/myapp/log-drains", json={"url": own(router, host, path)})
    assert resp.status_code == 422, resp.text
    assert "loop" in resp.json()["message"]


def test_a_drain_to_another_app_of_this_router_is_fine(router, api):
    resp = api.post("/apps/myapp/log-drains", json={"url": own(router, "127.1", "/drains/copy")})
    assert resp.status_code == 201


def test_syslog_drain_into_this_routers_syslog_listener_is_refused(make_router, api_for):
    router = make_router(syslog_port=0)
    (port,) = router.syslog_ports
    with api_for(router) as api:
        for host in ("127.0.0.1", "127.1", "localhost."):
            resp = api.post("/apps/myapp/log-drains", json={"url": f"syslog://{host}:{port}"})
            assert resp.status_code == 422 and "loop" in resp.json()["message"], resp.text


def counts(router, apps):
    return tuple(router.store.count(app) for app in apps)


def settle(router, apps, within: float = 20.0) -> tuple[int, ...]:
    """The apps' line counts once every forwarder is idle and nothing changes any more."""
    loop = router.router.loop
    deadline = time.monotonic() + within
    last = None
    while time.monotonic() < deadline:
        idle = asyncio.run_coroutine_threadsafe(router.router.forwarders.flush(5), loop).result()
        now = counts(router, apps)
        if idle and now == last:
            return now
        last = now
    raise AssertionError(f"still forwarding after {within} s: {last}")


def test_two_apps_draining_into_each_other_stop_at_the_hop_limit(router, api):
    for app, other in (("ping", "pong"), ("pong", "ping")):
        url = own(router, "127.0.0.1", f"/drains/{other}")
        assert api.post(f"/apps/{app}/log-drains", json={"url": url}).status_code == 201
    assert post_batch(router, "ping", [rec("once")]).status_code == 204
    # ping stores it (0 hops), pong (1), ping (2), pong (3), ping (4 = MAX_HOPS: not again).
    assert MAX_HOPS == 4
    # Forwarders pick new lines up on their own schedule: under load one may look idle for a
    # moment between hops. Wait for the counts the hop limit allows, then that they stay.
    deadline = time.monotonic() + 30
    while counts(router, ("ping", "pong")) != (3, 2) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert settle(router, ("ping", "pong")) == (3, 2)
    messages = [line.message for line in router.store.since("ping", 0)]
    assert messages == ["once"] * 3


async def test_a_batch_at_the_hop_limit_is_stored_but_not_forwarded(make_router):
    router = await asyncio.to_thread(make_router)
    loop = router.router.loop
    async with (
        HttpReceiver() as rx,
        httpx.AsyncClient(base_url=router.base_url, headers=api_headers(router)) as api,
    ):
        assert (await api.post("/apps/myapp/log-drains", json={"url": rx.url()})).is_success
        for hops in (MAX_HOPS - 1, MAX_HOPS):
            headers = {HOPS_HEADER: str(hops)}
            resp = await asyncio.to_thread(
                post_batch, router, "myapp", [rec(f"hops {hops}")], headers=headers
            )
            assert resp.status_code == 204
        (req,) = await rx.wait_accepted(1)
        assert [f.message for f in req.frames] == [f"hops {MAX_HOPS - 1}"]
        assert req.headers[HOPS_HEADER.lower()] == str(MAX_HOPS)
        idle = asyncio.run_coroutine_threadsafe(router.router.forwarders.flush(5), loop)
        assert await asyncio.wrap_future(idle)
        assert len(rx.requests) == 1
        assert router.store.count("myapp") == 2
