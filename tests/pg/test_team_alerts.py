"""Alert rules on a team's router: two routers on one PostgreSQL database (the suite's real
server), one of them evaluating every router's lines under the rules' lease, told to a real
webhook receiver on loopback. Lines posted to B fire a rule A evaluates, once per window, with
the cool-down; rules added or removed through either router reach A; kill -9 of the evaluating
router hands the rules to the other, which does not fire the old window again. Saved searches
and firings are shared by every router."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest

from tuilogs.platform.alerts import AlertsApi
from tuilogs.platform.client import PlatformClient

from kit.alertkit import add_rule, api, firings, h12, rules
from kit.receivers import HttpReceiver
from kit.routerkit import api_headers, post_batch, rec
from kit.waiting import until, wait_until

pytestmark = pytest.mark.stores("postgres")

APP = "shop"
FAST = {"alert_tick": 0.05, "alert_backoff": 0.02, "drain_lease_ttl": 1.5}


def lease_owner(url: str) -> str | None:
    """Who holds the rules' lease (None: nobody, or no router made the schema yet)."""
    with psycopg.connect(url) as conn:
        made = conn.execute("select to_regclass('tuilogs.leases')").fetchone()[0]
        if made is None:
            return None
        row = conn.execute("select owner from tuilogs.leases where name = 'alert-rules'").fetchone()
    return row[0] if row else None


async def post(router, records) -> None:
    resp = await asyncio.to_thread(post_batch, router, APP, records)
    assert resp.status_code == 204, resp.text


async def state_of(router, rule_id: str) -> dict:
    """A rule's state as `router` serves it (the evaluating router's, as last stored)."""
    [found] = [r["state"] for r in await rules(router, APP) if r["id"] == rule_id]
    return found


async def counted(router, rule_id: str, n: int) -> dict:
    """Wait until the rule's state, as `router` serves it, has counted `n` lines."""
    state: dict = {}

    async def reached() -> bool:
        state.update(await state_of(router, rule_id))
        return state["count"] >= n

    deadline = asyncio.get_running_loop().time() + 15
    while not await reached():
        assert asyncio.get_running_loop().time() < deadline, f"counted {state} of {n}"
        await asyncio.sleep(0.02)
    return state


def notices(router) -> list[str]:
    lines = router.store.lines(APP)
    return [line.message for line in lines if (line.source, line.dyno) == ("heroku", "tuilogs")]


async def test_lines_posted_to_b_fire_a_rule_evaluated_by_a_once_per_window(
    make_router, postgres_url
):
    a = make_router(**FAST)
    b = make_router(**FAST)
    assert a.router.alerting.engine is not None and b.router.alerting.engine is None
    assert lease_owner(postgres_url) == a.router.alerting.owner
    async with HttpReceiver() as rx:
        rule = await add_rule(
            b, APP, name="h12", query="code:H12", threshold=5, window=600, webhook=rx.url()
        )
        await until(lambda: a.router.alerting.evaluates(APP, rule["id"]))  # at A's next poll
        await post(b, h12(3) + [rec("GET / 200")])
        await counted(b, rule["id"], 3)
        assert await firings(a, APP) == []
        await post(b, h12(2))
        await rx.wait_accepted(1)
        await post(b, h12(10))  # the same window: no second firing
        state = await counted(b, rule["id"], 15)
        assert state["fired"] is True
        [firing] = await firings(b, APP)
        assert firing["count"] == 5 and await firings(a, APP) == [firing]
        [text] = [json.loads(r.body)["text"] for r in rx.accepted]
        assert text.startswith(f'[{APP}] Alert "h12" fired: 5 lines matching `code:H12`')
        await until(lambda: notices(b) == [firing["message"]])  # A's notice, in the shared log
        assert len(rx.requests) == 1


async def test_the_cool_down_holds_a_new_window_on_the_team(make_router):
    a = make_router(**FAST)
    b = make_router(**FAST)
    async with HttpReceiver() as rx:
        err = await add_rule(b, APP, name="err", query="level>=error", window=1, cooldown=0,
                             webhook=rx.url())  # fmt: skip
        quiet = await add_rule(a, APP, name="err-quiet", query="level>=error", window=1,
                               cooldown=3600, webhook=rx.url())  # fmt: skip
        for added in (err, quiet):
            await until(lambda added=added: a.router.alerting.evaluates(APP, added["id"]))
        await post(b, [rec("ERROR one")])
        await rx.wait_accepted(2)
        loop = asyncio.get_running_loop()
        opened = loop.time()
        await until(lambda: loop.time() > opened + 1.1, timeout=5)  # the 1 s window is over
        await post(b, [rec("ERROR two")])
        await rx.wait_accepted(3)
        await counted(a, quiet["id"], 1)
        names = sorted(f["rule"]["name"] for f in await firings(b, APP))
        assert names == ["err", "err", "err-quiet"]  # the cool-down held the other
        assert len(rx.requests) == 3


async def test_a_rule_removed_through_b_stops_at_a(make_router):
    a = make_router(**FAST)
    b = make_router(**FAST)
    rule = await add_rule(a, APP, name="h12", query="code:H12", threshold=1, window=600)
    await until(lambda: a.router.alerting.evaluates(APP, rule["id"]))
    async with api(b) as c:
        assert (await c.delete(f"/apps/{APP}/alert-rules/h12")).status_code == 200
    await until(lambda: a.router.alerting.engine.state(rule["id"]) is None)
    await post(b, h12(3))
    await until(lambda: a.router.alerting.engine.wait_idle(0))
    assert await firings(a, APP) == []


class EvaluatingRouter:
    """A router in a process of its own, the team's first (so it holds the rules' lease),
    with fast alert and lease settings: what the test kills with SIGKILL."""

    def __init__(self, home: Path, url: str) -> None:
        code = (
            "import sys; from tuilogs.server.run import serve;"
            " serve(port=0, store_url=sys.argv[1], alert_tick=0.05, alert_backoff=0.02,"
            " drain_lease_ttl=1.5)"
        )
        env = {**os.environ, "TUILOGS_HOME": str(home)}
        home.mkdir(parents=True)
        self.stderr = home / "stderr"  # a file: a pipe nobody reads could stall the router
        with self.stderr.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code, url], env=env, stdout=subprocess.DEVNULL, stderr=err
            )
        self.url = url

    def holds_the_lease(self) -> bool:
        """the subprocess router holding the rules' lease"""
        assert self.proc.poll() is None, self.stderr.read_text(errors="replace")
        owner = lease_owner(self.url)
        return owner is not None and owner.split(":")[1] == str(self.proc.pid)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(15)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.kill()


async def test_kill_9_of_the_evaluating_router_hands_over_without_firing_again(
    make_router, postgres_url, tmp_path
):
    a = EvaluatingRouter(tmp_path / "a", postgres_url)
    try:
        await asyncio.to_thread(wait_until, a.holds_the_lease, 30, 0.05)
        b = make_router(**FAST)
        assert b.router.alerting.engine is None
        async with HttpReceiver() as rx:
            rule = await add_rule(b, APP, name="h12", query="code:H12", threshold=5,
                                  window=600, webhook=rx.url())  # fmt: skip
            await counted(b, rule["id"], 0)
            # A picks the rule up at its next poll; until then B's lines are not counted
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15
            while not await firings(b, APP):
                assert loop.time() < deadline, "A never fired"
                await post(b, h12(1))
                await asyncio.sleep(0.05)
            await rx.wait_accepted(1)
            fired = await state_of(b, rule["id"])
            assert fired["fired"] is True and b.router.alerting.engine is None  # A fired it
            a.kill()
            await post(b, h12(3))  # while nobody evaluates: B takes them over after the lease
            await until(lambda: b.router.alerting.engine is not None, timeout=15)
            assert lease_owner(postgres_url) == b.router.alerting.owner
            state = await counted(b, rule["id"], fired["count"] + 3)
            assert state["fired"] is True and state["window_start"] == fired["window_start"]
            assert await asyncio.to_thread(b.router.alerting.engine.wait_idle, 10)
            assert len(await firings(b, APP)) == 1
            assert len(rx.requests) == 1
    finally:
        a.stop()


def test_saved_searches_and_firings_are_shared_and_the_cli_client_lists_rules(make_router):
    first, second = make_router(), make_router()
    headers = api_headers(first)
    with httpx.Client(base_url=first.base_url, headers=headers, timeout=30) as a:
        put = a.put(f"/apps/{APP}/saved-searches/errors", json={"query": "level>=error"})
        assert put.status_code == 201, put.text
        made = a.post(f"/apps/{APP}/alert-rules", json={"name": "e", "search": "errors"})
        assert made.status_code == 201, made.text
    with httpx.Client(base_url=second.base_url, headers=api_headers(second), timeout=30) as b:
        assert [s["query"] for s in b.get(f"/apps/{APP}/saved-searches").json()] == ["level>=error"]
        assert b.get(f"/apps/{APP}/alert-firings").json() == []
    with PlatformClient(second.base_url, second.token, kind="local", timeout=10) as pc:
        [listed] = AlertsApi(pc).rules(APP)
    assert (listed.name, listed.query) == ("e", "level>=error")


def test_the_alert_tables_live_in_the_tuilogs_schema(make_router, postgres_url):
    router = make_router()
    with httpx.Client(base_url=router.base_url, headers=api_headers(router), timeout=30) as c:
        assert c.put(f"/apps/{APP}/saved-searches/x", json={"query": "x"}).status_code == 201
    with psycopg.connect(postgres_url) as conn:
        found = conn.execute(
            "select tablename from pg_tables where schemaname = 'tuilogs'"
            " and tablename in ('saved_searches', 'alert_rules', 'leases') order by 1"
        ).fetchall()
    assert found == [("alert_rules",), ("leases",), ("saved_searches",)]
