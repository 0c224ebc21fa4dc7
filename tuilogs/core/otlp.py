"""OpenTelemetry logs (OTLP/HTTP) as Logplex-style lines: what a Fir telemetry drain sends.

Heroku's Fir generation has no Logplex drains: logs leave through telemetry drains speaking
OTLP (`heroku telemetry:add URL --signals logs --transport http`). This turns one
`ExportLogsServiceRequest` (protobuf or OTLP JSON, gzip or not; see `otlp_wire.py`) into
`LogRecord`s grouped by app, plus the counts OTLP's partial-success answer needs.

How a log record maps onto a line (record attributes first, then resource attributes — Heroku's
"OpenTelemetry Signals and Attributes Reference" notes that values set on a log record may
override the resource-level ones):

========== ===========================================================================
app        the caller's (`/apps/{app}/v1/logs`), else `service.name`, which Heroku sets to
           the app name on every signal (semantic conventions' Heroku mapping:
           `HEROKU_APP_NAME` → `service.name`). Not an app name → the record is rejected.
dyno       `service.instance.id` (the conventions' `HEROKU_DYNO_ID` → `service.instance.id`),
           else `host.name`, else `otlp`; whitespace and brackets become `_`.
source     `heroku` for the dyno `router`, as Logplex writes `heroku[router]`; else `app`.
           (The copy of Heroku's reference this was written from stops before its attribute
           tables, so no Fir-specific marker of platform lines is relied on; revisit with a
           captured Fir payload.)
timestamp  `timeUnixNano`, else `observedTimeUnixNano`, else the time received; ISO 8601 in
           UTC with microseconds, as Logplex writes it.
message    the body: a string as is (one trailing newline dropped); other kinds as JSON.
========== ===========================================================================

Severity goes into the message so the explorer's level detection (`levels.py`) sees it: when
the text does not already show the same level, `level=<word> ` is put in front (`trace`,
`debug`, `info`, `warn`, `error`, `fatal` from the severity number's range, else the severity
text if it is a level word). Why a logfmt prefix: `level=` is the strongest evidence
`levels.py` knows, it is found within its 200-character window whatever the message length,
and `level:error` searches work on it. JSON bodies get a `"level"` key inserted instead, so they
stay JSON. `trace_id` (to follow a request across lines) and `exception.type` /
`exception.message` (what `logger.exception` records beside its message) are appended the same
way; other attributes are dropped, as a line has no place for them (a stack trace is many
lines, so `exception.stacktrace` is dropped too).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tuilogs.core.apps import is_app_name
from tuilogs.core.fields import json_object
from tuilogs.core.levels import detect_level, level_of_word
from tuilogs.core.otlp_wire import MAX_BODY, OtlpError, encode_response, parse_request
from tuilogs.core.record import LogRecord

__all__ = ["OtlpBatch", "OtlpError", "decode_logs"]

_SEVERITY_WORDS = ("trace", "debug", "info", "warn", "error", "fatal")
_KEPT_ATTRIBUTES = ("exception.type", "exception.message")
_DYNO_UNSAFE = re.compile(r"[\s\[\]]+")
_LOGFMT_BARE = re.compile(r'[^\s"=\\]+')
_MAX_REASONS = 3


@dataclass
class OtlpBatch:
    """Lines by app in the order received, and what OTLP's answer reports."""

    lines: dict[str, list[LogRecord]] = field(default_factory=dict)
    accepted: int = 0
    rejected: int = 0
    error_message: str = ""
    media_type: str = ""

    def response_body(self) -> bytes:
        """The `ExportLogsServiceResponse` to send back, in the request's own encoding."""
        return encode_response(self.rejected, self.error_message, self.media_type)


def decode_logs(
    body: bytes,
    content_type: str,
    content_encoding: str = "",
    app: str | None = None,
    received_ns: int | None = None,
    limit: int = MAX_BODY,
) -> OtlpBatch:
    """Decode an OTLP/HTTP logs request body. Raises only `OtlpError` (its `status` says which
    HTTP answer); records that cannot become lines are counted as rejected, with the reasons."""
    if app is not None and not is_app_name(app):
        raise OtlpError(404, f"{app[:100]!r} is not an app name")
    request, kind = parse_request(body, content_type, content_encoding, limit)
    received = time.time_ns() if received_ns is None else received_ns
    batch = OtlpBatch(media_type=kind)
    reasons: Counter[str] = Counter()
    for resource_logs in request.resource_logs:
        resource = _attributes(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                own = _attributes(record.attributes)
                name = app or _first(("service.name",), own, resource)
                if not is_app_name(name):
                    reasons[_app_reason(name)] += 1
                    continue
                line = _line(record, own, resource, received)
                batch.lines.setdefault(name, []).append(line)
                batch.accepted += 1
    batch.rejected = sum(reasons.values())
    batch.error_message = "; ".join(
        f"{n} rejected: {why}" for why, n in reasons.most_common(_MAX_REASONS)
    )
    return batch


def _app_reason(name: str) -> str:
    if not name:
        return "no service.name: set it (OTEL_SERVICE_NAME) or post to /apps/APP/v1/logs"
    return (
        f"service.name {name[:100]!r} is not an app name (lowercase letters, digits and dashes);"
        " post to /apps/APP/v1/logs to choose the app"
    )


def _line(record: Any, own: dict, resource: dict, received_ns: int) -> LogRecord:
    dyno = _first(("service.instance.id", "host.name"), own, resource)
    dyno = _DYNO_UNSAFE.sub("_", dyno)[:100] or "otlp"
    source = "heroku" if dyno == "router" else "app"
    when = _iso(record.time_unix_nano) or _iso(record.observed_time_unix_nano) or _iso(received_ns)
    return LogRecord(when, source, dyno, _message(record, own))


def _message(record: Any, own: dict) -> str:
    """The body with the severity, trace id and exception fields the text does not show."""
    kind = record.body.WhichOneof("value")
    if kind == "kvlist_value":
        body: Any = _plain(record.body)
    elif kind is None:
        body = record.event_name
    else:
        body = _text(record.body)
        if body.endswith("\n"):
            body = body[:-1].removesuffix("\r")
    word = _severity_word(record.severity_number, record.severity_text)
    trace_id = record.trace_id.hex() if any(record.trace_id) else ""
    extra = [(key, _text(own[key])) for key in _KEPT_ATTRIBUTES if key in own]
    if trace_id:
        extra.insert(0, ("trace_id", trace_id))
    if isinstance(body, dict):
        return _json_with(body, word, extra)
    if json_object(body) is not None:
        return _json_text_with(body, word, extra)
    if word and detect_level(body) != level_of_word(word):
        body = f"level={word} {body}" if body else f"level={word}"
    tail = " ".join(_logfmt(key, value) for key, value in extra)
    return f"{body} {tail}" if body and tail else body or tail


def _severity_word(number: int, text: str) -> str:
    """OTLP's severity as a level word `levels.py` knows ('' when there is none)."""
    if 1 <= number <= 24:
        return _SEVERITY_WORDS[(number - 1) // 4]
    word = text.strip().lower()
    return word if word.isalnum() and level_of_word(word) else ""


def _json_with(obj: dict, word: str, extra: list[tuple[str, str]]) -> str:
    added = {} if not word or "level" in obj else {"level": word}
    added.update((k, v) for k, v in extra if k not in obj)
    return json.dumps({**added, **obj}, ensure_ascii=False, default=str)


def _json_text_with(text: str, word: str, extra: list[tuple[str, str]]) -> str:
    """Keys put in front of a JSON object written by the app, leaving its own text as it was."""
    obj = json_object(text) or {}
    added = [] if not word or "level" in obj else [("level", word)]
    added += [(k, v) for k, v in extra if k not in obj]
    if not added:
        return text
    start = text.index("{") + 1
    pairs = ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in added)
    sep = "" if text[start:].lstrip().startswith("}") else ", "
    return f"{text[:start]}{pairs}{sep}{text[start:]}"


def _logfmt(key: str, value: str) -> str:
    if _LOGFMT_BARE.fullmatch(value):
        return f"{key}={value}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{key}="{escaped}"'


def _first(keys: tuple[str, ...], *scopes: dict[str, Any]) -> str:
    """The first non-empty text of `keys` in order, each looked up in `scopes` in order."""
    for key in keys:
        for scope in scopes:
            text = _text(scope.get(key))
            if text:
                return text
    return ""


def _attributes(pairs: Any) -> dict[str, Any]:
    return {kv.key: kv.value for kv in pairs}


def _text(value: Any) -> str:
    """An AnyValue as text: strings as they are, anything else as JSON."""
    if value is None:
        return ""
    if value.WhichOneof("value") == "string_value":
        return value.string_value
    plain = _plain(value)
    return "" if plain is None else json.dumps(plain, ensure_ascii=False, default=str)


def _plain(value: Any) -> Any:
    """An AnyValue as plain Python data; bytes as base64, as OTLP JSON writes them."""
    kind = value.WhichOneof("value")
    if kind == "kvlist_value":
        return {kv.key: _plain(kv.value) for kv in value.kvlist_value.values}
    if kind == "array_value":
        return [_plain(v) for v in value.array_value.values]
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    if kind is None:
        return None
    return getattr(value, kind)


def _iso(nanos: int) -> str:
    """Nanoseconds since the epoch as Logplex's `2026-11-23T19:04:05.123456+00:00`; '' for 0.

    An unsigned 64-bit count reaches only 2554, well inside what a datetime holds."""
    if nanos <= 0:
        return ""
    seconds, rest = divmod(nanos, 1_000_000_000)
    when = datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=rest // 1000)
    return when.isoformat(timespec="microseconds")
