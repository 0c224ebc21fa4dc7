"""Syslog frames as Logplex and syslog clients send them: parse, format, stream-reassemble.

Core module: stdlib only. Three kinds of input reach it:

* Logplex HTTPS drain bodies: RFC 6587 octet-counted RFC 5424 frames
  ``LEN <PRI>1 TS host SOURCE DYNO - MSG`` with NO structured-data field; the count usually
  includes a trailing LF, but frames Logplex injects itself (L10) have none.
* Syslog streams (Logplex syslog drains, util-linux ``logger``, rsyslog): octet-counted or
  newline-delimited, RFC 5424 with a structured-data field, or RFC 3164-ish lines (BSD or
  RFC 3339 timestamp, as rsyslog's traditional and ``RSYSLOG_ForwardFormat`` templates).
* Anything else: kept as a raw line (``parse_line`` of the text), never dropped.

How a frame maps to a ``LogRecord`` (``Frame.record``), decided from the header fields, first
row that applies; Logplex's own tail format is ``TIME SOURCE[PROCID]: MESSAGE``:

========= ================================================ =================================
layout    recognised by                                    source / dyno
========= ================================================ =================================
logplex   app-name is ``app``/``heroku``, hostname is not  app-name / procid
          a drain token; no SD field (a ``- `` SD is only
          skipped when the hostname is not ``host``)
drain     hostname is a drain token (``d.<uuid>``), app-   app-name / procid
          name ``app``/``heroku``; SD field (``-``) skipped
older     procid is a drain token, or hostname is          hostname if app/heroku (else
          ``app``/``heroku`` and app-name is not           ``heroku`` for ``router``, else
                                                           ``app``) / app-name
named     procid is a name (a letter, then letters,        app-name / procid, as Logplex
          digits, ``_.-``), e.g. ``erlang console``        shows it: ``erlang[console]``
generic   anything else: a numeric or nil procid           ``app`` / app-name, plus
          (``logger -t web.7``, rsyslog, RFC 3164)         ``.PROCID`` when procid is numeric
========= ================================================ =================================

Generic senders: a numeric procid (a PID) becomes ``prog.PID`` so Heroku's dyno filter ``prog``
matches every process of that program; procids that are neither numbers nor names are dropped.
Registered metadata SD elements (``timeQuality``, ``origin``, ``meta``) are dropped; other SD
elements are kept in ``Frame.structured_data`` and put in front of the message (alone when
there is no message), since they are the sender's data. RFC 3164 timestamps carry no year or
zone; they are read as the router's local time in the current year.

Bodies: stray LFs, CRs and blank lines between frames are separators, not errors (senders that
count without the LF they then send). Anything else that is not a frame is kept as lines and
reported precisely: no octet count, a count larger than what follows, a frame that does not
start with ``<PRI>``, bytes after a frame that start no frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tuilogs.core.record import LogRecord, parse_line

__all__ = [
    "Frame",
    "MAX_FRAME",
    "OctetStreamParser",
    "ParseResult",
    "format_frame",
    "format_frames",
    "is_drain_token",
    "parse_logplex_body",
    "parse_message",
]

MAX_FRAME = 64 * 1024
"""Largest octet count accepted from a stream; Logplex frames are at most ~10 KB."""

_MAX_ERRORS = 50
_SOURCES = frozenset(("app", "heroku"))

# `<PRI>VERSION TS HOST APP PROCID MSGID` then SP (or end). One match per frame.
_RFC5424 = re.compile(r"<(\d{1,3})>(\d{1,3}) (\S+) (\S+) (\S+) (\S+) (\S+)(?: |$)")
# `<PRI>Mmm dd hh:mm:ss [host] tag[pid]: msg` (the host is optional for local senders).
_RFC3164 = re.compile(
    r"<(\d{1,3})>([A-Z][a-z]{2}) ([ \d]\d) (\d\d:\d\d:\d\d) "
    r"(?:([^\s:\[\]]+) )?([^\s:\[\]]+)(?:\[([^\]\s]*)\])?: ?"
)
# rsyslog's RSYSLOG_ForwardFormat: the same with an RFC 3339 timestamp.
_RFC3164_ISO = re.compile(
    r"<(\d{1,3})>(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*) "
    r"(?:([^\s:\[\]]+) )?([^\s:\[\]]+)(?:\[([^\]\s]*)\])?: ?"
)
_PRI_ONLY = re.compile(r"<(\d{1,3})>")
# Logplex drain tokens: `d.<uuid>` (drains) or `t.<uuid>` (tokens of the old API).
_TOKEN = re.compile(
    r"[dt]\.[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
# One SD element: `[id k="v" ...]`, values may hold `\]` and `\"` escapes.
_SD_ELEMENT = re.compile(r'\[([^\s\]=]+)((?: +[^\s=\]]+="(?:[^"\\]|\\.)*")*) *\]')
_IANA_SD = frozenset(("timeQuality", "origin", "meta"))
# A procid that names a process (`console`, `web.1`), and an app-name fit to be a source: both
# must read back from `SOURCE[DYNO]: ` text (`record.HEADER_RE`).
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
# Start of an octet-counted frame: `LEN <`. Used at frame boundaries and to resynchronise.
_FRAME_START = re.compile(rb"([1-9][0-9]{0,6}) <[0-9]{1,3}>")
# A count at the current position, even if what it counts does not look like syslog.
_COUNT = re.compile(rb"([1-9][0-9]{0,6}) ")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}


def is_drain_token(text: str) -> bool:
    """True for a Logplex drain token such as ``d.73ea7440-270a-435a-a0ea-adf50b4e5f5a``."""
    return _TOKEN.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Frame:
    """One syslog message as received. ``app_name == ""`` marks a line that is not syslog.

    Fields are the RFC 5424 header fields as text (``-`` is the nil value); for a raw line all
    header fields are empty and ``message`` is the whole line.
    """

    priority: int
    timestamp: str
    hostname: str
    app_name: str
    procid: str
    msgid: str
    message: str
    structured_data: str = ""

    def record(self) -> LogRecord:
        """The ``LogRecord`` this frame stands for (see the module docstring for the layouts)."""
        app, procid, host = self.app_name, self.procid, self.hostname
        if not app:
            return parse_line(self.message)
        ts = "" if self.timestamp == "-" else self.timestamp
        msg, sd = self.message, self.structured_data
        if sd:
            msg = f"{sd} {msg}" if msg else sd
        if app in _SOURCES and not (host in _SOURCES or _TOKEN.fullmatch(procid)):
            return LogRecord(ts, app, procid, msg)
        if _TOKEN.fullmatch(procid) or host in _SOURCES:
            source = host if host in _SOURCES else ("heroku" if app == "router" else "app")
            return LogRecord(ts, source, app, msg)
        if _NAME.fullmatch(procid) and _SOURCE_NAME.fullmatch(app):
            return LogRecord(ts, app, procid, msg)
        dyno = "syslog" if app == "-" else app
        if procid.isdigit():
            dyno = f"{dyno}.{procid}"
        return LogRecord(ts, "app", dyno, msg)


@dataclass
class ParseResult:
    """Frames of a body in order, and what was wrong with it (each error names a byte offset).

    ``warnings`` lists tolerated irregularities (counts off by one) that lost nothing.
    """

    frames: list[Frame]
    errors: list[str]
    warnings: list[str] = field(default_factory=list)


def _raw(text: str) -> Frame:
    return Frame(-1, "", "", "", "", "", text)


def _strip_eol(text: str) -> str:
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    return text


def parse_message(text: str) -> Frame:
    """Parse one syslog message (no octet count, trailing LF allowed); never raises."""
    m = _RFC5424.match(text)
    if m is not None:
        pri, _ver, ts, host, app, procid, msgid = m.groups()
        rest = text[m.end() :]
        sd = ""
        if app in _SOURCES and (host == "host" or not _TOKEN.fullmatch(host)):
            # Logplex HTTPS layout: no SD field; syslog senders using this shape add `- `.
            if host != "host" and (rest.startswith("- ") or rest == "-"):
                rest = rest[2:]
        elif _TOKEN.fullmatch(procid) or host in _SOURCES:
            pass  # older Logplex layout: no SD field either
        elif rest.startswith("-") and (len(rest) == 1 or rest[1] in " \n"):
            rest = rest[2:]
        elif rest.startswith("["):
            rest, sd = _split_sd(rest)
        if rest.endswith("\n"):  # inline _strip_eol: this is the hot path
            rest = rest[:-2] if rest.endswith("\r\n") else rest[:-1]
        if rest.startswith("\ufeff"):
            rest = rest[1:]
        return Frame(int(pri), ts, host, app, procid, msgid, rest, sd)
    if text.startswith("<"):
        m = _RFC3164.match(text)
        if m is not None:
            pri, mon, day, hms, host, tag, pid = m.groups()
            ts = _bsd_timestamp(mon, day, hms)
            return Frame(
                int(pri), ts, host or "-", tag, pid or "-", "-", _strip_eol(text[m.end() :])
            )
        m = _RFC3164_ISO.match(text)
        if m is not None:
            pri, ts, host, tag, pid = m.groups()
            return Frame(
                int(pri), ts, host or "-", tag, pid or "-", "-", _strip_eol(text[m.end() :])
            )
        m = _PRI_ONLY.match(text)
        if m is not None:
            # `<13>hello`: a priority and nothing else recognisable; keep the text.
            return Frame(int(m[1]), "", "", "", "", "", _strip_eol(text[m.end() :]))
    return _raw(_strip_eol(text))


def _split_sd(rest: str) -> tuple[str, str]:
    """Split `[sd][sd] msg` into (msg, kept SD text); metadata elements are dropped."""
    pos = 0
    kept: list[str] = []
    while True:
        m = _SD_ELEMENT.match(rest, pos)
        if m is None:
            break
        if m[1] not in _IANA_SD:
            kept.append(m[0])
        pos = m.end()
    if pos == 0:
        return rest, ""  # not SD after all: a message that starts with `[`
    if rest.startswith(" ", pos):
        pos += 1
    return rest[pos:], "".join(kept)


def _bsd_timestamp(mon: str, day: str, hms: str) -> str:
    month = _MONTHS.get(mon)
    if month is None:
        return "-"
    now = datetime.now().astimezone()
    try:
        h, mi, s = (int(x) for x in hms.split(":"))
        when = datetime(now.year, month, int(day), h, mi, s)
        if when - now.replace(tzinfo=None) > timedelta(days=2):
            when = when.replace(year=now.year - 1)  # December lines read in January
        return when.astimezone().isoformat()
    except ValueError:
        return "-"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


class _Errors:
    """Collects at most _MAX_ERRORS messages, then counts the rest."""

    __slots__ = ("items", "more")

    def __init__(self) -> None:
        self.items: list[str] = []
        self.more = 0

    def add(self, msg: str) -> None:
        if len(self.items) < _MAX_ERRORS:
            self.items.append(msg)
        else:
            self.more += 1

    def result(self) -> list[str]:
        if self.more:
            return [*self.items, f"... and {self.more} more errors"]
        return self.items


def _after_blanks(body: bytes, pos: int) -> int:
    """The first position from `pos` that is not a separator (LF, CR, space, tab)."""
    n = len(body)
    while pos < n and body[pos] in b"\r\n \t":
        pos += 1
    return pos


def _chain_ok(body: bytes, pos: int) -> bool:
    """True when a frame starting at `pos` (after separators), or the end of the body, is
    plausible there: the frame it starts is followed by another frame or by the end."""
    n = len(body)
    pos = _after_blanks(body, pos)
    if pos == n:
        return True
    m = _FRAME_START.match(body, pos)
    if m is None:
        return False
    nxt = m.end(1) + 1 + int(m[1])
    if n - 1 <= nxt <= n + 1:
        return True
    if nxt > n:
        return False
    if _FRAME_START.match(body, nxt) is not None or _FRAME_START.match(body, nxt + 1) is not None:
        return True
    after = _after_blanks(body, nxt)
    return after == n or _FRAME_START.match(body, after) is not None


def parse_logplex_body(body: bytes) -> ParseResult:
    """Parse an ``application/logplex-1`` body by octet count; never raises.

    Frames are read by count. At each boundary the next frame must start (``LEN <``) or the
    body must end; if it does not, a boundary one byte later or earlier is tried (counts that
    exclude the LF, or count one byte too many) and noted in ``warnings``. Bytes that are not
    octet-counted frames become frames parsed line by line (raw lines if not syslog), with an
    error naming their offset: well-formed frames of a partly bad body are always kept.
    """
    frames: list[Frame] = []
    errors = _Errors()
    warnings: list[str] = []
    try:
        _parse_body(body, frames, errors, warnings)
    except Exception as exc:  # pragma: no cover - defensive: a parser bug must not be a 500
        errors.add(f"internal parser error ({type(exc).__name__}: {exc})")
    return ParseResult(frames, errors.result(), warnings)


def _parse_body(body: bytes, frames: list[Frame], errors: _Errors, warnings: list[str]) -> None:
    n = len(body)
    pos = 0
    append = frames.append
    count_match = _COUNT.match
    start_match = _FRAME_START.match
    while pos < n:
        m = count_match(body, pos)
        if m is None:
            if body[pos] in b"\r\n \t":  # stray separators between frames are harmless
                pos += 1
                continue
            why = f"expected an octet count, got {body[pos : pos + 20]!r}"
            pos = _take_uncounted(body, pos, frames, errors, why)
            continue
        count = int(m[1])
        start = m.end()
        end = start + count
        if body[start : start + 1] != b"<":
            pos = _take_unframed(body, pos, start, end, frames, errors)
            continue
        if end == n + 1:
            warnings.append(f"offset {pos}: octet count {count} one too many at the end")
            end = n
        elif end > n:
            # Count too large: stop at the next frame start inside, if any, else at the end.
            nxt = _FRAME_START.search(body, start + 1)
            stop = nxt.start() if nxt is not None else n
            errors.add(
                f"offset {pos}: octet count {count} but only {n - start} bytes follow;"
                f" took {stop - start}"
            )
            append(parse_message(_decode(body[start:stop])))
            pos = stop
            continue
        if end == n:
            ok = True
        elif body[end - 1] == 10:  # the usual frame: ends in LF, next count follows
            ok = start_match(body, end) is not None or _chain_ok(body, end)
        else:  # no LF (injected L10, or a count without the LF sent after it): look ahead
            ok = _chain_ok(body, end)
        if not ok:
            if body[end - 1] != 10 and _chain_ok(body, end + 1):
                warnings.append(f"offset {pos}: octet count {count} one short")
                end += 1
            elif _chain_ok(body, end - 1):
                warnings.append(f"offset {pos}: octet count {count} one too many")
                end -= 1
            else:
                append(parse_message(_decode(body[start:end])))
                end = _after_blanks(body, end)
                nxt = _FRAME_START.search(body, end)
                stop = nxt.start() if nxt is not None else n
                errors.add(
                    f"offset {end}: {stop - end} bytes after a frame start no frame:"
                    f" {body[end : end + 20]!r}"
                )
                _take_lines(body, end, stop, frames)
                pos = stop
                continue
        append(parse_message(body[start:end].decode("utf-8", "replace")))
        pos = end


def _take_unframed(
    body: bytes, pos: int, start: int, end: int, frames: list[Frame], errors: _Errors
) -> int:
    """`LEN ` followed by something that is not `<PRI>`: one frame if the count fits and
    frames follow it, else lines; either way the error says which. Returns where to go on."""
    n = len(body)
    count = end - start
    if end <= n and _chain_ok(body, end):
        errors.add(f"offset {pos}: frame does not start with <PRI>: {body[start : start + 20]!r}")
        frames.append(parse_message(_decode(body[start:end])))
        return end
    if end > n:
        why = f"octet count {count} but only {n - start} bytes follow"
    else:
        why = f"frame does not start with <PRI>: {body[start : start + 20]!r}"
    return _take_uncounted(body, pos, frames, errors, why)


def _take_uncounted(body: bytes, pos: int, frames: list[Frame], errors: _Errors, why: str) -> int:
    """Lines from `pos` up to the next octet-counted frame start; returns where that is."""
    nxt = _FRAME_START.search(body, pos + 1)
    stop = nxt.start() if nxt is not None else len(body)
    errors.add(f"offset {pos}: {why}; read {stop - pos} bytes as lines")
    _take_lines(body, pos, stop, frames)
    return stop


def _take_lines(body: bytes, pos: int, stop: int, frames: list[Frame]) -> None:
    """Uncounted bytes as LF-delimited lines (as a syslog stream frames them): a CR, NEL or
    U+2028 inside a line is part of it, not a line of its own."""
    for line in _decode(body[pos:stop]).split("\n"):
        if line.strip():
            frames.append(parse_message(line[:-1] if line.endswith("\r") else line))


def format_frame(
    record: LogRecord,
    hostname: str = "host",
    priority: int = 190,
    *,
    sd: bool = False,
    lf: bool = True,
) -> bytes:
    """One octet-counted frame ``LEN <PRI>1 TS HOST SOURCE DYNO - MSG\\n`` (count incl. LF).

    ``sd=True`` adds the nil structured-data field (``- -``) that syslog drains carry;
    ``lf=False`` omits the LF as Logplex does for the messages it injects (L10). Raw records
    (no source) go out as source ``app``, dyno ``-``; a missing timestamp as ``-``. Logplex's
    priorities and headers for a whole POST: ``tuilogs.core.logplex_batch``.
    """
    ts = record.timestamp or "-"
    if " " in ts:
        ts = "-"
    source = record.source or "app"
    dyno = record.dyno.replace(" ", "_") or "-"
    head = (
        f"<{priority}>1 {ts} {hostname} {source} {dyno} - - "
        if sd
        else (f"<{priority}>1 {ts} {hostname} {source} {dyno} - ")
    )
    payload = (head + record.message + ("\n" if lf else "")).encode("utf-8", "replace")
    return b"%d %b" % (len(payload), payload)


def format_frames(
    records: Iterable[LogRecord], hostname: str = "host", *, sd: bool = False
) -> bytes:
    """A batch of frames, as one ``application/logplex-1`` body (or a syslog write)."""
    return b"".join([format_frame(r, hostname, sd=sd) for r in records])


class OctetStreamParser:
    """Incremental parser for a TCP syslog stream, octet-counted and/or newline-delimited.

    Each message decides its own framing: ``DIGITS SP <`` means octet counting (RFC 6587
    3.4.1), anything else runs to the next LF (non-transparent framing, ``logger --tcp``
    without ``--octet-count``, simple senders). Partial data waits for the next ``feed``.
    The buffer is bounded: a count above ``max_frame`` is skipped with an error, and a line
    longer than ``max_frame`` is cut there (the rest becomes the next line).
    """

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self.errors: list[str] = []
        self._buf = b""
        self._skip = 0  # bytes still to discard of an oversized counted frame
        self._offset = 0  # stream offset of _buf[0], for error messages

    def take_errors(self) -> list[str]:
        """Errors since the last call (oversized frames, cut lines, truncation at EOF)."""
        errors, self.errors = self.errors, []
        return errors

    def feed(self, data: bytes) -> list[Frame]:
        """Frames completed by `data`."""
        if self._skip:
            k = min(self._skip, len(data))
            self._skip -= k
            self._offset += k
            data = data[k:]
        buf = self._buf + data if self._buf else data
        frames: list[Frame] = []
        pos = 0
        n = len(buf)
        while pos < n:
            c = buf[pos]
            if c in (10, 13, 32, 0):  # separators between messages
                pos += 1
                continue
            if 49 <= c <= 57:
                sp = buf.find(b" ", pos, pos + 9)
                if sp == -1 and n - pos < 9 and buf[pos:n].isdigit():
                    break  # count not complete yet
                if sp != -1 and buf[pos:sp].isdigit():
                    if sp + 1 >= n:
                        break  # need the byte after the space to decide
                    if buf[sp + 1] == 60:  # `<`: octet counted
                        length = int(buf[pos:sp])
                        if length > self.max_frame:
                            self.errors.append(
                                f"offset {self._offset + pos}: frame of {length} bytes"
                                f" exceeds {self.max_frame}; skipped"
                            )
                            end = sp + 1 + length
                            if end > n:
                                self._skip = end - n
                                pos = n
                                break
                            pos = end
                            continue
                        end = sp + 1 + length
                        if end > n:
                            break
                        frames.append(parse_message(_decode(buf[sp + 1 : end])))
                        pos = end
                        continue
            nl = buf.find(b"\n", pos)
            if nl == -1:
                if n - pos > self.max_frame:
                    cut = pos + self.max_frame
                    self.errors.append(
                        f"offset {self._offset + pos}: line longer than {self.max_frame} bytes; cut"
                    )
                    frames.append(parse_message(_decode(buf[pos:cut])))
                    pos = cut
                    continue
                break
            frames.append(parse_message(_decode(buf[pos:nl])))
            pos = nl + 1
        self._buf = buf[pos:]
        self._offset += pos
        return frames

    def flush(self) -> list[Frame]:
        """At end of stream: whatever is left, as one message (a cut frame is noted)."""
        rest, self._buf = self._buf, b""
        if not rest.strip():
            return []
        m = _COUNT.match(rest)
        if m is not None and rest[m.end() : m.end() + 1] == b"<":
            self.errors.append(
                f"offset {self._offset}: stream ended inside a frame of {int(m[1])} bytes"
            )
            rest = rest[m.end() :]
        return [parse_message(_decode(rest))]
