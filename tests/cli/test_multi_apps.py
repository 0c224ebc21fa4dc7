"""Several apps of the router in one explorer view: first screens, then their histories paged
in front of them, merged as one history, then live lines at the end."""

from __future__ import annotations

from tuilogs.cli.several import _app_ready
from tuilogs.core.ingest.merge import StreamSpec
from tuilogs.platform.live import open_app

from kit.merged import merged, wait
from kit.routerkit import post_batch, rec


def stamp(ms: int) -> str:
    return f"2026-11-29T10:{ms // 60_000:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}000+00:00"


def app_spec(client, name: str) -> StreamSpec:
    def start(feed, origins):
        return open_app(client, name, feed, origins, lines=300, history=True)

    return StreamSpec(name, start, ready=_app_ready, patience=5.0)


def test_histories_merge_in_front_and_live_lines_come_at_the_end(router, pclient):
    web = [rec(f"web {i}", dyno="web.1", ts=stamp(3 * i)) for i in range(12_000)]
    api = [
        rec(f"api {i}", dyno="web.2", source="heroku", ts=stamp(5 * i + 1)) for i in range(7_000)
    ]
    for i in range(0, len(web), 3000):
        post_batch(router, "webapp", web[i : i + 3000])
    for i in range(0, len(api), 3000):
        post_batch(router, "apiapp", api[i : i + 3000])
    buffer, feed, merger = merged([app_spec(pclient, "webapp"), app_spec(pclient, "apiapp")])
    both = sorted(
        [(r.timestamp, 0, i, r.line()) for i, r in enumerate(web)]
        + [(r.timestamp, 1, i, r.line()) for i, r in enumerate(api)]
    )
    shown = [x.decode() for x in buffer.raw_lines(0, len(buffer))]
    assert shown == [x[3] for x in both]  # 300 lines each first, 18,400 more paged in
    assert feed.history is not None and feed.history.done
    post_batch(router, "apiapp", [rec("api live", dyno="web.2", ts=stamp(1))])  # an old stamp
    wait(feed, buffer, lambda: len(buffer) == len(both) + 1)
    assert buffer.raw(len(buffer) - 1).endswith(b"api live")  # at the end, as it came
    merger.stop()
