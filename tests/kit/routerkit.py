"""Helpers for router tests (importable as `routerkit`; fixtures live in conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import httpx

from tuilogs.core.frames import format_frame
from tuilogs.core.record import LogRecord
from tuilogs.server.main import RouterHandle

TS = "2026-11-23T19:00:00.000001+00:00"


def rec(message: str, dyno: str = "web.1", source: str = "app", ts: str = TS) -> LogRecord:
    return LogRecord(ts, source, dyno, message)


def frames_body(records: Iterable[LogRecord]) -> bytes:
    return b"".join(format_frame(r) for r in records)


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
    """POST one Logplex batch to the router's drain endpoint, as Logplex would."""
    if body is None:
        body = frames_body(records or [])
    h = {"Content-Type": "application/logplex-1", "User-Agent": "Logplex/v123"}
    if frame_id == "auto":
        frame_id = uuid.uuid4().hex
    if frame_id is not None:
        h["Logplex-Frame-Id"] = frame_id
    if count == "auto":
        count = len(records or [])
    if count is not None:
        h["Logplex-Msg-Count"] = str(count)
    h["Logplex-Drain-Token"] = "d.00000000-0000-0000-0000-000000000000"
    h.update(headers or {})
    return httpx.post(
        f"{router.base_url}/drains/{app}",
        content=body,
        headers=h,
        auth=auth or ("logplex", router.token),
        timeout=30,
    )
