"""One log line of the Logplex world, and the parser for `TIMESTAMP SOURCE[DYNO]: MESSAGE`.

A line without that header is kept as a raw line (source and dyno empty): logs are evidence,
so nothing is ever dropped for not fitting the format.

One stored line is one line of text everywhere: a message may hold CR or LF (an octet-counted
frame carries any byte), and a reader that split there would show a second, sender-chosen line
(a forged `heroku[router]` error). `one_line` escapes every character some reader takes for a
line break; `LogRecord.line()` uses it, so streams, history, print mode and exports agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# The header as Logplex writes it. Timestamps come with or without fractions and with `Z` or a
# numeric offset; sources are `app`/`heroku` (others tolerated); dynos include `web.1`,
# `router`, `api`, `run.1234`, `heroku-postgres` and Fir names like `web-123-456`.
# The parts are written once: the buffer counts origins over raw bytes with LINE_ORIGIN_RE,
# and a count must name the same `source[dyno]` as the record parsed from that line.
_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^ \n]*"
_SOURCE = r"[A-Za-z0-9_.\-]+"
_DYNO = r"[^\]\s]+"
# Papertrail's exports of Heroku logs, so they filter like Heroku lines:
# text (its viewer, `papertrail` CLI): `Jul 16 22:52:42 HOST app/web.1: MESSAGE` (day padded
# with a space: `Jul  6`); archives (`.tsv.gz`): ID, generated_at, received_at, source_id,
# source_name, source_ip, facility, severity, program, message, tab-separated, with
# generated_at as `2011-02-10 00:19:36 -0800`. Their program is `source/dyno`; a syslog
# `name[pid]` reads as the Logplex tail's `source[dyno]`. Neither stamp names a year or a
# zone in text form: see `parse_timestamp`.
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SYSLOG_TIMESTAMP = rf"(?:{'|'.join(_MONTH_NAMES)}) [ \d]\d \d\d:\d\d:\d\d"
_ARCHIVE_TIMESTAMP = r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[^\t\n]*"
_ARCHIVE_FIELDS = r"(?:[^\t\n]*\t){6}"  # received_at … severity, before the program
_SLASH_DYNO = r"[^\s:]+"
# ASCII: `\d` and `\s` mean what they mean over bytes, so both patterns accept the same lines.
# One alternation for the three prefixes and one group for the origin keeps LINE_ORIGIN_RE a
# single-group pattern (a list of bytes from `findall`, as fast as the Heroku-only pattern);
# the price is leniency: `TS app/web.1:` also parses, which names what it looks like.
HEADER_RE = re.compile(
    rf"(?:(?P<ts>{_TIMESTAMP}) |(?P<pts>{_SYSLOG_TIMESTAMP}) \S+ "
    rf"|\d+\t(?P<tts>{_ARCHIVE_TIMESTAMP})\t{_ARCHIVE_FIELDS})"
    rf"(?P<source>{_SOURCE})(?:\[(?P<dyno>{_DYNO})\]|/(?P<pdyno>{_SLASH_DYNO}))(?:: ?|\t)",
    re.ASCII,
)
# Over a block of LF-terminated lines, one match per line: group 1 is the `source[dyno]` (or
# `source/dyno`) of a header, or empty for a raw line.
LINE_ORIGIN_RE = re.compile(
    rf"(?:(?:{_TIMESTAMP} |{_SYSLOG_TIMESTAMP} \S+ |\d+\t{_ARCHIVE_TIMESTAMP}\t{_ARCHIVE_FIELDS})"
    rf"({_SOURCE}(?:\[{_DYNO}\]|/{_SLASH_DYNO}))[:\t])?[^\n]*\n".encode()
)


@dataclass(frozen=True, slots=True)
class LogRecord:
    """A parsed line. `timestamp` is the text as received; `when()` parses it on demand."""

    timestamp: str
    source: str
    dyno: str
    message: str

    @property
    def is_raw(self) -> bool:
        return not self.source

    @property
    def process_type(self) -> str:
        """`web` for `web.1`, `run` for `run.1234`, `web` for Fir's `web-123-456`."""
        return process_type(self.dyno)

    def when(self) -> datetime | None:
        return parse_timestamp(self.timestamp)

    def header(self) -> str:
        return f"{self.timestamp} {self.source}[{self.dyno}]:" if self.source else ""

    def line(self) -> str:
        """The line in `heroku logs` format (raw lines as they came), always one line: line
        breaks anywhere in it are escaped (`one_line`)."""
        text = f"{self.header()} {self.message}" if self.source else self.message
        return text if text.isprintable() else one_line(text)


# What some reader splits a line at: LF, CR, VT, FF, FS, GS, RS and NEL (Python's
# `str.splitlines`), U+2028/U+2029 (JavaScript, editors). Escaped as `tuilogs.core.safety`
# shows controls, so the text reads the same on a terminal either way.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK_RE = re.compile(f"[{LINE_BREAKS}]")
_BREAK_ESCAPES = {
    c: f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in LINE_BREAKS
}


def one_line(text: str) -> str:
    """`text` with its line breaks as visible escapes (`\\x0a`, `\\u2028`); else unchanged."""
    if text.isprintable() or _BREAK_RE.search(text) is None:  # the usual case, at C speed
        return text
    return _BREAK_RE.sub(_escape_break, text)


def _escape_break(m: re.Match[str]) -> str:
    return _BREAK_ESCAPES[m[0]]


def parse_line(line: str) -> LogRecord:
    """Parse one line; never raises. A trailing newline is ignored."""
    line = line.rstrip("\r\n")
    m = HEADER_RE.match(line)
    if m is None:
        return LogRecord("", "", "", line)
    ts = m["ts"] or m["pts"] or m["tts"]
    return LogRecord(ts, m["source"], m["dyno"] or m["pdyno"], line[m.end() :])


def decode(raw: bytes) -> str:
    """Bytes to text; invalid UTF-8 becomes U+FFFD instead of an error."""
    return raw.decode("utf-8", "replace")


_FIR_RE = re.compile(r"^(?P<type>[A-Za-z0-9_]+?)(?:-\d+)+$")


def process_type(dyno: str) -> str:
    """The process type of a dyno name, as Heroku's `--dyno web` understands it."""
    head, dot, _ = dyno.partition(".")
    if dot:
        return head
    m = _FIR_RE.match(dyno)
    return m["type"] if m else dyno


def dyno_matches(dyno: str, wanted: str) -> bool:
    """Heroku's dyno filter: `web` matches `web.1` and `web.12`; `web.1` does not match `web.10`."""
    if dyno == wanted:
        return True
    if "." in wanted:
        return False
    return process_type(dyno) == wanted


def parse_timestamp(text: str) -> datetime | None:
    """A log line's timestamp; None if it is not one.

    ISO 8601 as Logplex writes it (fractions of any length, `Z` or offset), also with a space
    for the `T`, a comma for the dot or a space before the offset (Papertrail's archives:
    `2011-02-10 00:19:36 -0800`); and the syslog form (`Jul 16 22:52:42`, Papertrail's text),
    read, as `tuilogs.core.frames` reads it, in local time and in the current year (the last
    one for a date more than two days ahead: December's lines read in January). A stamp
    without an offset is naive: local time.
    """
    if not text:
        return None
    if text[:3] in _MONTHS:
        return _syslog_timestamp(text)
    try:
        return datetime.fromisoformat(iso_for_python(text))
    except ValueError:
        return None


def iso_for_python(text: str) -> str:
    """An ISO 8601 stamp in the one spelling every supported Python's `fromisoformat` reads.

    Python 3.10 takes only `T`, a dot and 3 or 6 fraction digits and `+HH:MM`; logs also write a
    space for the `T`, a comma, any number of digits, `Z`, `+HHMM` and ` -0800`.
    """
    t = text
    if len(t) > 10 and t[10] == " ":
        t = f"{t[:10]}T{t[11:]}"
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    elif len(t) > 20 and t[-6] == " " and t[-5] in "+-":
        t = t[:-6] + t[-5:]  # `00:19:36 -0800`
    dot = t.find(".", 19)
    if dot == -1:
        dot = t.find(",", 19)
    if dot != -1:
        end = dot + 1
        while end < len(t) and t[end].isdigit():
            end += 1
        frac = t[dot + 1 : end][:6].ljust(6, "0")
        t = t[:dot] + "." + frac + t[end:]
    if len(t) >= 5 and t[-5] in "+-" and t[-3] != ":":
        t = t[:-2] + ":" + t[-2:]
    return t


_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, 1)}


def _syslog_timestamp(text: str) -> datetime | None:
    try:
        day, hms = text[4:6], text[7:15]
        h, mi, s = (int(x) for x in hms.split(":"))
        now = datetime.now()
        when = datetime(now.year, _MONTHS[text[:3]], int(day), h, mi, s)
    except (ValueError, KeyError):
        return None
    if when - now > timedelta(days=2):
        when = when.replace(year=now.year - 1)
    return when.astimezone()


def log_timestamp(when: datetime | None = None) -> str:
    """A log line's timestamp as Logplex writes it: microseconds and a numeric offset
    (`2026-11-23T19:00:00.000001+00:00`). Default: now, in UTC."""
    return (datetime.now(timezone.utc) if when is None else when).isoformat(timespec="microseconds")


def api_timestamp(when: datetime | None = None) -> str:
    """A Platform API timestamp (`created_at` and kin): whole seconds in UTC with `Z`
    (`2026-11-23T19:04:05Z`), as api.heroku.com writes them. Default: now."""
    when = datetime.now(timezone.utc) if when is None else when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
