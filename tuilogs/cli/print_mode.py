"""Print mode: `heroku logs` behaviour for scripts and pipes (`-n`, `-s`, `-d`, `-t`).

It reuses the explorer's machinery (buffer, origin filter, bulk search) without a terminal UI.
Lines go out as received; on a terminal they are colourised and control characters escaped.
With `--redact` they go out redacted (docs/redaction.md): `tuilogs app.log --redact --print >
clean.log` cleans a file before it is shared.
"""

from __future__ import annotations

import os
import sys
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.colorize import ProcessColors, highlight
from tuilogs.core.filters import INCLUDE, OriginFilter, select_from, select_lines
from tuilogs.core.ingest.compressed import file_producer
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.producers import PipeReader, Producer
from tuilogs.core.query import Query
from tuilogs.core.record import decode, parse_line
from tuilogs.core.redact import Redactor
from tuilogs.core.safety import escape_controls
from tuilogs.core.source_names import unknown_sources_note
from tuilogs.core.status import State
from tuilogs.core.timeline import Timeline
from tuilogs.core.timerange import TimeRange

# ANSI colours for print mode, by colour-rule name (the explorer takes its colours from CSS).
SGR = {
    "status.2xx": "32",
    "status.3xx": "36",
    "status.4xx": "33",
    "status.5xx": "1;31",
    "status.other": "31",
    "latency.fast": "32",
    "latency.ok": "32",
    "latency.slow": "33",
    "latency.slower": "31",
    "latency.slowest": "1;7;31",
    "method": "1;35",
    "path": "36",
    "at.error": "1;31",
    "code": "1;7;31",
    "error.code": "1;31",
    "logfmt.key": "2",
    "state.from": "2",
    "state.to": "1;36",
    "state.good": "1;32",
    "state.bad": "1;31",
    "exit.ok": "32",
    "exit.fail": "1;31",
    "command": "36",
    "release": "1;34",
    "traceback": "31",
    "level.debug": "2",
    "level.info": "32",
    "level.notice": "36",
    "level.warning": "1;33",
    "level.error": "1;31",
    "level.critical": "1;7;31",
    "json.key": "34",
    "json.string": "32",
    "json.number": "33",
    "json.literal": "35",
    "json.punct": "2",
}
PROCESS_SGR = ["96", "95", "92", "94", "1;94", "33", "36", "35", "32", "93", "34", "31"]


class Printer:
    """Writes selected lines of a buffer to a binary stream."""

    def __init__(
        self, out: BinaryIO, color: bool, escape: bool, redaction: Redactor | None = None
    ) -> None:
        self.out = out
        self.color = color
        self.escape = escape
        self.redaction = redaction
        self.colors = ProcessColors()

    def write(self, buffer: LogBuffer, lines: array) -> None:
        if not len(lines):
            return
        if not self.color and not self.escape:
            parts = []
            for lo, hi in _runs(lines):
                parts.extend(buffer.raw_lines(lo, hi))
            data = b"\n".join(parts) + b"\n"
            if self.redaction is not None:
                data = self.redaction.redact_bytes(data)
            self.out.write(data)
        else:
            texts = [decode(buffer.raw(i)) for i in lines]
            if self.redaction is not None:
                texts = self.redaction.redact_lines(texts).lines
            self.out.write("".join(map(self._fancy, texts)).encode("utf-8", "replace"))
        self.out.flush()

    def _fancy(self, text: str) -> str:
        rec = parse_line(text)
        if not self.color:
            return escape_controls(rec.line()) + "\n"
        if rec.is_raw:
            return escape_controls(rec.message) + "\n"
        slot = PROCESS_SGR[self.colors.index(rec.process_type) % len(PROCESS_SGR)]
        head = f"\x1b[2m{escape_controls(rec.timestamp)}\x1b[0m \x1b[{slot}m{escape_controls(rec.source)}[{escape_controls(rec.dyno)}]:\x1b[0m "
        msg = rec.message
        if not msg.isprintable():
            return head + escape_controls(msg) + "\n"
        out, pos = [], 0
        for start, end, rule in highlight(rec.source, rec.dyno, msg):
            code = SGR.get(rule)
            if code is None:
                continue
            out.append(msg[pos:start])
            out.append(f"\x1b[{code}m{msg[start:end]}\x1b[0m")
            pos = end
        out.append(msg[pos:])
        return head + "".join(out) + "\n"


def _runs(lines: array):
    """Consecutive runs [lo, hi) of sorted line indexes, so reads are few and large."""
    start = prev = lines[0]
    for i in lines[1:]:
        if i != prev + 1:
            yield start, prev + 1
            start = i
        prev = i
    yield start, prev + 1


def build_filter(sources: Sequence[str], dynos: Sequence[str]) -> OriginFilter:
    f = OriginFilter()
    for s in sources:
        f.set("source", s, INCLUDE)
    for d in dynos:
        f.set("dyno", d, INCLUDE)
    return f


def select(
    buffer: LogBuffer, origin_filter: OriginFilter, query: Query | None, lo: int, hi: int
) -> array:
    if query is not None:
        found = query.scan(buffer, lo, hi) or array("I")
        if origin_filter.active:
            found = select_from(found, buffer.keys, origin_filter.mask(buffer.origins.origins))
        return found
    if origin_filter.active:
        return select_lines(buffer.keys, origin_filter.mask(buffer.origins.origins), lo, hi)
    return array("I", range(lo, hi))


def select_in(
    timeline: Timeline,
    time_range: TimeRange | None,
    origin_filter: OriginFilter,
    query: Query | None,
    lo: int,
    hi: int,
) -> array:
    """`select`, then only the lines in `time_range` (None: every line)."""
    lines = select(timeline.buffer, origin_filter, query, lo, hi)
    return lines if time_range is None else timeline.select(time_range, lines)


@dataclass(frozen=True, slots=True)
class PrintOptions:
    """What the command line asks of print mode (`-n`, `-s`, `-d`, `-t`, `-q`, `--redact`,
    `--since`/`--until`), in one value that every printed source takes, so a file, an app and
    a merged view print alike. `color` and `out` default to stdout, coloured on a terminal."""

    num: int = 100
    sources: Sequence[str] = ()
    dynos: Sequence[str] = ()
    tail: bool = False
    query: Query | None = None
    redaction: Redactor | None = None
    time_range: TimeRange | None = None
    color: bool | None = None
    out: BinaryIO | None = None


def run_print(target: str, options: PrintOptions) -> int:
    """Print the last matching lines of a file or stdin (`-`), then follow with `options.tail`."""
    tail = options.tail
    buffer, feed = LogBuffer(), Feed()
    producer: Producer
    if target == "-":
        producer = PipeReader(sys.stdin.fileno(), feed, buffer.origins).start()
    else:  # a compressed file is read once (tail or not), a plain one followed with `tail`
        producer = file_producer(Path(target), feed, buffer.origins, follow=tail, poll=0.1)

    def loaded() -> bool:
        state = feed.status.state
        if target == "-" and tail and state is State.READING and len(buffer):
            return True
        done = state in (State.LOADED, State.FOLLOWING) and not feed.head_pending
        return done or state is State.ENDED

    return print_from(feed, buffer, [producer], loaded, options)


def print_from(
    feed: Feed,
    buffer: LogBuffer,
    producers: list[Producer],
    loaded: Callable[[], bool],
    options: PrintOptions,
) -> int:
    """Wait until `loaded()`, print the last `options.num` matching lines, then follow with
    `options.tail`; redacted with `options.redaction` when given.

    Any producer works (a file, a pipe, a live app, a merge); a producer that fails ends the
    command with its message on stderr and exit status 1. `options.time_range` keeps the lines
    in it (a filter, whatever their order).
    """
    feed.painted.set()  # no screen to paint: background work need not wait for one
    printing = _Printing(feed, buffer, options)
    try:
        if not printing.wait(loaded):
            return _failed(feed)
        printing.print_loaded()
        return printing.follow() if options.tail else 0
    finally:
        for producer in producers:
            producer.stop()


class _Printing:
    """One print run's phases over a buffer its producers fill: wait until what is there is
    loaded, print its last matching lines, then (with `tail`) print matching lines as they
    come, until the source ends or fails."""

    def __init__(self, feed: Feed, buffer: LogBuffer, options: PrintOptions) -> None:
        out = options.out or sys.stdout.buffer
        is_tty = os.isatty(out.fileno()) if hasattr(out, "fileno") else False
        color = options.color
        if color is None:
            color = is_tty and "NO_COLOR" not in os.environ
        self.printer = Printer(out, color=color, escape=is_tty, redaction=options.redaction)
        self.origin_filter = build_filter(options.sources, options.dynos)
        self.feed, self.buffer, self.options = feed, buffer, options
        self.timeline = Timeline(buffer)
        self.told = 0  # the buffer's notes said on stderr so far

    def wait(self, loaded: Callable[[], bool]) -> bool:
        """Drain the feed until `loaded()` and nothing waits in it; False if the source failed."""
        feed = self.feed
        while True:
            feed.drain(self.buffer)
            if feed.status.failed:
                return False
            if loaded() and feed.empty():
                break
            time.sleep(0.01)
        feed.drain(self.buffer)
        return True

    def print_loaded(self) -> None:
        """The last `num` matching lines of what is loaded (all of them with `num` 0)."""
        buffer, num = self.buffer, self.options.num
        note = unknown_sources_note(self.options.sources, buffer.origins.origins)
        if note is not None:
            print(f"tuilogs: {escape_controls(note)}", file=sys.stderr)
        self.told = _tell_notes(buffer, 0)
        chosen = self._select(0, len(buffer))
        self.printer.write(buffer, chosen[-num:] if num > 0 else chosen)

    def follow(self) -> int:
        """Print matching lines as they come; the exit status once the source ends or fails."""
        feed, buffer = self.feed, self.buffer
        done, epoch = len(buffer), buffer.epoch
        while not feed.status.failed:
            feed.drain(buffer)
            self.told = _tell_notes(buffer, self.told)
            if buffer.epoch != epoch:  # truncated: print the new content from its start
                done, epoch = 0, buffer.epoch
            if len(buffer) > done:
                self.printer.write(buffer, self._select(done, len(buffer)))
                done = len(buffer)
            elif feed.status.state is State.ENDED and feed.empty():
                return 0
            time.sleep(0.05)
        return _failed(feed)

    def _select(self, lo: int, hi: int) -> array:
        o = self.options
        return select_in(self.timeline, o.time_range, self.origin_filter, o.query, lo, hi)


@dataclass(frozen=True, slots=True)
class AppFetch:
    """How print mode gets an app's last `-n` lines: a first screen (one `log-lines` call on the
    router, one session on Heroku), then on the router older pages of stored history behind
    it (`history`, up to `max_history` lines; None: all). `note` says what was capped."""

    first: int
    history: bool = False
    max_history: int | None = None
    note: str = ""


def app_fetch(kind: str, num: int) -> AppFetch:
    """The fetch for `-n num` (0: all) from a backend of `kind` ("heroku" or "local")."""
    from tuilogs.platform.client import HEROKU_MAX_LINES
    from tuilogs.platform.history import PAGE_MAX

    if kind == "heroku":
        if num <= 0 or num > HEROKU_MAX_LINES:
            asked = "all lines" if num <= 0 else f"{num:,} lines"
            note = (
                f"Heroku keeps the last {HEROKU_MAX_LINES:,} lines: {asked} asked, printing those"
            )
            return AppFetch(HEROKU_MAX_LINES, note=note)
        return AppFetch(num)
    if 0 < num <= PAGE_MAX:
        return AppFetch(num)
    # More than one page: the newest page first, then the stored history pages in behind it.
    return AppFetch(PAGE_MAX, True, None if num <= 0 else num - PAGE_MAX)


def _tell_notes(buffer: LogBuffer, told: int) -> int:
    """Notes of the producers (a damaged archive, a skipped file) on stderr, each once."""
    for note in buffer.notes[told:]:
        print(f"tuilogs: {escape_controls(note)}", file=sys.stderr)
    return len(buffer.notes)


def _failed(feed: Feed) -> int:
    print(f"tuilogs: {feed.status.detail or feed.status.describe()}", file=sys.stderr)
    return 1
