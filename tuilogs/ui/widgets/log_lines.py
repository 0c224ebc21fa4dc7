"""How one log line looks in the pane: its strips, built once and kept while nothing changes.

The pane (log_view.py) decides which lines are on screen; this module turns a line of the
buffer into strips, coloured by the core's rules, search matches marked, untrusted text made
safe. In a merged view each line starts with a tag naming its log (file or app), in a colour
of its own. Strips are cached under a key that survives history prepends (which renumber every
line), so paging history in neither re-renders the screen nor fills the cache with stale rows.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from datetime import datetime

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.colorize import ProcessColors, highlight
from tuilogs.core.record import LogRecord
from tuilogs.core.safety import CONTROL_RUN_RE, escape_controls
from tuilogs.ui.widgets.styles import PROCESS_SLOTS, component

TIME_MODES = ("received", "local", "relative")
CACHED_LINES = 2000
TAG_WIDTH = 16  # at most, for a merged view's log names (longer ones end in …)
# Wrapped lines continue under their message (a hanging indent) while that leaves the message
# this many columns; narrower panes indent continuation rows by NARROW_INDENT only.
HANG_MIN = 32
NARROW_INDENT = 4


def _relative(then: datetime, now: float) -> str:
    secs = now - then.timestamp()
    ago = "ago" if secs >= 0 else "ahead"
    secs = abs(secs)
    if secs < 60:
        text = f"{secs:.0f}s"
    elif secs < 3600:
        text = f"{int(secs // 60)}m{int(secs % 60):02d}s"
    elif secs < 86400:
        text = f"{int(secs // 3600)}h{int(secs % 3600 // 60):02d}m"
    else:
        text = f"{int(secs // 86400)}d{int(secs % 86400 // 3600):02d}h"
    return f"{text} {ago}".rjust(10)


_TAG_LOOK = Style(reverse=True, bold=True)  # the log's colour as the background: a badge


def _fit(name: str, width: int) -> str:
    """A log's name in `width` cells: a file name is untrusted text too (escaped)."""
    name = escape_controls(name)
    return name.ljust(width) if len(name) <= width else name[: width - 1] + "…"


class LineRenderer:
    """Strips for the lines of one buffer, in the pane's current look.

    The pane sets `styles` (from its component classes), `wrap`, `time_mode` and `matcher`,
    and calls `invalidate` whenever one of them changes.
    """

    def __init__(self, buffer: LogBuffer) -> None:
        self.buffer = buffer
        self.styles: dict[str, Style] = {}
        self.wrap = False
        self.time_mode = TIME_MODES[0]
        self.matcher: re.Pattern[str] | None = None
        self.process_colors = ProcessColors()
        self.version = 0  # bumped by `invalidate`: a key of the pane's own row cache
        self._strips: OrderedDict[tuple, list[Strip]] = OrderedDict()
        self._tags: dict[str, tuple[str, int]] = {}  # stream name → (tag text, colour slot)

    def invalidate(self) -> None:
        """Forget every cached strip (theme, search, wrap or time mode changed)."""
        self.version += 1
        self._strips.clear()

    def style(self, rule: str) -> Style:
        return self.styles.get(component(rule), Style.null())

    def _time_text(self, rec: LogRecord) -> str:
        if self.time_mode == "received":
            return rec.timestamp
        when = rec.when()
        if when is None:
            return rec.timestamp
        if self.time_mode == "local":
            local = when.astimezone()
            return f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d}"
        return _relative(when, time.time())

    def _append_safe(self, text: Text, value: str, style: Style | None = None) -> bool:
        """Append untrusted text, control characters shown escaped; True if it was clean."""
        if value.isprintable():
            text.append(value, style)
            return True
        escape_style = self.style("escape")
        pos = 0
        for m in CONTROL_RUN_RE.finditer(value):
            if m.start() > pos:
                text.append(value[pos : m.start()], style)
            text.append(escape_controls(m.group()), escape_style)
            pos = m.end()
        text.append(value[pos:].replace("\t", "    "), style)
        return False

    def tag(self, line: int) -> Segment | None:
        """The tag naming line `line`'s log in a merged view (None when there is one log)."""
        streams = self.buffer.origins.streams
        if len(streams) < 3:  # "" (the view's own) and at most one log
            return None
        if len(self._tags) != len(streams):
            width = min(TAG_WIDTH, max(map(len, streams)))
            self._tags = {
                name: (_fit(name, width), (i - 1) % PROCESS_SLOTS) for i, name in enumerate(streams)
            }
        label, slot = self._tags[self.buffer.origin(line).stream]
        style = self.styles.get(f"log--process-{slot}") or Style.null()
        return Segment(f" {label} ", style + _TAG_LOOK)

    def line_text(self, line: int) -> Text:
        return self._line_parts(line)[0]

    def _line_parts(self, line: int) -> tuple[Text, int]:
        """The line's text, and where its message starts (0 for a raw line)."""
        rec = self.buffer.record(line)
        base = 0
        text = Text(no_wrap=not self.wrap, end="")
        tag = self.tag(line)
        if tag is not None:
            text.append(tag.text, tag.style)
            text.append(" ")
        if rec.is_raw:
            self._append_safe(text, rec.message, self.style("raw"))
        else:
            self._append_safe(text, self._time_text(rec), self.style("timestamp"))
            text.append(" ")
            slot = self.process_colors.index(rec.process_type) % PROCESS_SLOTS
            self._append_safe(
                text, f"{rec.source}[{rec.dyno}]:", self.styles.get(f"log--process-{slot}")
            )
            text.append(" ")
            base = len(text)
            if self._append_safe(text, rec.message):
                for start, end, rule in highlight(rec.source, rec.dyno, rec.message):
                    text.stylize(self.style(rule), base + start, base + end)
        if self.matcher is not None:
            match_style = self.style("match")
            for m in self.matcher.finditer(text.plain):
                if m.end() > m.start():
                    text.stylize(match_style, m.start(), m.end())
        return text, base

    def _fast_strip(self, line: int) -> Strip | None:
        """The common case built straight into segments (no rich Text): a clean, unwrapped
        line with no search marks. None when the general path is needed."""
        if self.wrap or self.matcher is not None:
            return None
        rec = self.buffer.record(line)
        if rec.is_raw or not (rec.message.isprintable() and rec.dyno.isprintable()):
            return None
        ts = self._time_text(rec)
        if not ts.isprintable():
            return None
        slot = self.process_colors.index(rec.process_type) % PROCESS_SLOTS
        msg = rec.message
        tag = self.tag(line)
        segments = [] if tag is None else [tag, Segment(" ")]
        segments += [
            Segment(ts, self.style("timestamp")),
            Segment(" "),
            Segment(f"{rec.source}[{rec.dyno}]:", self.styles.get(f"log--process-{slot}")),
            Segment(" "),
        ]
        pos = 0
        style = self.style
        for start, end, rule in highlight(rec.source, rec.dyno, msg):
            if start > pos:
                segments.append(Segment(msg[pos:start]))
            segments.append(Segment(msg[start:end], style(rule)))
            pos = end
        if pos < len(msg):
            segments.append(Segment(msg[pos:]))
        return Strip(segments)

    def strips(self, line: int, width: int, console: Console) -> list[Strip]:
        """Line `line` as strips: one, or several when wrapped to `width`."""
        buffer = self.buffer
        key = (line - buffer.prepended, buffer.resets, self.version, width if self.wrap else 0)
        strips = self._strips.get(key)
        if strips is not None:
            self._strips.move_to_end(key)
            return strips
        fast = self._fast_strip(line)
        if fast is not None:
            strips = [fast]
        elif self.wrap:
            strips = _hanging_rows(*self._line_parts(line), max(width, 10), console)
        else:
            text = self.line_text(line)
            strips = [Strip(text.render(console), text.cell_len)]
        self._strips[key] = strips
        if len(self._strips) > CACHED_LINES:
            self._strips.popitem(last=False)
        return strips


def _hanging_rows(text: Text, start: int, width: int, console: Console) -> list[Strip]:
    """`text` wrapped to `width`, rows after the first indented to start under the message
    (which begins at `start`), as `less` and `grep` cannot but a log reader should."""
    rows = text.wrap(console, width)
    hang = text[:start].cell_len if start else 0
    indent = hang if width - hang >= HANG_MIN else min(hang, NARROW_INDENT)
    cut = len(rows[0].plain) if rows else 0
    if len(rows) > 1 and indent and cut > start:
        rest = text[cut:].wrap(console, width - indent)
        pad = Segment(" " * indent)
        first = Strip(rows[0].render(console), rows[0].cell_len)
        return [first, *(Strip([pad, *ln.render(console)], indent + ln.cell_len) for ln in rest)]
    return [Strip(ln.render(console), ln.cell_len) for ln in rows] or [Strip.blank(0)]
