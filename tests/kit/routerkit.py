"""Helpers for router tests (importable as `routerkit`; fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from tuilogs.core.logplex_batch import LogplexBatch
from tuilogs.core.record import LogRecord
from tuilogs.server.run import RouterHandle

TS = "2026-11-23T19:00:00.000001+00:00"
DRAIN_TOKEN = "d.00000000-0000-0000-0000-000000000000"


def rec(message: str, dyno: str = "web.1", source: str = "app", ts: str = TS) -> LogRecord:
    return LogRecord(ts, source, dyno, message)


def frames_body(records: Iterable[LogRecord]) -> bytes:
    """A Logplex body holding `records` (as `core.logplex_batch` builds it)."""
    return LogplexBatch(records).body


def api_headers(router: RouterHandle) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {router.token}",
        "Accept": "application/vnd.heroku+json; version=3",
    }


def post_batch(
    router: RouterHandle,
    app: str,
    records: list[LogRecord] | None = None,
    *,
    body: bytes | None = None,
    frame_id: str | None = "auto",
    count: int | str | None = "auto",
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> httpx.Response:
    """POST one Logplex batch to the router's drain endpoint, as Logplex would.

    `body`, `frame_id` and `count` replace what Logplex would send (None: leave the header
    out); `headers` are added last.
    """
    batch = LogplexBatch(records or [], drain_token=DRAIN_TOKEN)
    h = {**batch.headers(), "User-Agent": "Logplex/v123"}
    if frame_id != "auto":
        h.pop("Logplex-Frame-Id")
        if frame_id is not None:
            h["Logplex-Frame-Id"] = frame_id
    if count != "auto":
        h.pop("Logplex-Msg-Count")
        if count is not None:
            h["Logplex-Msg-Count"] = str(count)
    h.update(headers or {})
    return httpx.post(
        f"{router.base_url}/drains/{app}",
        content=batch.body if body is None else body,
        headers=h,
        auth=auth or ("logplex", router.token),
        timeout=30,
    )
