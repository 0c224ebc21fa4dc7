"""Attack: tails that connect and never read while huge lines arrive (issue 8, item 4).

Before: each stalled tail kept up to 20,000 lines, whatever their size (1,500 x 500 KB lines:
RSS 40 -> 776 MB for one tail), and a resuming tail formatted all of it into one string. Now a
tail holds bytes, all tails together too, and the loss is told with an L11 notice.
"""

from __future__ import annotations

import httpx

from tuilogs.server.hub import batch_bytes

from kit.routerkit import api_headers, post_batch, rec
from kit.stalling_http import StalledReader, wait_for

LINE = 200_000  # bytes per message
TAIL_BYTES = 2_000_000
ALL_TAILS_BYTES = 3_000_000


def big(i: int):
    return rec(f"big {i} " + "x" * LINE)


def test_stalled_tails_hold_bounded_bytes_and_are_told_of_the_loss(make_router):
    r = make_router(tail_buffer_bytes=TAIL_BYTES, tail_buffer_total_bytes=ALL_TAILS_BYTES)
    hub = r.router.hub
    assert post_batch(r, "myapp", [rec("first")]).status_code == 204
    with httpx.Client(base_url=r.base_url, headers=api_headers(r)) as api:
        urls = [
            api.post("/apps/myapp/log-sessions", json={"lines": 0, "tail": True}).json()[
                "logplex_url"
            ]
            for _ in range(3)
        ]
    tails = [StalledReader(url) for url in urls]
    try:
        wait_for(lambda: hub.subscribers("myapp") == 3, what="three tails")
        one = batch_bytes([big(0)])
        for i in range(60):  # 12 MB: six times what a tail may hold
            assert post_batch(r, "myapp", [big(i)]).status_code == 204
            # A tail whose queue is empty always takes the next batch: one batch over, at most.
            assert max(hub.pending("myapp")) <= TAIL_BYTES + one
            assert hub.held_bytes <= ALL_TAILS_BYTES + one

        for tail in tails:
            tail.resume(b"the end")

        def everyone_saw_the_end() -> bool:
            post_batch(r, "myapp", [rec("the end")])
            return all(t.seen.wait(0.2) for t in tails)

        wait_for(everyone_saw_the_end, what="the tails to read to the end")
        for tail in tails:
            text = tail.data.decode(errors="replace")
            assert "heroku[logplex]: Error L11 (Tail buffer overflow): " in text
            assert "messages dropped since" in text
            assert "big 0 " in text  # what fit was delivered, in order, before the notice
            assert text.index("big 0 ") < text.index("Error L11")
        assert hub.held_bytes <= ALL_TAILS_BYTES
    finally:
        for tail in tails:
            tail.close()
    wait_for(lambda: hub.subscribers("myapp") == 0, what="the tails to be let go")
    assert hub.held_bytes == 0
