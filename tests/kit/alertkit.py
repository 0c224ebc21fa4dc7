"""Helpers for alert tests: the rules API of a real router, from a test on an event loop.

The router runs in its own thread (`make_router`); the webhook receiver (`kit.receivers`) on
the test's event loop, so blocking calls to the router go through `asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio

import httpx

from tuilogs.core.record import LogRecord
from tuilogs.server.run import RouterHandle

from kit.routerkit import api_headers, post_batch, rec

H12 = 'at=error code=H12 desc="Request timeout" method=GET path="/" status=503'


def h12(n: int) -> list[LogRecord]:
    return [rec(H12, dyno="router", source="heroku") for _ in range(n)]


def api(router: RouterHandle) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=router.base_url, headers=api_headers(router), timeout=30)


async def add_rule(router: RouterHandle, app: str, **fields: object) -> dict:
    async with api(router) as c:
        resp = await c.post(f"/apps/{app}/alert-rules", json=fields)
    assert resp.status_code == 201, resp.text
    return resp.json()


async def rules(router: RouterHandle, app: str) -> list[dict]:
    async with api(router) as c:
        resp = await c.get(f"/apps/{app}/alert-rules")
    assert resp.status_code == 200, resp.text
    return resp.json()


async def firings(router: RouterHandle, app: str) -> list[dict]:
    async with api(router) as c:
        resp = await c.get(f"/apps/{app}/alert-firings")
    assert resp.status_code == 200, resp.text
    return resp.json()


async def post(router: RouterHandle, app: str, records: list[LogRecord]) -> None:
    """POST a batch as Logplex does, then wait until the rules evaluated it."""
    resp = await asyncio.to_thread(post_batch, router, app, records)
    assert resp.status_code == 204, resp.text
    alerting = router.router.alerting
    assert alerting is not None
    assert await asyncio.to_thread(alerting.engine.wait_idle, 10)
