"""Attack: ask for a huge answer (issue 8, item 4): `log-lines?limit=10000` over 500 KB lines
(2.2 GB of RSS), a 100,000-line log session (3.5 GB). Each was read whole from the store and
formatted into one string. Now both are written in pieces, each read from the store only when
the previous one was sent: the chunks on the wire show it, and so does the router's peak of
Python memory while it answers (tracemalloc; router and client are in this process, the client
reading with a bare socket that keeps nothing)."""

from __future__ import annotations

import tracemalloc

import httpx

from tuilogs.server.endpoints.history import PIECE_BYTES
from tuilogs.server.endpoints.log_sessions import CHUNK_BYTES

from kit.routerkit import api_headers, post_batch, rec
from kit.stalling_http import chunk_sizes

LINE = 200_000
LINES = 150  # 30 MB in all
ENVELOPE = 4096  # JSON fields, ids, timestamps of a piece's lines


def store_big_lines(router) -> None:
    for i in range(0, LINES, 4):
        batch = [rec(f"big {j} " + "x" * LINE) for j in range(i, min(LINES, i + 4))]
        assert post_batch(router, "myapp", batch).status_code == 204


def peak_while(fn) -> tuple[object, int]:
    """`fn()` and the peak of Python memory allocated meanwhile (above the start)."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def test_log_lines_is_written_piece_by_piece(router):
    store_big_lines(router)
    url = f"{router.base_url}/apps/myapp/log-lines?limit=10000"
    (status, sizes), peak = peak_while(lambda: chunk_sizes(url, api_headers(router)))
    assert status == 200
    assert sum(sizes) > LINES * LINE  # all of it was sent
    assert max(sizes) <= PIECE_BYTES + LINE + 10 * ENVELOPE  # a piece: a budget and a line
    assert len(sizes) >= LINES * LINE // (PIECE_BYTES + LINE)
    assert peak < LINES * LINE // 4, f"{peak / 1e6:.0f} MB held while answering"
    # And it is one well-formed page, as before.
    page = httpx.get(url, headers=api_headers(router), timeout=60).json()
    assert [x["message"][:8] for x in page["lines"][:2]] == ["big 0 xx", "big 1 xx"]
    assert (page["first_id"], page["last_id"], page["head_id"]) == (1, LINES, LINES)


def test_a_long_session_is_written_piece_by_piece(router):
    store_big_lines(router)
    with httpx.Client(base_url=router.base_url, headers=api_headers(router)) as api:
        resp = api.post("/apps/myapp/log-sessions", json={"lines": LINES})
    url = resp.json()["logplex_url"]
    (status, sizes), peak = peak_while(lambda: chunk_sizes(url))
    assert status == 200
    assert sum(sizes) > LINES * LINE
    assert max(sizes) <= CHUNK_BYTES + LINE + 10 * ENVELOPE
    assert peak < LINES * LINE // 4, f"{peak / 1e6:.0f} MB held while answering"
