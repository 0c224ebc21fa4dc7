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
from datetime import datetime, timezone

# The header as Logplex writes it. Timestamps come with or without fractions and with `Z` or a
# numeric offset; sources are `app`/`heroku` (others tolerated); dynos include `web.1`,
# `router`, `api`, `run.1234`, `heroku-postgres` and Fir names like `web-123-456`.
# The parts are written once: the buffer counts origins over raw bytes with LINE_ORIGIN_RE,
# and a count must name the same `source[dyno]` as the record parsed from that line.
_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^ \n]*"
_SOURCE = r"[A-Za-z0-9_.\-]+"
_DYNO = r"[^\]\s]+"
# ASCII: `\d` and `\s` mean what they mean over bytes, so both patterns accept the same lines.
HEADER_RE = re.compile(
    rf"(?P<ts>{_TIMESTAMP}) (?P<source>{_SOURCE})\[(?P<dyno>{_DYNO})\]: ?", re.ASCII
)
# Over a block of LF-terminated lines, one match per line: group 1 is the `source[dyno]` of a
# header, or empty for a raw line.
LINE_ORIGIN_RE = re.compile(rf"(?:{_TIMESTAMP} ({_SOURCE}\[{_DYNO}\]):)?[^\n]*\n".encode())


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
    return LogRecord(m["ts"], m["source"], m["dyno"], line[m.end() :])


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
    """ISO 8601 as Logplex writes it (fractions of any length, `Z` or offset); None if not."""
    if not text:
        return None
    t = text
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    # fromisoformat on 3.10 accepts only 3 or 6 fraction digits.
    dot = t.find(".")
    if dot != -1:
        end = dot + 1
        while end < len(t) and t[end].isdigit():
            end += 1
        frac = t[dot + 1 : end][:6].ljust(6, "0")
        t = t[: dot + 1] + frac + t[end:]
    if len(t) >= 5 and t[-5] in "+-" and t[-3] != ":":
        t = t[:-2] + ":" + t[-2:]
    try:
        return datetime.fromisoformat(t)
    except ValueError:
        return None


def log_timestamp(when: datetime | None = None) -> str:
    """A log line's timestamp as Logplex writes it: microseconds and a numeric offset
    (`2026-11-23T19:00:00.000001+00:00`). Default: now, in UTC."""
    return (datetime.now(timezone.utc) if when is None else when).isoformat(timespec="microseconds")


def api_timestamp(when: datetime | None = None) -> str:
    """A Platform API timestamp (`created_at` and kin): whole seconds in UTC with `Z`
    (`2026-11-23T19:04:05Z`), as api.heroku.com writes them. Default: now."""
    when = datetime.now(timezone.utc) if when is None else when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
