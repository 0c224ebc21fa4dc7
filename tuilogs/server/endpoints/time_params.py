"""Time-range parameters of the history extensions: `since` and `until` (docs/api.md).

A bound is an RFC 3339 timestamp with its offset (`2026-11-01T12:00:00Z`, `…+01:00`) or
whole seconds since the epoch; a local time without an offset would mean the router's own
zone, which a client cannot know, so it is refused (422) like any other malformed bound.
Relative forms (`-15m`) are the client's business: it sends the instant they name.
"""

from __future__ import annotations

import math
from datetime import timezone

from starlette.requests import Request

from tuilogs.core.record import parse_timestamp

from ..errors import invalid_params
from .common import parse_count

MAX_SECONDS = 10**11  # year ~5138: beyond any log line, within every integer column


def parse_bound(text: str) -> int | None:
    """A bound as whole seconds since the epoch, or None when `text` is not one."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        return parse_count(text, 0, MAX_SECONDS)
    when = parse_timestamp(text)
    if when is None or when.tzinfo is None:
        return None
    return math.floor(when.timestamp())


def line_seconds(timestamp: str) -> int | None:
    """A stored line's time in whole seconds, as the store's range filter reads it (no offset
    means UTC there, as in SQLite); None when unreadable."""
    when = parse_timestamp(timestamp)
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return math.floor(when.timestamp())


def _bound(raw: object, key: str) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= MAX_SECONDS:
        return raw
    value = parse_bound(raw) if isinstance(raw, str) else None
    if value is None:
        raise invalid_params(
            f"{key} must be an RFC 3339 timestamp with an offset (2026-11-01T12:00:00Z)"
            " or seconds since the epoch."
        )
    return value


def _checked(since: int | None, until: int | None) -> tuple[int | None, int | None]:
    if since is not None and until is not None and since >= until:
        raise invalid_params("since must come before until.")
    return since, until


def query_range(request: Request) -> tuple[int | None, int | None]:
    """(since, until) from the query string; 422 when malformed or out of order."""
    qp = request.query_params
    return _checked(_bound(qp.get("since"), "since"), _bound(qp.get("until"), "until"))


def body_range(data: dict) -> tuple[int | None, int | None]:
    """(since, until) from a JSON body (strings or integers); 422 when malformed."""
    return _checked(_bound(data.get("since"), "since"), _bound(data.get("until"), "until"))
