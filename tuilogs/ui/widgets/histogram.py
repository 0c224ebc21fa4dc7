"""The histogram strip above the log pane: lines per time bucket, trouble stacked in red, the
window on screen marked; moving along it (keys, a click) asks the screen to jump there.

Three rows: two of bars (sixteen heights with the eighth blocks `▁…█`) and an axis (the first
and last times, what is counted, or the bucket under the cursor while the strip has the
focus). A bucket takes one column, or a few when there are few buckets (shared as evenly as
whole columns allow), so the bars fill the width. It renders what it is given (`histogram`, `window`, `note`): the numbers are the
screen's business (ui/timeline.py).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.message import Message
from textual.reactive import var
from textual.strip import Strip
from textual.widget import Widget

from tuilogs.core.histogram import Histogram
from tuilogs.core.timerange import format_local, whole_unit
from tuilogs.ui.keys import keymap

BLOCKS = " ▁▂▃▄▅▆▇█"
ROWS = 2  # rows of bars: 2 × 8 heights


def _duration(seconds: int) -> str:
    count, unit = whole_unit(seconds)
    return f"{count}{unit}"


def time_label(seconds: int, step: int) -> str:
    """A bucket's start as the axis shows it: the clock, with the date when buckets are days."""
    text = format_local(seconds)  # 2026-11-01 12:34:56
    if step >= 86400:
        return text[:10]
    if step >= 3600:
        return text[5:16]
    return text[11:16] if step >= 60 else text[11:19]


@dataclass(frozen=True)
class Column:
    """What one bar shows: its bucket, height and trouble height (0..16)."""

    bucket: int
    height: int
    trouble: int


class HistogramStrip(Widget, can_focus=True):
    """Posts `Jump` when the reader moves along it (arrow keys, Home/End, a click)."""

    COMPONENT_CLASSES = {
        "histogram--bar",
        "histogram--trouble",
        "histogram--window",
        "histogram--cursor",
        "histogram--axis",
    }
    DEFAULT_CSS = """
    HistogramStrip { height: 3; display: none; background: $surface; }
    HistogramStrip.-shown { display: block; }
    HistogramStrip > .histogram--bar { color: $primary; background: $surface; }
    HistogramStrip > .histogram--trouble { color: $error; background: $surface; }
    HistogramStrip > .histogram--window { background: $primary 25%; }
    HistogramStrip > .histogram--cursor { background: $accent 60%; }
    HistogramStrip > .histogram--axis { color: $text-muted; background: $surface; }
    HistogramStrip:focus > .histogram--axis { color: $text; }
    """
    BINDINGS = keymap("histogram")

    histogram: var[Histogram | None] = var(None)
    window: var[tuple[int, int] | None] = var(None)  # epoch seconds of the lines on screen
    note: var[str] = var("")  # what the numbers cover, when not everything
    selected: var[int | None] = var(None)

    @dataclass
    class Jump(Message):
        """Show the first line at or after `seconds` (a bucket's start)."""

        seconds: int

    @dataclass
    class Left(Message):
        """Escape: the reader is done with the strip."""

    def watch_histogram(self) -> None:
        hist = self.histogram
        if hist is not None and self.selected is not None and self.selected >= hist.buckets:
            self.selected = hist.buckets - 1
        self.refresh()

    def watch_window(self) -> None:
        self.refresh()

    def watch_note(self) -> None:
        self.refresh()

    def watch_selected(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        if self.selected is None and self.histogram is not None:
            window = self.window
            self.selected = self.histogram.bucket_of(window[1]) if window else 0
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- geometry -----------------------------------------------------------------------

    def _edges(self) -> list[int]:
        """Where each bucket's bar starts, and the last one ends: the buckets share the width
        as evenly as whole columns allow, so few buckets still fill the strip."""
        hist, width = self.histogram, self.size.width
        n = hist.buckets if hist is not None else 0
        if n == 0 or width <= n:
            return list(range(n + 1))
        return [i * width // n for i in range(n + 1)]

    def bucket_at(self, x: int) -> int | None:
        hist = self.histogram
        if hist is None or not hist.buckets:
            return None
        edges = self._edges()
        if x >= edges[-1]:
            return None
        return bisect.bisect_right(edges, x) - 1

    def columns(self) -> list[Column]:
        """Bar heights in sixteenths of the tallest bucket (at least one for any line)."""
        hist = self.histogram
        if hist is None:
            return []
        top = max(hist.lines, default=0) or 1
        full = ROWS * 8

        def height(n: int) -> int:
            return 0 if n <= 0 else max(1, -(-n * full // top))

        return [
            Column(i, height(n), min(height(n), height(t)))
            for i, (n, t) in enumerate(zip(hist.lines, hist.errors, strict=True))
        ]

    # -- moving -------------------------------------------------------------------------

    def _go(self, bucket: int) -> None:
        hist = self.histogram
        if hist is None or not hist.buckets:
            return
        self.selected = max(0, min(hist.buckets - 1, bucket))
        self.post_message(self.Jump(hist.bucket_start(self.selected)))

    def action_move(self, delta: int) -> None:
        hist = self.histogram
        if hist is not None:
            current = self.selected if self.selected is not None else hist.buckets - 1
            self._go(current + delta)

    def action_edge(self, last: int) -> None:
        hist = self.histogram
        if hist is not None:
            self._go(hist.buckets - 1 if last else 0)

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def on_click(self, event) -> None:
        bucket = self.bucket_at(event.x)
        if bucket is not None:
            self.focus()
            self._go(bucket)

    # -- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self.get_component_rich_style
        if y >= ROWS:
            return Strip(
                [Segment(self._axis(width).ljust(width)[:width], style("histogram--axis"))]
            )
        bar, trouble = style("histogram--bar"), style("histogram--trouble")
        # The window and the cursor only tint the cells: the bars keep their own colours.
        window_bg = Style(bgcolor=style("histogram--window").bgcolor)
        cursor_bg = Style(bgcolor=style("histogram--cursor").bgcolor)
        edges = self._edges()
        lo_w, hi_w = self._window_buckets()
        segments = []
        floor = (ROWS - 1 - y) * 8  # sixteenths below this row
        for column in self.columns():
            fill = max(0, min(8, column.height - floor))
            red = max(0, min(8, column.trouble - floor))
            if fill and red >= fill:
                char, look = BLOCKS[fill], trouble
            elif red and fill == 8:  # trouble at the bottom of a full cell: red on the bar
                char, look = BLOCKS[red], trouble + Style(bgcolor=bar.color)
            else:
                char, look = BLOCKS[fill], (trouble if red * 2 >= fill and red else bar)
            if column.bucket == self.selected and self.has_focus:
                look = look + cursor_bg
            elif lo_w <= column.bucket <= hi_w:
                look = look + window_bg
            cells = edges[column.bucket + 1] - edges[column.bucket]
            segments.append(Segment(char * cells, look))
        used = edges[-1] if edges else 0
        if used < width:
            segments.append(Segment(" " * (width - used), bar))
        return Strip(segments, width)

    def _window_buckets(self) -> tuple[int, int]:
        hist, window = self.histogram, self.window
        if hist is None or window is None:
            return (1, 0)
        return hist.bucket_of(window[0]), hist.bucket_of(window[1])

    def _axis(self, width: int) -> str:
        hist = self.histogram
        if hist is None:
            return f" {self.note or 'no line has a time yet'}"
        first = time_label(hist.start, hist.step)
        last = time_label(hist.end - hist.step, hist.step)
        if self.has_focus and self.selected is not None:
            i = self.selected
            middle = (
                f"{time_label(hist.bucket_start(i), hist.step)} · {hist.lines[i]:,} {hist.what}"
                f" · {hist.errors[i]:,} errors · ←→ move, Esc back"
            )
        else:
            errors = f"{sum(hist.errors):,} errors" if hist.errors_known else "errors…"
            middle = f"{hist.total:,} {hist.what} · {errors} · {_duration(hist.step)} a bar"
            note = hist.note or self.note  # what the numbers cover, first: it matters most
            if note:
                middle = f"{note} · {middle}"
        room = width - len(first) - len(last) - 4
        if room < 8:
            return f" {first} {middle}"[:width]
        middle = middle if len(middle) <= room else middle[: room - 1] + "…"
        pad = room - len(middle)
        return f" {first} {' ' * (pad // 2)}{middle}{' ' * (pad - pad // 2)} {last} "
