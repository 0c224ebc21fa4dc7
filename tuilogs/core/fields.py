"""The structured fields of a message: logfmt pairs (router lines, app logfmt) or a JSON object.

Used by the detail view and by field terms of the query language that need a per-line check.
"""

from __future__ import annotations

import json
from typing import Any

from tuilogs.core.logfmt import is_logfmt, parse_logfmt


def json_object(message: str) -> dict[str, Any] | None:
    """The message as a JSON object, or None when it is not one."""
    text = message.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def message_fields(message: str) -> dict[str, str]:
    """Flat key → text of a message's fields; nested JSON values are shown as JSON."""
    obj = json_object(message)
    if obj is not None:
        return {
            str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
            for k, v in obj.items()
        }
    if is_logfmt(message):
        return {f.key: f.value for f in parse_logfmt(message)}
    return {}


def leading_number(text: str) -> float | None:
    """`30000ms` → 30000.0, `1.5s` → 1.5, `abc` → None (router values carry units)."""
    end = 0
    n = len(text)
    if end < n and text[end] in "+-":
        end += 1
    digits = end
    while end < n and (text[end].isdigit() or text[end] == "."):
        end += 1
    if end == digits:
        return None
    try:
        return float(text[:end])
    except ValueError:
        return None
