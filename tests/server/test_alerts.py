"""Alert rules on a real router, told to a real webhook receiver on loopback: once per window,
the cool-down, a restart that does not fire an old window again, absences, retries on 5xx,
and the in-log `heroku[tuilogs]` notice; on both stores (a PostgreSQL router alone holds the
rules' lease: tests/pg/test_team_alerts.py has two)."""

from __future__ import annotations

import asyncio
import json

import pytest

from kit.alertkit import add_rule, firings, h12, post, rules
from kit.receivers import HttpReceiver
from kit.routerkit import rec
from kit.waiting import until

pytestmark = pytest.mark.stores("sqlite", "postgres")

APP = "shop"
FAST = {"alert_tick": 0.05, "alert_backoff": 0.02}


def texts(rx: HttpReceiver) -> list[str]:
    return [json.loads(r.body)["text"] for r in rx.accepted]


def notices(router) -> list[str]:
    """The app's `heroku[tuilogs]` lines (a quick read of the store)."""
    lines = router.store.lines(APP)
    return [line.message for line in lines if (line.source, line.dyno) == ("heroku", "tuilogs")]


async def until_notices(router, n: int) -> list[str]:
    return await until(lambda: (found := notices(router)) and len(found) >= n and found)


async def test_fires_once_per_window_to_the_webhook_and_the_apps_log(make_router):
    router = make_router(**FAST)
    async with HttpReceiver() as rx:
        rule = await add_rule(
            router, APP, name="h12", query="code:H12", threshold=5, window=600,
            webhook=rx.url("/hook"),
        )  # fmt: skip
        await post(router, APP, h12(3) + [rec("GET / 200")])
        assert await firings(router, APP) == []
        await post(router, APP, h12(2))
        await rx.wait_accepted(1)
        await post(router, APP, h12(10))  # the same window: no second firing
        [firing] = await firings(router, APP)
        assert firing["rule"] == {"id": rule["id"], "name": "h12"}
        assert firing["count"] == 5
        [state] = [r["state"] for r in await rules(router, APP)]
        assert state["count"] == 15 and state["fired"] is True
        [text] = texts(rx)
        assert text.startswith(f'[{APP}] Alert "h12" fired: 5 lines matching `code:H12`')
        assert rx.accepted[0].headers["content-type"] == "application/json"
        assert await until_notices(router, 1) == [firing["message"]]


async def test_a_new_window_fires_again_unless_cooling_down(make_router):
    router = make_router(**FAST)
    async with HttpReceiver() as rx:
        await add_rule(router, APP, name="err", query="level>=error", window=1, cooldown=0,
                       webhook=rx.url())  # fmt: skip
        await add_rule(router, APP, name="err-quiet", query="level>=error", window=1,
                       cooldown=3600)  # fmt: skip
        await post(router, APP, [rec("ERROR one")])
        await rx.wait_accepted(1)
        loop = asyncio.get_running_loop()
        opened = loop.time()
        await until(lambda: loop.time() > opened + 1.1, timeout=5)  # the 1 s window is over
        await post(router, APP, [rec("ERROR two")])
        await rx.wait_accepted(2)
        names = [f["rule"]["name"] for f in await firings(router, APP)]
        assert sorted(names) == ["err", "err", "err-quiet"]  # the cool-down held the other


async def test_a_restart_does_not_fire_an_old_window_again(make_router, tmp_path):
    db = tmp_path / "store.db"
    first = make_router(db_path=db, **FAST)
    await add_rule(first, APP, name="h12", query="code:H12", threshold=5, window=600)
    await post(first, APP, h12(3))
    await asyncio.to_thread(first.stop)  # counts are saved at stop
    second = make_router(db_path=db, **FAST)
    await post(second, APP, h12(2))  # 3 + 2 in the same window: fires
    assert len(await firings(second, APP)) == 1
    await asyncio.to_thread(second.stop)
    third = make_router(db_path=db, **FAST)
    await post(third, APP, h12(20))  # still that window, which already fired
    assert len(await firings(third, APP)) == 1
    [state] = [r["state"] for r in await rules(third, APP)]
    assert state["count"] == 25


async def test_absence_rule_fires_once_per_silence(make_router):
    router = make_router(**FAST)
    async with HttpReceiver() as rx:
        await add_rule(router, APP, name="web quiet", query="dyno:web", kind="absence",
                       window=1, cooldown=0, webhook=rx.url())  # fmt: skip
        await post(router, APP, [rec("worker line", dyno="worker.1")])  # not web
        await rx.wait_accepted(1, timeout=10)
        assert "no lines matching `dyno:web` for 1 s" in texts(rx)[0]
        await post(router, APP, [rec("GET /", dyno="web.2")])  # the silence ends
        await rx.wait_accepted(2, timeout=10)  # and a new one fires once more
        assert len(await firings(router, APP)) == 2


async def test_webhook_retries_on_5xx_and_gives_up_on_4xx(make_router):
    router = make_router(**FAST)
    async with HttpReceiver(script=[500, 503]) as retried, HttpReceiver(script=[404]) as gone:
        await add_rule(router, APP, name="a", query="boom", webhook=retried.url())
        await add_rule(router, APP, name="b", query="boom", webhook=gone.url())
        await post(router, APP, [rec("boom")])
        await retried.wait_accepted(1)
        assert len(retried.requests) == 3
        found = await until_notices(router, 3)
        assert any("answered HTTP 404; notification dropped" in m for m in found)
        assert len(gone.requests) == 1
