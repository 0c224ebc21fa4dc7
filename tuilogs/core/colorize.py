"""Colour rules as data: which parts of a message deserve which style.

The rules mirror the heroku CLI's `heroku logs` colouring (packages/cli/src/lib/run/colorize.ts
in heroku/cli), so people see what they are used to, plus level, JSON and traceback rules for
app output. This module never touches a terminal: it returns spans `(start, end, style)` over
the MESSAGE text, non-overlapping and sorted by start, and the UI maps style names to colours.
Keeping styles as names lets themes change and tests assert without rendering.

Style names (the complete vocabulary, also in `STYLES`):

- `status.1xx` .. `status.5xx`, `status.other` — the `status=` value (and HTTP statuses in
  access-log lines); 1xx is plain in the CLI, other = outside 100..599 or not a number.
- `latency.fast` (<100 ms), `latency.ok` (<500), `latency.slow` (<5000), `latency.slower`
  (<10000), `latency.slowest` — `connect=` and `service=` values.
- `method`, `path` — request method and path (router, app logfmt, access logs, Rails).
- `at.error`, `at.info` — the whole `at=error` / `at=info` pair of a router line.
- `code` — the value of a router `code=H12`.
- `logfmt.key`, `logfmt.value` — any other `key=value` (key without `=`; value as written,
  quotes included).
- `state.from` — the old state in `State changed from X to Y`; the new state is `state.good`
  (up, complete), `state.bad` (crashed, down) or `state.to` (anything else, e.g. starting).
  `state.to` also marks whole `Restarting` / `Cycling` / `Idling` / `Unidling` lines.
- `exit.ok` / `exit.fail` — the status in `Process exited with status N` (0 vs non-zero); also
  whole `Build succeeded` / `Build failed` lines and `Stopping ... with SIGTERM|SIGKILL` lines
  (the CLI paints those red).
- `command` — the backticked command in `Starting process with command `...``.
- `release` — the commit in `Deploy 3f2a9c1 by ...`, the version in `Release v12 created by
  ...` and `Rollback to v11 ...` (dyno `api`).
- `error.code` — `Error R14 (Memory quota exceeded)`, code and title in parentheses.
- `level.debug`, `level.info`, `level.notice`, `level.warning`, `level.error`,
  `level.critical` — the word (or field value) that gives the level away.
- `json.key`, `json.string`, `json.number`, `json.literal`, `json.punct` — JSON messages.
- `traceback` — a traceback header or stack-frame line (Python, Ruby, Java, Node).

Which rules run: router lines (dyno `router`) get logfmt plus the router specials and no level
words; messages starting with `{` get JSON tokens (pygments' JsonLexer, only for those);
everything else gets the system rules (state/exit/command, `api` release rules), error codes,
tracebacks, access-log requests, logfmt pairs when the message reads as logfmt, and the level.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from tuilogs.core.levels import find_level
from tuilogs.core.logfmt import PAIR_RE, is_logfmt
from tuilogs.core.record import process_type as _process_type

__all__ = [
    "PALETTE_SIZE",
    "STYLES",
    "ProcessColors",
    "Span",
    "highlight",
    "latency_style",
    "status_style",
]

Span = tuple[int, int, str]

STYLES: frozenset[str] = frozenset(
    {
        "status.1xx", "status.2xx", "status.3xx", "status.4xx", "status.5xx", "status.other",
        "latency.fast", "latency.ok", "latency.slow", "latency.slower", "latency.slowest",
        "method", "path", "at.error", "at.info", "code", "logfmt.key", "logfmt.value",
        "state.from", "state.to", "state.good", "state.bad", "exit.ok", "exit.fail",
        "command", "release", "error.code",
        "level.debug", "level.info", "level.notice", "level.warning", "level.error",
        "level.critical",
        "json.key", "json.string", "json.number", "json.literal", "json.punct",
        "traceback",
    }
)  # fmt: skip

# JSON messages can be up to 10,000 bytes; lexing them in Python is the one costly rule, so
# only this much is tokenised (far more than a screen line shows).
JSON_LIMIT = 16_384


def status_style(status: int) -> str:
    """Style for an HTTP status, banded like the CLI (1xx stays plain there)."""
    if 100 <= status < 200:
        return "status.1xx"
    if 200 <= status < 300:
        return "status.2xx"
    if 300 <= status < 400:
        return "status.3xx"
    if 400 <= status < 500:
        return "status.4xx"
    if 500 <= status < 600:
        return "status.5xx"
    return "status.other"


def latency_style(ms: int) -> str:
    """Style for a router `connect=`/`service=` time in milliseconds, banded like the CLI."""
    if ms < 100:
        return "latency.fast"
    if ms < 500:
        return "latency.ok"
    if ms < 5000:
        return "latency.slow"
    if ms < 10000:
        return "latency.slower"
    return "latency.slowest"


# ---------------------------------------------------------------------------- process colours

PALETTE_SIZE = 12


class ProcessColors:
    """A stable palette slot per process type, so `web` keeps its colour all session.

    Like the CLI, `run`, `router`, `web`, `postgres` and `heroku-postgres` are assigned first
    (slots 0..4) so they look the same every time; other types take the next slot in the order
    first seen, cycling through `size` slots. Dyno names are accepted too (`web.1` -> `web`).
    """

    FIXED = ("run", "router", "web", "postgres", "heroku-postgres")

    def __init__(self, size: int = PALETTE_SIZE) -> None:
        self.size = max(1, size)
        self._slots: dict[str, int] = {}
        for name in self.FIXED:
            self.index(name)

    def index(self, process_type: str) -> int:
        key = _process_type(process_type)
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = len(self._slots) % self.size
        return slot


# ------------------------------------------------------------------------------------ rules

_DIGITS_RE = re.compile(r"\d+")
_CODE_SPAN_RE = re.compile(r"\bError [HRL]\d\d\b(?: \([^)\n]*\))?")

_STATE_RE = re.compile(r"State changed from (\w+) to (\w+)")
_EXIT_RE = re.compile(r"Process exited with status (\d+)")
_COMMAND_RE = re.compile(r"Starting process with command:? (`.*`)")
_STOP_RE = re.compile(r"Stopping (?:all|remaining) processes with SIG(?:TERM|KILL)")
_TRANSITION_RE = re.compile(r"(?:Restarting|Cycling|Idling|Unidling)\s*$")
_GOOD_STATES = frozenset({"up", "complete"})
_BAD_STATES = frozenset({"crashed", "down"})

_DEPLOY_RE = re.compile(r"(?:Deploy (\w+)|Release (v\d+)|Rollback to (v\d+))\b")
_BUILD_RE = re.compile(r"Build (?:(succeeded)|(failed))")

_TRACE_RE = re.compile(
    r"""
    [ \t]*(
        Traceback\ \(most\ recent\ call\ last\):?
      | File\ "[^"\n]*",\ line\ \d+.*
      | (?<=[ \t])at\ \S.*(?:\)|:\d+)
      | from\ \S+:\d+:in\ .*
      | \S+\.rb:\d+:in\ .*
      | \.\.\.\ \d+\ more
      | Caused\ by:\ .*
    )\s*$
    """,
    re.VERBOSE,
)
_ACCESS_RE = re.compile(r'"([A-Z]{3,7}) (\S+) HTTP/[\d.]+" (\d{3})\b')
_RAILS_RE = re.compile(r'\bStarted ([A-Z]{3,7}) ("[^"]*")|\bCompleted (\d{3})\b')

_VALUE_STYLES = frozenset({"logfmt.value", "json.string", "json.number"})


def highlight(source: str, dyno: str, message: str) -> list[Span]:
    """Spans `(start, end, style)` over `message`: sorted, non-overlapping, never raises.

    Rules are chosen by dyno as the CLI does (`router`, `api`, anything else); `source` is part
    of the signature so rules can tell `app[...]` from `heroku[...]` without an API change.
    """
    try:
        return _highlight(source, dyno, message)
    except Exception:  # colouring is decoration: a line that trips a rule still renders plain
        return []


def _highlight(source: str, dyno: str, message: str) -> list[Span]:
    if not message:
        return []
    spans: list[Span] = []
    if dyno == "router":
        _code_span(message, spans)
        _router(message, spans)
        return _settle(spans, len(message))

    if message.lstrip()[:1] == "{":
        _json(message, spans)
        _level(message, spans)
        return _settle(spans, len(message))

    if dyno == "api":
        _api(message, spans)
    _system(message, spans)
    _code_span(message, spans)
    _traceback(message, spans)
    _requests(message, spans)
    if is_logfmt(message):
        _logfmt(message, spans)
    _level(message, spans)
    return _settle(spans, len(message))


def _settle(spans: list[Span], length: int) -> list[Span]:
    """Clamp, drop empties, and keep a span only if it overlaps none kept before it.

    Rules append in priority order, so the first claim on a stretch of text wins; the result is
    sorted by start, which is what the UI's strip builder wants. Most lines arrive already in
    order without overlaps (router, logfmt), so that case is one linear pass.
    """
    prev_end = 0
    for start, end, _ in spans:
        if start < prev_end or start >= end or end > length:
            break
        prev_end = end
    else:
        return spans
    kept: list[Span] = []
    starts: list[int] = []
    for start, end, style in spans:
        start = max(start, 0)
        end = min(end, length)
        if start >= end:
            continue
        i = bisect_right(starts, start)
        if i and kept[i - 1][1] > start:
            continue
        if i < len(kept) and kept[i][0] < end:
            continue
        starts.insert(i, start)
        kept.insert(i, (start, end, style))
    return kept


def _code_span(message: str, spans: list[Span]) -> None:
    if "Error " in message:
        m = _CODE_SPAN_RE.search(message)
        if m:
            spans.append((m.start(), m.end(), "error.code"))


def _router(message: str, spans: list[Span]) -> None:
    # Hot path (every visible router line): scan with the logfmt regex directly instead of
    # building `Field` objects, which costs about half the time.
    add = spans.append
    for m in PAIR_RE.finditer(message):
        key = m["key"]
        start, key_end = m.span("key")
        vs, ve = m.span("value")
        value = m["quoted"]
        if value is None:
            value = m["value"]
        if key == "at":
            add((start, ve, "at.error" if value == "error" else "at.info"))
            continue
        add((start, key_end, "logfmt.key"))
        if key == "status":
            add((vs, ve, status_style(int(value)) if value.isdigit() else "status.other"))
        elif key == "connect" or key == "service":
            d = _DIGITS_RE.match(value)
            if d:
                add((vs, ve, latency_style(int(d[0]))))
        elif key == "method":
            add((vs, ve, "method"))
        elif key == "path":
            add((vs, ve, "path"))
        elif key == "code":
            add((vs, ve, "code"))
        else:
            add((vs, ve, "logfmt.value"))


def _logfmt(message: str, spans: list[Span]) -> None:
    """App and add-on logfmt; lograge-style `method=`/`path=`/`status=` get request styles."""
    add = spans.append
    for m in PAIR_RE.finditer(message):
        key = m["key"]
        add((*m.span("key"), "logfmt.key"))
        value = m["value"]
        if key == "status" and value.isdigit():
            style = status_style(int(value))
        elif key == "method":
            style = "method"
        elif key == "path":
            style = "path"
        else:
            style = "logfmt.value"
        add((*m.span("value"), style))


def _system(message: str, spans: list[Span]) -> None:
    """Dyno-manager lines (`heroku[web.1]`), matched by their fixed English wording."""
    head = message[:1]
    if head == "S":
        m = _STATE_RE.match(message)
        if m:
            target = m[2]
            if target in _GOOD_STATES:
                style = "state.good"
            elif target in _BAD_STATES:
                style = "state.bad"
            else:
                style = "state.to"
            spans.append((m.start(1), m.end(1), "state.from"))
            spans.append((m.start(2), m.end(2), style))
            return
        m = _COMMAND_RE.match(message) or _STOP_RE.match(message)
        if m and m.re is _COMMAND_RE:
            spans.append((m.start(1), m.end(1), "command"))
        elif m:
            spans.append((0, m.end(), "exit.fail"))
    elif head == "P":
        m = _EXIT_RE.match(message)
        if m:
            spans.append((m.start(1), m.end(1), "exit.ok" if m[1] == "0" else "exit.fail"))
    elif head in ("R", "C", "I", "U"):
        m = _TRANSITION_RE.match(message)
        if m:
            spans.append((0, m.end(), "state.to"))


def _api(message: str, spans: list[Span]) -> None:
    """Platform API lines (`app[api]`): deploys, releases, rollbacks, builds."""
    m = _DEPLOY_RE.match(message)
    if m:
        group = m.lastindex or 1
        spans.append((m.start(group), m.end(group), "release"))
        return
    m = _BUILD_RE.match(message)
    if m:
        spans.append((0, len(message.rstrip()), "exit.ok" if m[1] else "exit.fail"))


def _traceback(message: str, spans: list[Span]) -> None:
    m = _TRACE_RE.match(message)
    if m:
        spans.append((m.start(1), m.end(1), "traceback"))


def _requests(message: str, spans: list[Span]) -> None:
    """Access-log (`"GET /x HTTP/1.1" 200`) and Rails (`Started GET "/x"`) request parts."""
    if "HTTP/" in message:
        m = _ACCESS_RE.search(message)
        if m:
            spans.append((m.start(1), m.end(1), "method"))
            spans.append((m.start(2), m.end(2), "path"))
            spans.append((m.start(3), m.end(3), status_style(int(m[3]))))
    if "Started " in message or "Completed " in message:
        m = _RAILS_RE.search(message)
        if m and m[1]:
            spans.append((m.start(1), m.end(1), "method"))
            spans.append((m.start(2), m.end(2), "path"))
        elif m:
            spans.append((m.start(3), m.end(3), status_style(int(m[3]))))


def _level(message: str, spans: list[Span]) -> None:
    """Mark the level evidence: restyle a value that IS the level word, else add a span.

    A value only takes the level style when it is the level word itself (perhaps quoted), so
    `level=error` turns red but a long `msg="... ERROR ..."` keeps its value colour.
    """
    found = find_level(message)
    if found is None:
        return
    style = "level." + found.level
    for i, (start, end, old) in enumerate(spans):
        if start <= found.start and found.end <= end and old in _VALUE_STYLES:
            if end - start <= found.end - found.start + 2:
                spans[i] = (start, end, style)
            return
    spans.append((found.start, found.end, style))


# ------------------------------------------------------------------------------------- JSON

_json_lexer: Any = None
_json_styles: dict[Any, str | None] = {}


def _json_style(ttype: Any) -> str | None:
    style = _json_styles.get(ttype, "")
    if style != "":
        return style
    from pygments.token import Keyword, Name, Number, Punctuation, String

    if ttype in Name.Tag:
        style = "json.key"
    elif ttype in String:
        style = "json.string"
    elif ttype in Number:
        style = "json.number"
    elif ttype in Keyword.Constant:
        style = "json.literal"
    elif ttype in Punctuation:
        style = "json.punct"
    else:
        style = None
    _json_styles[ttype] = style
    return style


def _json(message: str, spans: list[Span]) -> None:
    """JSON token spans; pygments is imported on the first JSON message only."""
    global _json_lexer
    if _json_lexer is None:
        from pygments.lexers.data import JsonLexer

        _json_lexer = JsonLexer()
    add = spans.append
    for index, ttype, value in _json_lexer.get_tokens_unprocessed(message[:JSON_LIMIT]):
        style = _json_style(ttype)
        if style is not None:
            add((index, index + len(value), style))
