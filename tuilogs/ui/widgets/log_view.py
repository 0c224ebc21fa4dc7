"""The log pane: a virtual view (Line API) over ExplorerState, one screen of lines at a time.

Nothing here is per-line-of-the-buffer: a screenful of rows is laid out from the visible
positions on screen, each line's strips built by a LineRenderer (log_lines.py) and cached.
Scrolling up pauses following and counts new lines; reaching the bottom resumes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.segment import Segment
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuilogs.core.view import ExplorerState
from tuilogs.ui.keys import keymap
from tuilogs.ui.messages import OpenLine, ViewChanged
from tuilogs.ui.widgets.log_lines import TIME_MODES, LineRenderer
from tuilogs.ui.widgets.row_looks import (
    CONTEXT,
    CURSOR,
    MARK,
    PLAIN,
    SEPARATOR,
    row_look,
    separator,
)
from tuilogs.ui.widgets.styles import COMPONENT_CLASSES

MIN_SCROLL_WIDTH = 40  # at least a line's header


@dataclass(frozen=True, slots=True)
class ReaderPlace:
    """Where the reader is, as line numbers: positions move when lines are prepended."""

    cursor_line: int | None  # the line under the cursor, if there is a cursor
    top_line: int | None  # the line at the top of the pane, while paused


class LogView(ScrollView, can_focus=True):
    """Shows the visible lines of an ExplorerState; the screen owns the state.

    Posts `ViewChanged` when the reader changes what it shows (following, cursor, wrap, time
    mode) and `OpenLine` when the reader asks for a line's details.
    """

    COMPONENT_CLASSES = COMPONENT_CLASSES
    BINDINGS = keymap("log_view")

    following: reactive[bool] = reactive(True, init=False)
    wrap: reactive[bool] = reactive(False, init=False)
    time_mode: reactive[str] = reactive(TIME_MODES[0], init=False)

    def __init__(self, state: ExplorerState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state
        self.cursor: int | None = None  # a visible position, None while following the end
        self.pending = 0  # lines that arrived while paused
        self.lines = LineRenderer(state.buffer)
        self._rows: list[Strip] = []
        self._rows_positions: list[int] = []
        self._finished: dict[tuple, tuple[Strip, Strip]] = {}
        self._rows_key: tuple | None = None

    # -- look -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._load_styles()
        self.watch(self.app, "theme", lambda *_: self._load_styles(), init=False)
        self.set_interval(1.0, self._tick_relative)

    def _load_styles(self) -> None:
        self.lines.styles = {
            name: self.get_component_rich_style(name, partial=True) for name in COMPONENT_CLASSES
        }
        self.invalidate()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self._load_styles()

    def invalidate(self) -> None:
        """Forget every cached strip and row (theme, search or time mode changed)."""
        self.lines.invalidate()
        self._finished.clear()
        self._rows_key = None
        self.refresh()

    def _tick_relative(self) -> None:
        if self.time_mode == "relative":
            self.invalidate()

    def watch_wrap(self, wrap: bool) -> None:
        self.lines.wrap = wrap
        self.scroll_to(x=0, animate=False, immediate=True)
        self.data_changed(0)
        self.post_message(ViewChanged())

    def watch_time_mode(self, time_mode: str) -> None:
        self.lines.time_mode = time_mode
        self.invalidate()
        self.post_message(ViewChanged())

    def set_matcher(self, matcher: re.Pattern[str] | None) -> None:
        self.lines.matcher = matcher
        self.invalidate()

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

    def show_cursor(self) -> None:
        """Bring the cursor's line into view (a filter changed): now, and again once a layout
        pass knows how far the pane scrolls (a scroll bar may appear with the lines)."""
        if self.cursor is not None:
            self.move_cursor_to(self.cursor)
            self.call_after_refresh(lambda: self.cursor is not None and self._show(self.cursor))

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
            self.lines.version,
            self.wrap,
            self.cursor,
            self.following,
            self.state.marks.version,
        )
        if key == self._rows_key:
            return self._rows
        rows = self._lines_on_screen(top, width, height, n)
        self._rows = self._finish(rows, width, height)
        self._rows_positions = [pos for pos, _ in rows]
        self._rows_key = key
        return self._rows

    def _lines_on_screen(
        self, top: int, width: int, height: int, n: int
    ) -> list[tuple[int, Strip]]:
        """(visible position, strip) for each row from `top` (wrapped lines take several)."""
        strips, line_at, console = self.lines.strips, self.state.line_at, self.app.console
        rows: list[tuple[int, Strip]] = []
        if not self._multi_row():
            for pos in range(top, min(top + height, n)):
                rows.append((pos, strips(line_at(pos), width, console)[0]))
            return rows
        if self.following or top + height >= n:
            pos = n - 1
            while pos >= 0 and len(rows) < height:
                rows[:0] = [(pos, s) for s in self._strips_at(pos, width)]
                pos -= 1
            rows = rows[-height:]
            if self.following or self.cursor is None or not rows or self.cursor >= rows[0][0]:
                return rows
            top, rows = self.cursor, []  # the cursor is above the last screenful: from there
        pos = top
        while pos < n and len(rows) < height:
            rows.extend((pos, s) for s in self._strips_at(pos, width))
            pos += 1
        return rows[:height]

    def _multi_row(self) -> bool:
        """Whether a line may take several rows (wrapped, or under a context separator)."""
        return self.wrap or bool(self.state.context)

    def _strips_at(self, pos: int, width: int) -> list[Strip]:
        """The rows of visible position `pos`: a separator first where lines are skipped."""
        strips = self.lines.strips(self.state.line_at(pos), width, self.app.console)
        hidden = self.state.hidden_before(pos)
        if not hidden:
            return strips
        wide = width + int(self.scroll_offset.x)
        return [separator(hidden, wide, self.lines.style("separator")), *strips]

    def _finish(self, rows: list[tuple[int, Strip]], width: int, height: int) -> list[Strip]:
        """Rows cropped to the pane and styled (the cursor's row highlighted)."""
        x = int(self.scroll_offset.x)
        base = self.rich_style
        style = self.lines.style
        looks = {PLAIN: base, SEPARATOR: base}
        looks.update((look, base + style(look)) for look in (CURSOR, MARK, CONTEXT))
        out = []
        finished = self._finished
        if len(finished) > 4 * height + 100:
            finished.clear()
        for pos, strip in rows:
            look = row_look(self.state, pos, strip, self.cursor)
            # Cropped and styled rows are kept too: while following, rows only move up.
            fkey = (id(strip), x, width, look)
            hit = finished.get(fkey)
            if hit is not None and hit[0] is strip:
                out.append(hit[1])
                continue
            if self.wrap:
                line = strip.extend_cell_length(width)
            else:
                line = strip.crop_extend(x, x + width, None)
            line = line.apply_style(looks[look])
            finished[fkey] = (strip, line)
            out.append(line)
        return out

    def render_line(self, y: int) -> Strip:
        rows = self._layout()
        if y < len(rows):
            return rows[y]
        return Strip([Segment(" " * self.scrollable_content_region.width, self.rich_style)])

    def position_at_row(self, y: int) -> int | None:
        self._layout()
        positions = self._rows_positions
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
        self.post_message(ViewChanged())

    def reader_place(self) -> ReaderPlace:
        """Where the reader is now, to find the same lines after the buffer renumbers them."""
        cursor_line = self.selected_line() if self.cursor is not None else None
        paused = bool(len(self.state)) and not self.following
        top_line = self.state.line_at(int(self.scroll_offset.y)) if paused else None
        return ReaderPlace(cursor_line, top_line)

    def keep_place(self, place: ReaderPlace, shift: int) -> None:
        """The buffer renumbered its lines (`shift` lines prepended; a reset): unless following
        the end, show the lines the reader was at, under the same cursor."""
        if not self.following and shift > 0:
            if place.cursor_line is not None:
                self.cursor = self.state.pos_of(place.cursor_line + shift)
            if place.top_line is not None:
                top = self.state.pos_of(place.top_line + shift)
                self.scroll_to(y=top, animate=False, immediate=True)
        self.reset_view()

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
        if self._multi_row():
            self._fit_rows(pos, height)
        self._rows_key = None
        self.refresh()

    def _fit_rows(self, pos: int, height: int) -> None:
        """Lines of several rows: scroll on until the rows from the top to `pos` fit."""
        top, rows, first = int(self.scroll_offset.y), 0, pos
        width = self.scrollable_content_region.width
        while first >= top:
            rows += len(self._strips_at(first, width))
            if rows > height:
                break
            first -= 1
        if first >= top:
            self.scroll_to(y=min(first + 1, pos), animate=False, immediate=True)

    def move_cursor_to(self, pos: int) -> None:
        n = len(self.state)
        if not n:
            return
        pos = max(0, min(pos, n - 1))
        self.following = False
        self.cursor = pos
        self._show(pos)
        self.post_message(ViewChanged())

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
            self.post_message(OpenLine(line))

    def on_click(self, event) -> None:
        pos = self.position_at_row(event.y)
        if pos is None:
            return
        if event.chain >= 2 and pos == self.cursor:
            self.post_message(OpenLine(self.state.line_at(pos)))
        else:
            self.cursor = pos
            self.following = False
            self._rows_key = None
            self.refresh()
            self.post_message(ViewChanged())
