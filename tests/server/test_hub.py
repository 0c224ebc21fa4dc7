"""The hub: fan-out of stored lines to tails, and the L11 notice for a tail that falls behind."""

from __future__ import annotations

from tuilogs.core.record import LogRecord
from tuilogs.server.hub import Hub

from kit.routerkit import TS


async def test_hub_overflow_gives_l11_notice_and_continues():
    hub = Hub(max_lines=10)
    sub = hub.subscribe("app")
    hub.publish("app", 1, [LogRecord(TS, "app", "web.1", f"a{i}") for i in range(8)])
    hub.publish("app", 9, [LogRecord(TS, "app", "web.1", "b") for _ in range(5)])
    hub.publish("app", 14, [LogRecord(TS, "app", "web.1", "c") for _ in range(5)])
    batches = await sub.get(1)
    assert [b[0] for b in batches] == [1, None]
    notice = batches[1][1][0]
    assert notice.source == "heroku" and notice.dyno == "logplex"
    assert notice.message.startswith("Error L11 (Tail buffer overflow): 10 messages dropped since")
    hub.publish("app", 19, [LogRecord(TS, "app", "web.1", "d")])
    assert [b[0] for b in await sub.get(1)] == [19]
    assert await sub.get(0.05) == []
    sub.close()
    assert hub.subscribers("app") == 0
