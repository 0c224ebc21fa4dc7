"""The main screen: sidebar, log pane, search box and the two bars, wired to one LogBuffer.

Producers fill a Feed on their own threads; a 50 ms timer (or a `DataArrived` wake-up) applies
what arrived in one batch, extends the visible set, and refreshes the pane once. The search
(search.py) scans on a worker thread; the bars (widgets/bars.py) render what they are given.
Each concern has one home here: `_take_batches`, `_tell_notes`, `_show_bars`.
"""

from __future__ import annotations

import gc
import time

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.filters import INCLUDE
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.safety import escape_controls
from tuilogs.core.source_names import unknown_sources_note
from tuilogs.core.status import State, Status
from tuilogs.core.view import FILTER, FIND, ExplorerState
from tuilogs.ui.context import ContextCommands
from tuilogs.ui.keyorder import run_bindings_now
from tuilogs.ui.keys import KeyEntry, keymap
from tuilogs.ui.messages import (
    DataArrived,
    FiltersChanged,
    OpenLine,
    SearchClosed,
    SearchScanned,
    SearchSubmitted,
    ViewChanged,
)
from tuilogs.ui.options import ExplorerOptions
from tuilogs.ui.screens.alerting import SavedSearchesAndAlerts
from tuilogs.ui.search import SearchController
from tuilogs.ui.stats_request import open_stats, stop_stats, warm_stats
from tuilogs.ui.timeline import LogColumn, TimelineController
from tuilogs.ui.untrusted import tell
from tuilogs.ui.widgets.bars import HeaderBar, SourceInfo, StatusBar, ViewInfo
from tuilogs.ui.widgets.histogram import HistogramStrip
from tuilogs.ui.widgets.log_lines import TIME_MODES
from tuilogs.ui.widgets.log_view import LogView
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
NARROW = 100  # columns below which the sidebar starts hidden
# States in which a source has not yet said what it holds.
UNSETTLED = (State.STARTING, State.CONNECTING, State.RECONNECTING)


class ExplorerScreen(ContextCommands, SavedSearchesAndAlerts):
    BINDINGS = keymap("explorer")

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
        self.search: SearchController  # made in compose, with the widgets it drives
        self.timeline: TimelineController  # likewise
        self._log: LogView
        self._counts_dirty = True
        self._notes_seen = 0
        self.lines_per_second = 0.0
        self._sidebar_chosen = False
        self._sources_checked = not options.sources
        self._failure_told: Status | None = None
        self._last_tick = 0.0
        self._bars_at = 0.0
        self._tick_pending = False
        self._wake_posted = False

    def compose(self) -> ComposeResult:
        log, bar = LogView(self.state, id="log"), SearchBar(id="search")
        indexing = lambda: self.feed.head_pending  # noqa: E731
        self._log, self.search = log, SearchController(self, self.state, log, bar, indexing)
        strip = HistogramStrip(id="histogram")
        self.timeline = TimelineController(self, self.state, log, strip, self.feed, self.options)
        yield HeaderBar(id="topbar")
        with Horizontal(id="main"):
            yield FilterSidebar(self.state.filter, id="sidebar")
            yield LogColumn(strip, log, self.timeline, id="logcolumn")
        yield bar
        yield StatusBar(id="statusbar")
        yield Footer()

    @property
    def log_view(self) -> LogView:
        return self._log

    def on_mount(self) -> None:
        self.log_view.focus()
        options = self.options
        for name in options.sources:
            self.state.filter.set("source", name, INCLUDE)
        for name in options.dynos:
            self.state.filter.set("dyno", name, INCLUDE)
        self.state.time_range = options.time_range
        if options.sources or options.dynos or options.time_range:
            self.state.recompute()
        if options.query is not None:
            self.search.filter_by(options.query)
        if options.backend_reason:
            tell(self, options.backend_reason, title="Backend", timeout=8)
        # The first batches may already be waiting: take them once the widgets are ready.
        self.call_after_refresh(self._tick)
        self.set_interval(TICK, self._tick)
        self.feed.on_data = self._wake
        warm_stats(self)

    def on_unmount(self) -> None:
        self.feed.on_data = None
        stop_stats(self)

    # -- the batch loop -----------------------------------------------------------------------

    def _wake(self) -> None:
        """From a producer's thread: lines arrived in an empty queue."""
        if not self._wake_posted:
            self._wake_posted = True
            self.post_message(DataArrived())  # thread-safe

    def on_data_arrived(self, event: DataArrived) -> None:
        """Show new lines now rather than at the next tick (but not more often than the gap)."""
        self._wake_posted = False
        wait = self._last_tick + MIN_TICK_GAP - time.monotonic()
        if wait <= 0:
            self._tick()
        elif not self._tick_pending:
            self._tick_pending = True
            self.set_timer(wait, self._tick)

    def _tick(self) -> None:
        self._last_tick, self._tick_pending = time.monotonic(), False
        added = self._take_batches()
        now = time.monotonic()
        self.lines_per_second = self.feed.lines_per_second()
        self.search.poll(now)
        self.timeline.poll(now)
        self._counts_dirty = self._counts_dirty or bool(added)
        self._tell_notes()
        self._check_sources()
        if now - self._bars_at >= BARS_EVERY:
            # The sidebar's counts and the bars in the same frame: one wide repaint, not two.
            self._show_counts()
            self._show_bars()
        if len(self.buffer) and not self.feed.painted.is_set():
            self.call_after_refresh(self._first_paint_done)

    def _take_batches(self) -> int:
        """Apply what the producers sent; the pane repaints once, with no layout pass. When the
        buffer renumbered its lines (history prepended, a file truncated), the reader keeps
        their place."""
        state, log, buffer = self.state, self.log_view, self.buffer
        before, visible_before, prepended = len(buffer), len(state), buffer.prepended
        place = log.reader_place()
        added = self.feed.drain(buffer)
        if buffer.epoch != state.epoch:
            state.reset_for_epoch()
            log.keep_place(place, buffer.prepended - prepended)
        elif added:
            state.lines_added(before, len(buffer))
            log.data_changed(len(state) - visible_before)
        return added

    def _tell_notes(self) -> None:
        """Notes from the producers (a rotation, history's end) as notices, each once."""
        notes = self.buffer.notes
        while self._notes_seen < len(notes):
            tell(self, notes[self._notes_seen], timeout=6)
            self._notes_seen += 1

    def _check_sources(self) -> None:
        """`-s router` shows nothing: once the source has said what it holds, say why (the
        sources are app and heroku; router is a dyno)."""
        feed = self.feed
        if self._sources_checked or feed.head_pending or feed.status.state in UNSETTLED:
            return
        self._sources_checked = True
        note = unknown_sources_note(self.options.sources, self.buffer.origins.origins)
        if note is not None:
            tell(self, note, title="Source filter", severity="warning", timeout=20)

    def _first_paint_done(self) -> None:
        # Everything made so far (Textual, the widgets) lives as long as the app: keep it out
        # of the collector's full passes, which otherwise pause a busy stream now and then.
        gc.freeze()
        gc.set_threshold(5_000, 20, 50)  # fewer, still cheap, young collections while streaming
        self.feed.painted.set()

    # -- the bars -----------------------------------------------------------------------------

    def _show_counts(self) -> None:
        if self._counts_dirty:
            self._counts_dirty = False
            self.query_one(FilterSidebar).update_counts(
                self.buffer.origins.origins, self.buffer.counts
            )

    def _show_bars(self) -> None:
        """Hand the bars what they show; each repaints only if its text changed."""
        self._bars_at = time.monotonic()
        self._tell_failure(self.feed.status)
        self.query_one(HeaderBar).info = SourceInfo(
            self.title_text,
            self.kind,
            self.feed.status,
            indexing=self.feed.head_pending,
            history=self.feed.history,
            lines_per_second=self.lines_per_second,
            now=self._bars_at,
        )
        self.query_one(StatusBar).info = self._view_info()
        state = self.state
        found, mode = self.search.count()
        self.query_one(SearchBar).show_count(found, mode, state.search_pending)

    def _view_info(self) -> ViewInfo:
        state, log = self.state, self.log_view
        filters = state.describe()
        find = None
        if state.finding.query is not None:
            line = log.selected_line()
            at = state.hit_index(line) if line is not None and log.cursor is not None else 0
            find = (at, len(state.hits or ()))
        position, at_time = self.timeline.position()
        return ViewInfo(
            following=log.following,
            pending=log.pending,
            shown=len(state),
            total=len(self.buffer),
            filters=filters,
            find=find,
            scanning=state.search_pending,
            wrap=log.wrap,
            time_mode=log.time_mode,
            position=position,
            at_time=at_time,
        )

    def _tell_failure(self, status: Status) -> None:
        """The header has no room for the whole reason (and what to do): say it once in full."""
        if status.failed and status != self._failure_told:
            self._failure_told = status
            tell(
                self,
                status.detail or status.describe(),
                title="Cannot read logs",
                severity="error",
                timeout=60,
            )

    def on_view_changed(self, event: ViewChanged) -> None:
        self._show_bars()

    # -- search -------------------------------------------------------------------------------

    def on_search_submitted(self, event: SearchSubmitted) -> None:
        self.search.submitted(event.text, event.mode, event.final, time.monotonic())

    async def on_key(self, event: events.Key) -> None:
        """Keys that bubbled up from the pane or the sidebar, in typing order (keyorder.py):
        their bindings run here rather than at the App, after keys that came later; and a key
        that reached the pane before `/` moved the focus to the search box is the box's."""
        box = self.query_one(SearchBar).input
        if event.is_printable and self.focused is box and event.character is not None:
            event.stop()
            box.type_text(event.character)
        elif await run_bindings_now(self, event.key):
            event.stop()

    def on_search_closed(self, event: SearchClosed) -> None:
        if event.cleared:
            self.search.show_remaining()
        self.log_view.focus()

    def on_search_scanned(self, event: SearchScanned) -> None:
        if self.search.scanned(event):
            self._show_bars()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A worker that fails says so, rather than leaving a search silently unanswered."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            tell(self, f"{event.worker.group}: {error}", severity="error")

    def action_next_hit(self, direction: int) -> None:
        self.search.jump(direction)
        self._show_bars()  # `find: 3/120` at once (the pane's ViewChanged would come later)

    def action_clear_search(self) -> None:
        self.search.cleared()
        self._show_bars()

    def action_search(self, mode: str) -> None:
        self.search.open(FILTER if mode == "filter" else FIND)

    # -- filters and view toggles -------------------------------------------------------------

    def on_filters_changed(self, event: FiltersChanged) -> None:
        state, log = self.state, self.log_view
        anchor = log.selected_line() if log.cursor is not None else None
        state.recompute()
        if anchor is not None:
            log.cursor = state.pos_of(anchor) if len(state) else None
        log.reset_view()
        log.show_cursor()
        self._show_bars()

    def action_toggle_histogram(self) -> None:
        self.timeline.toggle()

    def action_goto(self) -> None:
        from tuilogs.ui.screens.goto import GotoScreen

        self.app.push_screen(GotoScreen(self.timeline.goto))

    def on_open_line(self, event: OpenLine) -> None:
        self.open_detail(event.line)

    # The pane says ViewChanged for these too; the bars follow here at once, in the same
    # frame as the pane, without waiting behind a batch for that message to bubble up.
    def action_toggle_wrap(self) -> None:
        self.log_view.wrap = not self.log_view.wrap
        self._show_bars()

    def action_cycle_time(self) -> None:
        log = self.log_view
        log.time_mode = TIME_MODES[(TIME_MODES.index(log.time_mode) + 1) % len(TIME_MODES)]
        self._show_bars()

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
        """What applies now: asked for keys, by the footer and by the command palette."""
        if action == "drains":
            return self.options.app is not None
        if action == "next_hit":
            return self.state.finding.query is not None
        if action == "clear_search":
            return self.state.searching
        context = self.check_context_action(action)
        return True if context is None else context

    # -- other screens ------------------------------------------------------------------------

    def action_drains(self) -> None:
        """The drain panel of the app being followed (a file has no drains)."""
        app = self.options.app
        if app is None:
            self.notify("Drains belong to an app: run `tuilogs APP`", severity="warning")
            return
        from tuilogs.ui.screens.drains import DrainPanel

        self.app.push_screen(DrainPanel(app.client, app.name))

    def action_stats(self) -> None:
        open_stats(self)

    def key_entries(self) -> list[KeyEntry]:
        """Every key of the explorer and the screens it opens, for the help screen."""
        from tuilogs.ui.key_list import explorer_keys

        return explorer_keys(self)

    def action_help(self) -> None:
        from tuilogs.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.key_entries()))

    def action_copy_line(self) -> None:
        line = self.log_view.selected_line()
        if line is not None:
            # What the pane shows: a line's controls never reach the clipboard (a paste into a
            # terminal would run them).
            self.app.copy_to_clipboard(escape_controls(self.buffer.record(line).line()))
            self.notify("Line copied to the clipboard")

    def action_export(self) -> None:
        from tuilogs.ui.screens.export import export_view

        export_view(self)
