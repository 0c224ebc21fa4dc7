"""Drain forwarding by a team of routers on one database: one router forwards a drain, whichever
router the lines arrive at (its forwarder is woken by the other's NOTIFY), and a router that
stops hands its drains to another, which goes on from the stored cursor. (kill -9 of the router
forwarding: tests/hostile/test_forwarding_crash.py.)"""

from __future__ import annotations

import asyncio

import httpx

from kit.forwarding import recs
from kit.receivers import HttpReceiver
from kit.routerkit import api_headers, post_batch
from kit.waiting import until

TTL = 1.5  # seconds: leases renewed every 0.5 s


def holding(*routers) -> list[int]:
    """Which of `routers` forward a drain now."""
    return [i for i, r in enumerate(routers) if r.router.forwarders.forwarders]


async def test_one_router_forwards_every_routers_lines_and_hands_over_on_stop(make_router):
    a = await asyncio.to_thread(make_router, store="postgres", drain_lease_ttl=TTL)
    b = await asyncio.to_thread(make_router, store="postgres", drain_lease_ttl=TTL)
    async with HttpReceiver() as rx:
        async with httpx.AsyncClient(base_url=a.base_url, headers=api_headers(a)) as api:
            resp = await api.post("/apps/myapp/log-drains", json={"url": rx.url()})
            assert resp.status_code == 201, resp.text
        await until(lambda: holding(a, b) != [], 10)
        await asyncio.sleep(TTL)  # a pause (not a synchronisation): several lease renewals
        (held,) = holding(a, b)  # never both
        for i in range(6):
            router = (a, b)[i % 2]
            assert (await asyncio.to_thread(post_batch, router, "myapp", recs(2, 2 * i))).is_success
        await rx.wait_accepted(6, timeout=10)

        holder, other = ((a, b), (b, a))[held]
        await asyncio.to_thread(holder.stop)  # a clean stop releases the lease at once
        await until(lambda: holding(other) == [0], 10)
        for i in range(6, 8):
            assert (await asyncio.to_thread(post_batch, other, "myapp", recs(2, 2 * i))).is_success
        await rx.wait_accepted(8, timeout=10)
    frame_ids = [r.headers["logplex-frame-id"] for r in rx.accepted]
    assert len(frame_ids) == len(set(frame_ids)) == 8  # nothing sent twice
    assert [f.message for r in rx.accepted for f in r.frames] == [r.message for r in recs(16)]
