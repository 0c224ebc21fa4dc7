"""Forwarding that outlives a router: two owners never both send a drain, a restarted router
goes on from the cursor without losing or repeating a line, and a drain that fell behind
retention is told how many lines it missed (L10); on both stores (on PostgreSQL the two owners
are two stores on one database, as two routers' are)."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from tuilogs.core import locations as paths
from tuilogs.server.forward import ForwarderManager
from tuilogs.server.store import open_store

from kit.forwarding import FAST, Reports, forwarding, recs, remove_upto
from kit.receivers import HttpReceiver, Request
from kit.routerkit import api_headers, post_batch
from kit.waiting import until

pytestmark = pytest.mark.stores("sqlite", "postgres")


def received(requests: list[Request]) -> list[str]:
    """The messages delivered, once per frame id (a receiver's deduplication)."""
    seen: set[str] = set()
    out = []
    for req in requests:
        if req.headers["logplex-frame-id"] not in seen:
            seen.add(req.headers["logplex-frame-id"])
            out += [f.message for f in req.frames]
    return out


async def test_two_owners_on_one_store_never_both_send_a_drain(tmp_path, new_store, store_kind):
    store_a = new_store()
    store_b = new_store() if store_kind == "postgres" else store_a  # one router per SQLite file
    async with forwarding(tmp_path, store_a) as a, HttpReceiver() as rx:
        b = ForwarderManager(store_b, Reports(), owner="router-b", **FAST)
        await b.start()
        try:
            drain = await a.add_drain(rx.url())
            await b.refresh()
            assert list(a.manager.forwarders) == [drain.id] and b.forwarders == {}
            for i in range(5):
                await a.commit("myapp", recs(2, 2 * i))
                b.wake("myapp")
            await rx.wait_accepted(5)
            await a.manager.aclose(timeout=2)  # a clean stop hands the drain over at once
            await b.refresh()
            assert list(b.forwarders) == [drain.id]
            await asyncio.to_thread(store_b.append, "myapp", recs(2, 10))
            b.wake("myapp")
            await rx.wait_accepted(6)
            assert await b.flush(2)
        finally:
            await b.aclose(timeout=0)
    assert len(rx.requests) == 6
    assert [r.message for r in recs(12)] == received(rx.requests)


async def test_a_restarted_router_goes_on_from_the_cursor(make_router, store_kind, request):
    """Lines acknowledged before a stop, stored while no router ran (`tuilogs ingest` without
    one), and after the restart: each delivered once."""
    router = await asyncio.to_thread(make_router)
    async with HttpReceiver() as rx:
        async with httpx.AsyncClient(base_url=router.base_url, headers=api_headers(router)) as api:
            resp = await api.post("/apps/myapp/log-drains", json={"url": rx.url()})
            assert resp.status_code == 201, resp.text
        assert (await asyncio.to_thread(post_batch, router, "myapp", recs(3))).status_code == 204
        await rx.wait_accepted(1)
        await asyncio.to_thread(router.stop)

        url = str(paths.store_path())
        if store_kind == "postgres":
            url = request.getfixturevalue("postgres_url")
        store = await asyncio.to_thread(open_store, url)
        store.append("myapp", recs(3, 3))
        store.close()

        router = await asyncio.to_thread(make_router)
        resp = await asyncio.to_thread(post_batch, router, "myapp", recs(3, 6))
        assert resp.status_code == 204
        await rx.wait_accepted(3)
        idle = asyncio.run_coroutine_threadsafe(
            router.router.forwarders.flush(5), router.router.loop
        )
        assert await asyncio.wrap_future(idle)
    assert len(rx.requests) == 3
    assert received(rx.requests) == [r.message for r in recs(9)]


async def test_retention_overtaking_a_slow_drain_starts_its_next_batch_with_l10(
    tmp_path, new_store
):
    held = asyncio.Event()
    async with forwarding(tmp_path, new_store()) as f, HttpReceiver(script=[held]) as rx:
        await f.add_drain(rx.url())
        await f.commit("myapp", recs(5))
        await rx.wait_requests(1)  # the receiver holds the first batch: the drain falls behind
        await f.commit("myapp", recs(10, 5))
        third = await f.commit("myapp", recs(5, 15))
        assert third is not None
        await asyncio.to_thread(remove_upto, f.store, third[0] + 1)
        held.set()  # 503: the first batch is sent again (it is in hand), then the rest
        await rx.wait_accepted(2)
        assert await f.manager.flush(2)
        reports = f.reports.messages()
    first, second = rx.accepted
    assert [fr.message for fr in first.frames] == [r.message for r in recs(5)]
    notice, *rest = second.frames
    assert re.fullmatch(
        r"Error L10 \(output buffer overflow\): 12 messages dropped since \S+\.", notice.message
    )
    assert [fr.message for fr in rest] == [r.message for r in recs(3, 17)]
    assert [m for m in reports if m.startswith("Error L10")] == [notice.message]


async def test_a_lapsed_lease_stops_sending_until_renewed(tmp_path, new_store):
    """A router that could not renew in time (the store was busy, the host paused) sends
    nothing more: another router may hold the drain by now."""
    async with forwarding(tmp_path, new_store(), lease_ttl=600) as f, HttpReceiver() as rx:
        drain = await f.add_drain(rx.url())
        fwd = f.manager.forwarders[drain.id]
        fwd.expires_at = 0.0  # as if renewal had not come for a whole ttl
        await f.commit("myapp", recs(2))
        await until(lambda: fwd.paused)
        assert rx.requests == []
        await f.manager.refresh()  # renewed late: the forwarder starts over from the cursor
        await rx.wait_accepted(1)
        assert received(rx.requests) == [r.message for r in recs(2)]
