"""Following a request: every line that carries the same `request_id`.

Heroku's router logs `request_id=…` for each request and passes it to the app as the
X-Request-ID header; apps that log it (logfmt `request_id=…`, JSON `"request_id": "…"`) tie
their lines to the router's. Following a request is then a filter of the search language,
`request_id:VALUE`, cleared like any other.
"""

from __future__ import annotations

from tuilogs.core.fields import message_fields
from tuilogs.core.query import field_query
from tuilogs.core.record import LogRecord

REQUEST_KEY = "request_id"


def request_id(record: LogRecord) -> str | None:
    """The line's request id, if it has one."""
    value = message_fields(record.message).get(REQUEST_KEY)
    return (value.strip() or None) if isinstance(value, str) else None


def request_filter(record: LogRecord) -> str | None:
    """The filter showing every line of the line's request; None without a request id."""
    rid = request_id(record)
    return field_query(REQUEST_KEY, rid) if rid else None
