"""The log pane: a virtual view (Line API) over ExplorerState, one screen of lines at a time.

Nothing here is per-line-of-the-buffer: a screenful of strips is laid out from the visible
positions on screen, each strip built once and kept in an LRU keyed by what changes its look.
Scrolling up pauses following and counts new lines; reaching the bottom resumes it.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuilogs.core.colorize import ProcessColors, highlight
from tuilogs.core.record import LogRecord
from tuilogs.core.safety import CONTROL_RUN_RE, escape_controls
from tuilogs.core.view import ExplorerState
from tuilogs.ui.widgets.styles import COMPONENT_CLASSES, PROCESS_SLOTS, component

TIME_MODES = ("received", "local", "relative")
MIN_SCROLL_WIDTH = 40  # at least a line's header


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


class LogView(ScrollView, can_focus=True):
    """Shows the visible lines of an ExplorerState; the screen owns the state."""

    COMPONENT_CLASSES = COMPONENT_CLASSES
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("home,g", "top", "Top", show=False),
        Binding("end,G", "follow", "Follow", id="follow"),
        Binding("left,h", "pan(-8)", "Left", show=False),
        Binding("right,l", "pan(8)", "Right", show=False),
        Binding("enter", "open", "Details", id="details"),
    ]

    following: reactive[bool] = reactive(True, init=False)
    wrap: reactive[bool] = reactive(False, init=False)
    time_mode: reactive[str] = reactive("received", init=False)

    class Open(Message):
        """The user asked for the details of a line."""

        def __init__(self, line: int) -> None:
            super().__init__()
            self.line = line

    def __init__(self, state: ExplorerState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state
        self.cursor: int | None = None  # a visible position, None while following the end
        self.pending = 0  # lines that arrived while paused
        self.matcher: re.Pattern[str] | None = None
        self.process_colors = ProcessColors()
        self._styles: dict[str, Style] = {}
        self._strips: OrderedDict[tuple, list[Strip]] = OrderedDict()
        self._render_version = 0
        self._rows: list[Strip] = []
        self._finished: dict[tuple, tuple[Strip, Strip]] = {}
        self._rows_key: tuple | None = None

    # -- look -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._load_styles()
        self.watch(self.app, "theme", lambda *_: self._load_styles(), init=False)
        self.set_interval(1.0, self._tick_relative)

    def _load_styles(self) -> None:
        self._styles = {
            name: self.get_component_rich_style(name, partial=True) for name in COMPONENT_CLASSES
        }
        self.invalidate()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self._load_styles()

    def _style(self, rule: str) -> Style:
        return self._styles.get(component(rule), Style.null())

    def invalidate(self) -> None:
        """Forget every cached strip (theme, search or time mode changed)."""
        self._render_version += 1
        self._strips.clear()
        self._finished.clear()
        self._rows_key = None
        self.refresh()

    def _tick_relative(self) -> None:
        if self.time_mode == "relative":
            self.invalidate()

    def watch_wrap(self) -> None:
        self.scroll_to(x=0, animate=False, immediate=True)
        self.data_changed(0)

    def watch_time_mode(self) -> None:
        self.invalidate()

    def set_matcher(self, matcher: re.Pattern[str] | None) -> None:
        self.matcher = matcher
        self.invalidate()

    # -- text of a line ---------------------------------------------------------------------

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
        escape_style = self._style("escape")
        pos = 0
        for m in CONTROL_RUN_RE.finditer(value):
            if m.start() > pos:
                text.append(value[pos : m.start()], style)
            text.append(escape_controls(m.group()), escape_style)
            pos = m.end()
        text.append(value[pos:].replace("\t", "    "), style)
        return False

    def line_text(self, line: int) -> Text:
        rec = self.state.buffer.record(line)
        text = Text(no_wrap=not self.wrap, end="")
        if rec.is_raw:
            self._append_safe(text, rec.message, self._style("raw"))
        else:
            self._append_safe(text, self._time_text(rec), self._style("timestamp"))
            text.append(" ")
            slot = self.process_colors.index(rec.process_type) % PROCESS_SLOTS
            self._append_safe(
                text, f"{rec.source}[{rec.dyno}]:", self._styles.get(f"log--process-{slot}")
            )
            text.append(" ")
            base = len(text)
            if self._append_safe(text, rec.message):
                for start, end, rule in highlight(rec.source, rec.dyno, rec.message):
                    text.stylize(self._style(rule), base + start, base + end)
        if self.matcher is not None:
            match_style = self._style("match")
            for m in self.matcher.finditer(text.plain):
                if m.end() > m.start():
                    text.stylize(match_style, m.start(), m.end())
        return text

    def _fast_strip(self, line: int) -> Strip | None:
        """The common case built straight into segments (no rich Text): a clean, unwrapped
        line with no search marks. None when the general path is needed."""
        if self.wrap or self.matcher is not None:
            return None
        rec = self.state.buffer.record(line)
        if rec.is_raw or not (rec.message.isprintable() and rec.dyno.isprintable()):
            return None
        ts = self._time_text(rec)
        if not ts.isprintable():
            return None
        slot = self.process_colors.index(rec.process_type) % PROCESS_SLOTS
        msg = rec.message
        segments = [
            Segment(ts, self._style("timestamp")),
            Segment(" "),
            Segment(f"{rec.source}[{rec.dyno}]:", self._styles.get(f"log--process-{slot}")),
            Segment(" "),
        ]
        pos = 0
        style = self._style
        for start, end, rule in highlight(rec.source, rec.dyno, msg):
            if start > pos:
                segments.append(Segment(msg[pos:start]))
            segments.append(Segment(msg[start:end], style(rule)))
            pos = end
        if pos < len(msg):
            segments.append(Segment(msg[pos:]))
        return Strip(segments)

    def _strips_for(self, line: int, width: int) -> list[Strip]:
        # Keyed by what stays true across history prepends (which renumber every line), so
        # paging history in neither re-renders the screen nor fills the cache with stale rows.
        buffer = self.state.buffer
        key = (
            line - buffer.prepended,
            buffer.resets,
            self._render_version,
            width if self.wrap else 0,
        )
        strips = self._strips.get(key)
        if strips is not None:
            self._strips.move_to_end(key)
            return strips
        fast = self._fast_strip(line)
        if fast is not None:
            strips = [fast]
            self._strips[key] = strips
            if len(self._strips) > 2000:
                self._strips.popitem(last=False)
            return strips
        text = self.line_text(line)
        console = self.app.console
        if self.wrap:
            lines = text.wrap(console, max(width, 10))
            strips = [Strip(ln.render(console), ln.cell_len) for ln in lines] or [Strip.blank(0)]
        else:
            strip = Strip(text.render(console), text.cell_len)
            strips = [strip]
        self._strips[key] = strips
        if len(self._strips) > 2000:
            self._strips.popitem(last=False)
        return strips

    # -- layout -----------------------------------------------------------------------------

    def data_changed(self, added: int) -> None:
        """The visible set grew or changed; `added` new lines arrived at the end."""
        n = len(self.state)
        if not self.following and added:
            self.pending += added
        # Scroll width from the longest line in bytes: known without rendering every line.
        width = max(MIN_SCROLL_WIDTH, self.state.buffer.longest)
        self._set_virtual_size(Size(0 if self.wrap else width, n))
        if self.cursor is not None and self.cursor >= n:
            self.cursor = n - 1 if n else None
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self._rows_key = None
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """Grow the scroll area without a layout pass of the whole screen.

        Assigning `virtual_size` makes Textual lay out every widget; while lines stream in
        that would happen on every batch. Unless a scrollbar appears or disappears, updating
        the scrollbars and repainting this widget is all that is needed.
        """
        old = self.virtual_size
        if size == old:
            return
        w, h = self.container_size
        if (
            not self.is_mounted
            or (old.height > h) != (size.height > h)
            or (old.width > w) != (size.width > w)
        ):
            self.virtual_size = size
            return
        self.set_reactive(ScrollView.virtual_size, size)
        self._scroll_update(size)
        self.refresh()

    def on_resize(self) -> None:
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def reset_view(self) -> None:
        """The visible set was replaced (a filter changed): keep the cursor's line in view."""
        self._rows_key = None
        self.data_changed(0)

    def _layout(self) -> list[Strip]:
        region = self.scrollable_content_region
        width, height = region.width, region.height
        top = int(self.scroll_offset.y)
        n = len(self.state)
        if self.following and top != max(n - height, 0):
            # Following shows the end whatever the scroll position says; the scrollbar catches
            # up after this paint (the size may not have been known when lines arrived).
            top = max(n - height, 0)
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False)
        key = (
            top,
            int(self.scroll_offset.x),
            width,
            height,
            n,
            self.state.version,
            self._render_version,
            self.wrap,
            self.cursor,
            self.following,
        )
        if key == self._rows_key:
            return self._rows
        rows: list[tuple[int, Strip]] = []
        if not self.wrap:
            for pos in range(top, min(top + height, n)):
                rows.append((pos, self._strips_for(self.state.line_at(pos), width)[0]))
        elif self.following or top + height >= n:
            pos = n - 1
            while pos >= 0 and len(rows) < height:
                strips = self._strips_for(self.state.line_at(pos), width)
                rows[:0] = [(pos, s) for s in strips]
                pos -= 1
            rows = rows[-height:]
        else:
            pos = top
            while pos < n and len(rows) < height:
                rows.extend((pos, s) for s in self._strips_for(self.state.line_at(pos), width))
                pos += 1
            rows = rows[:height]
        x = int(self.scroll_offset.x)
        base = self.rich_style
        on_cursor = base + self._style("cursor")
        out = []
        finished = self._finished
        if len(finished) > 4 * height + 100:
            finished.clear()
        for pos, strip in rows:
            # Cropped and styled rows are kept too: while following, rows only move up.
            fkey = (id(strip), x, width, pos == self.cursor)
            hit = finished.get(fkey)
            if hit is not None and hit[0] is strip:
                out.append(hit[1])
                continue
            if self.wrap:
                line = strip.extend_cell_length(width)
            else:
                line = strip.crop_extend(x, x + width, None)
            line = line.apply_style(on_cursor if pos == self.cursor else base)
            finished[fkey] = (strip, line)
            out.append(line)
        self._rows_positions = [pos for pos, _ in rows]
        self._rows, self._rows_key = out, key
        return out

    def render_line(self, y: int) -> Strip:
        rows = self._layout()
        if y < len(rows):
            return rows[y]
        return Strip([Segment(" " * self.scrollable_content_region.width, self.rich_style)])

    def position_at_row(self, y: int) -> int | None:
        self._layout()
        positions = getattr(self, "_rows_positions", [])
        return positions[y] if 0 <= y < len(positions) else None

    # -- following --------------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        at_bottom = new_value >= self.max_scroll_y
        if new_value < old_value and not at_bottom:
            self.following = False
        elif at_bottom and self.cursor is None:
            self.following = True

    def watch_following(self, following: bool) -> None:
        if following:
            self.pending = 0
            self.cursor = None
        self._rows_key = None
        self.refresh()

    # -- actions ----------------------------------------------------------------------------

    def _show(self, pos: int) -> None:
        height = self.scrollable_content_region.height
        top = int(self.scroll_offset.y)
        if pos < top - height or pos >= top + 2 * height:
            # A jump (search hit, top): put the line in the middle, with context around it.
            self.scroll_to(y=max(pos - height // 2, 0), animate=False, immediate=True)
        elif pos < top:
            self.scroll_to(y=pos, animate=False, immediate=True)
        elif pos >= top + height:
            self.scroll_to(y=pos - height + 1, animate=False, immediate=True)
        self._rows_key = None
        self.refresh()

    def move_cursor_to(self, pos: int) -> None:
        n = len(self.state)
        if not n:
            return
        pos = max(0, min(pos, n - 1))
        self.following = False
        self.cursor = pos
        self._show(pos)

    def action_cursor(self, delta: int) -> None:
        n = len(self.state)
        if not n:
            return
        if self.cursor is None:
            bottom = min(int(self.scroll_offset.y) + self.scrollable_content_region.height, n) - 1
            self.move_cursor_to(bottom if delta < 0 else bottom)
            if delta < 0:
                return
        self.move_cursor_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        height = max(self.scrollable_content_region.height - 1, 1)
        if self.cursor is None and direction > 0:
            self.scroll_to(y=self.scroll_offset.y + height, animate=False)
            return
        if self.cursor is None:
            self.cursor = min(int(self.scroll_offset.y) + height, len(self.state) - 1)
        self.move_cursor_to(self.cursor + direction * height)

    def action_top(self) -> None:
        self.move_cursor_to(0)

    def action_follow(self) -> None:
        self.cursor = None
        self.following = True
        self.data_changed(0)

    def action_pan(self, delta: int) -> None:
        if not self.wrap:
            self.scroll_to(x=max(self.scroll_offset.x + delta, 0), animate=False)

    def selected_line(self) -> int | None:
        n = len(self.state)
        if not n:
            return None
        pos = self.cursor if self.cursor is not None else n - 1
        return self.state.line_at(pos)

    def action_open(self) -> None:
        line = self.selected_line()
        if line is not None:
            self.post_message(self.Open(line))

    def on_click(self, event) -> None:
        pos = self.position_at_row(event.y)
        if pos is None:
            return
        if event.chain >= 2 and pos == self.cursor:
            self.post_message(self.Open(self.state.line_at(pos)))
        else:
            self.cursor = pos
            self.following = False
            self._rows_key = None
            self.refresh()
