"""Syslog messages as Logplex and syslog clients send them: parse one, format one.

Framing (octet counting in drain bodies and TCP streams) is in `tuilogs.core.octet_counting`.

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
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tuilogs.core.record import LogRecord, log_timestamp, parse_line

__all__ = [
    "Frame",
    "format_frame",
    "format_frames",
    "is_drain_token",
    "parse_message",
]


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


def records_of(frames: list[Frame]) -> list[LogRecord]:
    """The frames' records, one without a time of its own (a nil timestamp, a raw line)
    stamped with the time of arrival, the best evidence left: stored without one, a line
    would read back as a raw line. The drain endpoint and the syslog listener both use it."""
    records = [f.record() for f in frames]
    if all(r.timestamp for r in records):
        return records
    now = log_timestamp()
    return [r if r.timestamp else LogRecord(now, r.source, r.dyno, r.message) for r in records]


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
