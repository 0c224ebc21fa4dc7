"""Following a request: every line that carries the same request id.

Heroku's router logs `request_id=…` for each request and passes it to the app as the
X-Request-ID header. Apps log it as a field (logfmt `request_id=…`, JSON `"request_id": "…"`)
or as Rails' tagged logging does, a leading `[id]` (`config.log_tags = [:request_id]`, the
usual setting on Heroku), and sometimes in prose. A UUID-long id is unique in practice, so the
filter is the id as a phrase, which finds it however it is logged (and is one `bytes.find` per
chunk); a short id could be part of other text, so it stays a `request_id:` field filter.
"""

from __future__ import annotations

import re

from tuilogs.core.fields import message_fields
from tuilogs.core.query import field_query
from tuilogs.core.record import LogRecord

REQUEST_KEY = "request_id"
UNIQUE_LENGTH = 16  # ids at least this long are searched as text, anywhere in a line
# Rails' tagged logging: `[0d8a…-…] Started GET "/"` (other tags may follow in brackets).
_TAG_RE = re.compile(
    r"^\[([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\]"
)


def request_id(record: LogRecord) -> str | None:
    """The line's request id, if it has one: a field, or a leading Rails tag."""
    value = message_fields(record.message).get(REQUEST_KEY)
    if isinstance(value, str) and value.strip():
        return value.strip()
    tag = _TAG_RE.match(record.message)
    return tag.group(1) if tag else None


def request_filter(record: LogRecord) -> str | None:
    """The filter showing every line of the line's request; None without a request id."""
    rid = request_id(record)
    if not rid:
        return None
    if len(rid) >= UNIQUE_LENGTH and '"' not in rid and "\\" not in rid:
        return f'"{rid}"'
    return field_query(REQUEST_KEY, rid)
