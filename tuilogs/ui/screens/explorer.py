"""The main screen: sidebar, log pane, search box and status lines, wired to one LogBuffer.

Producers fill a Feed on their own threads; a 50 ms timer applies what arrived in one batch,
extends the visible set, and refreshes the pane once. Searches run on a worker thread over the
buffer's bytes and come back as index arrays.
"""

from __future__ import annotations

import gc
import time
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.export import export_lines
from tuilogs.core.filters import INCLUDE
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.query import Query, QueryError, parse_query
from tuilogs.core.safety import escape_controls
from tuilogs.core.status import State, Status
from tuilogs.core.view import FILTER, FIND, ExplorerState
from tuilogs.ui.options import ExplorerOptions
from tuilogs.ui.widgets.log_view import TIME_MODES, LogView
from tuilogs.ui.widgets.search_bar import SearchBar
from tuilogs.ui.widgets.sidebar import FilterSidebar

TICK = 0.05  # the steady timer that applies batches (one repaint each, no layout)
# Arriving batches wake the screen, but repaints stay this far apart: a batch after a quiet
# spell is shown at once, a 5,000 lines/s stream waits at most 25 ms (p95 POST→screen ~65 ms
# from the router, against ~80 ms with a 50 ms gap) for at most 40 repaints a second.
MIN_TICK_GAP = 0.025
# The header and status bar span the screen: Textual repaints every widget inside the box
# around all changed regions, so a bar updated with each batch would repaint the sidebar too.
# While lines stream in, the bars and the sidebar's counts follow at most this often (other
# changes, from keys, search or filters: at once).
BARS_EVERY = 0.25
SEARCH_DEBOUNCE = 0.15
NARROW = 100  # columns below which the sidebar starts hidden


class ExplorerScreen(Screen):
    BINDINGS = [
        Binding("slash", "search('find')", "Find", id="find"),
        Binding("ampersand", "search('filter')", "Filter", id="filter"),
        Binding("n", "next_hit(1)", "Next", show=False, id="next"),
        Binding("N", "next_hit(-1)", "Previous", show=False, id="previous"),
        Binding("w", "toggle_wrap", "Wrap", id="wrap"),
        Binding("t", "cycle_time", "Time", id="time"),
        Binding("s", "toggle_sidebar", "Sidebar", id="sidebar"),
        Binding("e", "export", "Export", id="export"),
        Binding("c", "copy_line", "Copy", show=False, id="copy"),
        Binding("question_mark,f1", "help", "Help", id="help"),
        Binding("D", "drains", "Drains", id="drains"),
        Binding("escape", "clear_search", "Clear search", show=False, id="clear_search"),
    ]

    def __init__(
        self, buffer: LogBuffer, feed: Feed, title: str, kind: str, options: ExplorerOptions
    ) -> None:
        super().__init__()
        self.options = options
        self.buffer = buffer
        self.feed = feed
        self.title_text = title
        self.kind = kind
        self.state = ExplorerState(buffer)
        self._counts_dirty = True
        self._search_due: float | None = None
        self._pending_search: tuple[str, str, bool] | None = None
        self._scanning = False
        self._jump_after_scan = False
        self._notes_seen = 0
        self.lines_per_second = 0.0
        self._bar_texts: dict[str, str] = {}
        self._sidebar_chosen = False
        self._failure_told: Status | None = None
        self._last_tick = 0.0
        self._bars_at = 0.0
        self._tick_pending = False
        self._wake_posted = False

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Horizontal(id="main"):
            yield FilterSidebar(self.state.filter, id="sidebar")
            yield LogView(self.state, id="log")
        yield SearchBar(id="search")
        yield Static(id="statusbar")
        yield Footer()

    @property
    def log_view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self.log_view.focus()
        options = self.options
        for name in options.sources:
            self.state.filter.set("source", name, INCLUDE)
        for name in options.dynos:
            self.state.filter.set("dyno", name, INCLUDE)
        if options.sources or options.dynos:
            self.state.recompute()
        if options.query is not None:
            self.query_one(SearchBar).input.value = options.query.text
            self._apply_query(options.query, FILTER, True)
        if options.backend_reason:
            self.notify(escape_controls(options.backend_reason), title="Backend", timeout=8)
        # The first batches may already be waiting: take them once the widgets are ready.
        self.call_after_refresh(self._tick)
        self.set_interval(TICK, self._tick)
        self.feed.on_data = self._wake

    def on_unmount(self) -> None:
        self.feed.on_data = None

    class DataArrived(Message):
        """Lines arrived after a quiet spell (posted from a producer's thread)."""

    def _wake(self) -> None:
        if not self._wake_posted:
            self._wake_posted = True
            self.post_message(self.DataArrived())  # thread-safe

    def on_explorer_screen_data_arrived(self, event: DataArrived) -> None:
        """Show new lines now rather than at the next tick (but not more often than the gap)."""
        self._wake_posted = False
        wait = self._last_tick + MIN_TICK_GAP - time.monotonic()
        if wait <= 0:
            self._tick()
        elif not self._tick_pending:
            self._tick_pending = True
            self.set_timer(wait, self._tick)

    # -- the batch loop -----------------------------------------------------------------------

    def _tick(self) -> None:
        self._last_tick, self._tick_pending = time.monotonic(), False
        before, visible_before = len(self.buffer), len(self.state)
        prepended = self.buffer.prepended
        state, log = self.state, self.log_view
        # Where the reader is, as a line number, to find the same place after a prepend.
        anchor = log.selected_line() if log.cursor is not None else None
        top = (
            state.line_at(int(log.scroll_offset.y))
            if visible_before and not log.following
            else None
        )
        added = self.feed.drain(self.buffer)
        now = time.monotonic()
        if self.buffer.epoch != state.epoch:  # a prepend or reset renumbered the lines
            shift = self.buffer.prepended - prepended
            state.reset_for_epoch()
            if not log.following and shift > 0:
                if anchor is not None:
                    log.cursor = state.pos_of(anchor + shift)
                if top is not None:
                    log.scroll_to(y=state.pos_of(top + shift), animate=False, immediate=True)
            log.reset_view()
            self._jump_after_scan = False
        elif added:
            state.lines_added(before, len(self.buffer))
            log.data_changed(len(state) - visible_before)
        self.lines_per_second = self.feed.lines_per_second()
        if self._search_due is not None and now >= self._search_due:
            self._search_due = None
            self._apply_search(*self._pending_search)
        if state.search_pending and not self._scanning:
            self._scan(state.query, state.scanned, len(self.buffer), state.epoch)
        self._counts_dirty = self._counts_dirty or bool(added)
        while self._notes_seen < len(self.buffer.notes):
            self.notify(escape_controls(self.buffer.notes[self._notes_seen]), timeout=6)
            self._notes_seen += 1
        if now - self._bars_at >= BARS_EVERY:
            # The sidebar's counts and the bars in the same frame: one wide repaint, not two.
            if self._counts_dirty:
                self._counts_dirty = False
                self.query_one(FilterSidebar).update_counts(
                    self.buffer.origins.origins, self.buffer.counts
                )
            self._update_bars()
        if len(self.buffer) and not self.feed.painted.is_set():
            self.call_after_refresh(self._first_paint_done)

    def _first_paint_done(self) -> None:
        # Everything made so far (Textual, the widgets) lives as long as the app: keep it out
        # of the collector's full passes, which otherwise pause a busy stream now and then.
        gc.freeze()
        gc.set_threshold(5_000, 20, 50)  # fewer, still cheap, young collections while streaming
        self.feed.painted.set()

    def _update_bars(self) -> None:
        self._bars_at = time.monotonic()
        state, log = self.state, self.log_view
        total = len(self.buffer)
        top = f" tuilogs │ {self.title_text} │ {self.kind}"
        status = self.feed.status
        if status.failed and status != self._failure_told:
            # The header has no room for the whole reason (and what to do): say it once in full.
            self._failure_told = status
            self.notify(
                escape_controls(status.detail or status.describe()),
                title="Cannot read logs",
                severity="error",
                timeout=60,
            )
        top += " · indexing…" if self.feed.head_pending else f" · {status.describe()}"
        if status.state is State.RECONNECTING and status.detail:
            top += f" · {status.detail}"
        history = self.feed.history
        if history is not None and not history.done:
            top += f" · {history.describe()}"
        if self.lines_per_second >= 1:
            top += f" │ {self.lines_per_second:,.0f} lines/s"
        self._set_text("#topbar", escape_controls(top))
        parts = []
        if log.following:
            parts.append("● following")
        else:
            parts.append(
                f"⏸ paused · {log.pending:,} new — End to follow"
                if log.pending
                else "⏸ paused — End to follow"
            )
        shown = len(state)
        parts.append(f"{total:,} lines" if shown == total else f"{shown:,} of {total:,} lines")
        desc = state.filter.describe()
        if state.filtering_by_query:
            desc = (desc + " " + state.query.text).strip()
        if desc:
            parts.append(f"filter: {desc}")
        if state.searching and state.mode == FIND:
            hits = len(state.hits or ())
            line = log.selected_line()
            idx = state.hit_index(line) if line is not None and log.cursor is not None else 0
            parts.append(f"find: {idx}/{hits:,}" + ("…" if state.search_pending else ""))
        elif state.search_pending:
            parts.append("searching…")
        parts.append("wrap" if log.wrap else "nowrap")
        parts.append(f"time: {log.time_mode}")
        self._set_text("#statusbar", " " + " │ ".join(parts))
        bar = self.query_one(SearchBar)
        if state.searching:
            hits = len(state.hits or ()) if state.mode == FIND else len(state)
            noun = ("match" if hits == 1 else "matches") if state.mode == FIND else "lines"
            bar.set_count(f"{hits:,} {noun}" + ("…" if state.search_pending else ""))
        else:
            bar.set_count("")

    def _set_text(self, selector: str, text: str) -> None:
        """Update a bar only when its text changed (an update costs a layout pass)."""
        if self._bar_texts.get(selector) != text:
            self._bar_texts[selector] = text
            # One-line bars of fixed height: repaint only, no layout pass per update.
            self.query_one(selector, Static).update(
                Text(text, no_wrap=True, overflow="ellipsis"), layout=False
            )

    # -- search -------------------------------------------------------------------------------

    def on_search_bar_submitted(self, event: SearchBar.Submitted) -> None:
        self._pending_search = (event.text, event.mode, event.final)
        if event.final:
            self._search_due = None
            self._apply_search(event.text, event.mode, True)
        else:
            self._search_due = time.monotonic() + SEARCH_DEBOUNCE

    def on_search_bar_closed(self, event: SearchBar.Closed) -> None:
        self.log_view.focus()

    def _apply_search(self, text: str, mode: str, final: bool) -> None:
        try:
            query: Query | None = parse_query(text) if text.strip() else None
        except QueryError as exc:
            self.query_one(SearchBar).show_error(str(exc))
            return
        self._apply_query(query, mode, final)

    def _apply_query(self, query: Query | None, mode: str, final: bool) -> None:
        state, log = self.state, self.log_view
        same = (
            state.query is not None
            and query is not None
            and state.query.text == query.text
            and state.mode == mode
        )
        if same:
            self._jump_after_scan = final and mode == FIND
            if final and not state.search_pending:
                self._jump_to_hit(None)
            return
        anchor = log.selected_line() if log.cursor is not None else None
        state.set_query(query, mode)
        log.set_matcher(query.highlighter() if query else None)
        if anchor is not None and not state.filtering_by_query:
            log.cursor = state.pos_of(anchor)
        log.reset_view()
        self._jump_after_scan = final and mode == FIND and query is not None
        if state.search_pending:
            self._scan(state.query, 0, len(self.buffer), state.epoch)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _scan(self, query: Query, lo: int, hi: int, epoch: int) -> None:
        self._scanning = True
        worker = get_current_worker()
        try:
            matches = query.scan(
                self.buffer,
                lo,
                hi,
                cancelled=lambda: worker.is_cancelled or query is not self.state.query,
            )
        finally:
            self._scanning = False
        if matches is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._scan_done, query, matches, lo, hi, epoch)

    def _scan_done(self, query, matches, lo: int, hi: int, epoch: int) -> None:
        state, log = self.state, self.log_view
        visible_before = len(state)
        if not state.add_matches(matches, lo, hi, epoch, query):
            return
        if state.filtering_by_query:
            log.data_changed(len(state) - visible_before if lo else 0)
        else:
            log.refresh()
        if self._jump_after_scan and not state.search_pending:
            self._jump_after_scan = False
            self._jump_to_hit(None)
        self._update_bars()

    def _jump_to_hit(self, direction: int | None) -> None:
        """Move to a hit: the nearest at or above the cursor (or the bottom) when direction is None."""
        state, log = self.state, self.log_view
        if not state.hits:
            if state.searching and not state.search_pending:
                self.notify("No matches", severity="warning", timeout=2)
            return
        current = log.selected_line()
        if direction is None:
            target = state.next_hit(current + 1 if current is not None else None, forward=False)
        else:
            target = state.next_hit(current, forward=direction > 0)
        if target is not None:
            log.move_cursor_to(state.pos_of(target))
            self._update_bars()

    def action_next_hit(self, direction: int) -> None:
        if self.state.searching and self.state.mode == FIND:
            self._jump_to_hit(direction)

    def action_clear_search(self) -> None:
        if self.state.searching:
            self.query_one(SearchBar).action_clear()

    def action_clear_filters(self) -> None:
        self.query_one(FilterSidebar).action_clear()

    def action_search(self, mode: str) -> None:
        self.query_one(SearchBar).open(FILTER if mode == "filter" else FIND)

    # -- filters and view toggles -------------------------------------------------------------

    def on_filter_sidebar_changed(self, event: FilterSidebar.Changed) -> None:
        state, log = self.state, self.log_view
        anchor = log.selected_line() if log.cursor is not None else None
        state.recompute()
        if anchor is not None:
            log.cursor = state.pos_of(anchor) if len(state) else None
        log.reset_view()
        if log.cursor is not None:
            log.move_cursor_to(log.cursor)
        self._update_bars()

    def on_log_view_open(self, event: LogView.Open) -> None:
        from tuilogs.ui.screens.detail import DetailScreen  # imported on first use: faster start

        self.app.push_screen(DetailScreen(self.buffer.record(event.line), event.line))

    def action_toggle_wrap(self) -> None:
        self.log_view.wrap = not self.log_view.wrap
        self._update_bars()

    def action_cycle_time(self) -> None:
        log = self.log_view
        log.time_mode = TIME_MODES[(TIME_MODES.index(log.time_mode) + 1) % len(TIME_MODES)]
        self._update_bars()

    def on_resize(self, event) -> None:
        # Narrow terminals (80x24 over SSH) need every column for the lines: the sidebar then
        # starts hidden, until the user asks for it with `s`.
        if not self._sidebar_chosen:
            self.query_one(FilterSidebar).display = event.size.width >= NARROW

    def action_toggle_sidebar(self) -> None:
        self._sidebar_chosen = True
        sidebar = self.query_one(FilterSidebar)
        sidebar.display = not sidebar.display
        if not sidebar.display:
            self.log_view.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "drains":
            return self.options.app is not None
        return True

    def action_drains(self) -> None:
        """The drain panel of the app being followed (a file has no drains)."""
        app = self.options.app
        if app is None:
            self.notify("Drains belong to an app: run `tuilogs APP`", severity="warning")
            return
        from tuilogs.ui.screens.drains import DrainPanel

        self.app.push_screen(DrainPanel(app.client, app.name))

    def action_help(self) -> None:
        from tuilogs.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_copy_line(self) -> None:
        line = self.log_view.selected_line()
        if line is not None:
            self.app.copy_to_clipboard(self.buffer.record(line).line())
            self.notify("Line copied to the clipboard")

    def action_export(self) -> None:
        from tuilogs.ui.screens.export import ExportScreen

        default = f"tuilogs-export-{datetime.now():%Y%m%d-%H%M%S}.log"

        def done(path: str | None) -> None:
            if path:
                self._export(path)

        self.app.push_screen(ExportScreen(default, len(self.state)), done)

    def _export(self, path: str) -> None:
        try:
            count = export_lines(self.buffer, self.state.visible, path)
        except OSError as exc:
            self.notify(f"Export failed: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Exported {count:,} lines to {path}")
