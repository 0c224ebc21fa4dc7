"""The hub: fan-out of stored lines to tails, bounded by bytes, and the L11 notice for a tail
that falls behind."""

from __future__ import annotations

from tuilogs.core.record import LogRecord
from tuilogs.server.hub import Hub, batch_bytes

from kit.routerkit import TS


def lines(n: int, text: str) -> list[LogRecord]:
    return [LogRecord(TS, "app", "web.1", text) for _ in range(n)]


async def test_hub_overflow_gives_l11_notice_and_continues():
    per_tail = batch_bytes(lines(10, "a0"))
    hub = Hub(tail_bytes=per_tail)
    sub = hub.subscribe("app")
    hub.publish("app", 1, lines(8, "a0"))
    hub.publish("app", 9, lines(5, "b0"))
    hub.publish("app", 14, lines(5, "c0"))
    batches = await sub.get(1)
    assert [b[0] for b in batches] == [1, None]
    notice = batches[1][1][0]
    assert notice.source == "heroku" and notice.dyno == "logplex"
    assert notice.message.startswith("Error L11 (Tail buffer overflow): 10 messages dropped since")
    hub.publish("app", 19, lines(1, "d0"))
    assert [b[0] for b in await sub.get(1)] == [19]
    assert await sub.get(0.05) == []
    sub.close()
    assert hub.subscribers("app") == 0


async def test_a_tail_holds_bytes_not_lines():
    size = batch_bytes(lines(1, "x" * 1_000_000))
    hub = Hub(tail_bytes=3 * size)
    sub = hub.subscribe("app")
    for i in range(10):  # ten 1 MB lines: three fit
        hub.publish("app", i + 1, lines(1, "x" * 1_000_000))
    assert sub.pending_bytes == 3 * size and sub.dropped_total == 7
    assert [b[0] for b in await sub.get(1, max_bytes=1)] == [1]  # a piece at a time
    rest = await sub.get(1)
    assert [b[0] for b in rest] == [2, 3, None]
    assert sub.pending_bytes == 0 and hub.held_bytes == 0


async def test_all_tails_together_are_bounded_and_a_batch_counts_once():
    size = batch_bytes(lines(1, "x" * 100_000))
    hub = Hub(max_bytes=5 * size, tail_bytes=4 * size)
    stalled = [hub.subscribe("app") for _ in range(3)]
    for i in range(4):  # the same four batches for all three: held once
        hub.publish("app", i + 1, lines(1, "x" * 100_000))
    assert hub.held_bytes == 4 * size
    late = hub.subscribe("app", max_bytes=10 * size)
    hub.publish("app", 5, lines(1, "y" * 100_000))  # fits no stalled tail; the empty one takes it
    hub.publish("app", 6, lines(1, "z" * 100_000))  # over the hub's bound: dropped for all
    assert hub.held_bytes == 5 * size
    assert [b[0] for b in await late.get(1)] == [5, None]
    for sub in stalled:
        assert [b[0] for b in await sub.get(1)] == [1, 2, 3, 4, None]
    assert hub.held_bytes == 0
    for sub in [*stalled, late]:
        sub.close()
