"""The explorer's search: typing debounced, scans on a worker thread, the jump to a hit.

Two searches can be on at once: a filter and a find within it. The box edits one of them
(`editing`): `&` the filter, `/` the find — inside the filter when one is on. Tab in the box
turns its text into the other kind: a find becomes a filter (narrowing a filter already on), a
filter a find.

Typing re-parses the query at most every SEARCH_DEBOUNCE (Enter at once). A query is applied
to the ExplorerState at once (highlighting, filter mode's empty view) and its matches come
from `Query.scan` on a worker thread, posted back as `SearchScanned`: the filter's first, then
the find's, one scan at a time. A scan whose search changed meanwhile stops at its next chunk.
Lines that arrive during a scan are scanned by the next one, from where it stopped. Enter in
find mode jumps to the nearest hit once the scan has reached it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from tuilogs.core.query import Query, QueryError, conjoin, parse_query
from tuilogs.core.view import FILTER, FIND, ExplorerState, ScanJob
from tuilogs.ui.messages import SearchScanned
from tuilogs.ui.widgets.log_view import LogView
from tuilogs.ui.widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from textual.screen import Screen

SEARCH_DEBOUNCE = 0.15


class SearchController:
    """The search of one explorer screen (which runs its worker and receives its messages)."""

    def __init__(
        self,
        screen: Screen,
        state: ExplorerState,
        log: LogView,
        bar: SearchBar,
        indexing: Callable[[], bool] = lambda: False,
    ):
        self.screen, self.state, self.log, self.bar = screen, state, log, bar
        self.indexing = indexing  # whether more of the source's lines are still to come
        self.editing = FIND  # the search the box edits
        self._due: float | None = None  # when the typed text is parsed (debounce)
        self._typed: tuple[str, str, bool] | None = None
        self._scan = 0  # number of the scan running, 0 when none
        self._scans = 0
        self._job: ScanJob | None = None  # what the running scan searches
        self.jump_after_scan = False
        self._land_on: int | None = None  # where a filter from a line puts the cursor

    # -- the box ----------------------------------------------------------------------------

    def open(self, mode: str) -> None:
        """`/` or `&`: edit the find (within the filter when one is on) or the filter; `&` on
        a find with no filter turns it into the filter."""
        state = self.state
        find, filtered = state.finding.query, state.filtering.query
        if mode == FIND:
            self._edit(FIND, find.text if find else "")
        elif filtered is not None or find is None:
            self._edit(FILTER, filtered.text if filtered else "")
        else:
            self._edit(FIND, find.text, focus=False)
            self.bar.open(FILTER)  # the box switches: `submitted` converts

    def _edit(self, mode: str, text: str, focus: bool = True) -> None:
        self.editing = mode
        self.bar.within = mode == FIND and self.state.filter_active
        self.bar.open(mode, text, focus)

    def submitted(self, text: str, mode: str, final: bool, now: float) -> None:
        """The box's text changed (`final` False) or Enter was pressed (`final`)."""
        if mode != self.editing:
            if final:
                self._convert(text, mode)
                return
            if not text.strip():
                return  # a keystroke from before the box switched
            self.editing = mode  # switched while empty: nothing to convert
        self._typed = (text, mode, final)
        if final:
            self._due = None
            self._apply_text(text, mode, True)
        else:
            self._due = now + SEARCH_DEBOUNCE

    def _convert(self, text: str, mode: str) -> None:
        """The box switched find ↔ filter: its text becomes the other kind of search."""
        self._due, self._typed = None, None
        state = self.state
        if mode == FILTER and state.filtering.query is not None and text.strip():
            text = conjoin(state.filtering.query.text, text)
        try:
            query = parse_query(text) if text.strip() else None
        except QueryError as exc:
            self.bar.show_error(str(exc))
            return
        self.apply(None, FIND if mode == FILTER else FILTER, False)
        self.apply(query, mode, True)
        self._edit(mode, text, focus=self.bar.input.has_focus)

    def cleared(self) -> None:
        """Escape: clear the find if there is one, else the filter; the box then shows the
        search left, if any."""
        state = self.state
        mode = FIND if state.finding.query is not None else FILTER
        self.apply(None, mode, True)
        self.show_remaining()

    def show_remaining(self) -> None:
        """After a search was cleared: the box shows the other one (unfocused), or hides."""
        find, filtered = self.state.finding.query, self.state.filtering.query
        left = find or filtered
        if left is None:
            self.bar.input.value = ""
            self.bar.remove_class("-visible")
        else:
            self._edit(FIND if left is find else FILTER, left.text, focus=False)

    def filter_by(self, query: Query, land_on: int | None = None) -> None:
        """Filter by `query` (a request, a field's value): shown in the box, cleared with Esc.
        The cursor lands on line `land_on` (the line it came from) once the scan shows it."""
        self.apply(query, FILTER, True)
        self._edit(FILTER, query.text, focus=False)
        self._land_on = land_on
        self._land()

    def _land(self) -> None:
        line, state = self._land_on, self.state
        if line is None or (state.filtering.scanned <= line and state.filter_pending):
            return
        self._land_on = None
        if state.shows(line):
            self.log.move_cursor_to(state.pos_of(line))

    def poll(self, now: float) -> None:
        """Each tick: parse typed text whose debounce ran out; scan lines that arrived."""
        if self._due is not None and now >= self._due and self._typed is not None:
            self._due = None
            self._apply_text(*self._typed)
        self.kick()

    def _apply_text(self, text: str, mode: str, final: bool) -> None:
        try:
            query: Query | None = parse_query(text) if text.strip() else None
        except QueryError as exc:
            self.bar.show_error(str(exc))
            return
        self.apply(query, mode, final)

    def apply(self, query: Query | None, mode: str, final: bool) -> None:
        """Search for `query` (None: no search) as the find or the filter (`mode`); `final`
        asks for a jump to a hit."""
        state, log = self.state, self.log
        current = state.finding.query if mode == FIND else state.filtering.query
        if current is not None and query is not None and current.text == query.text:
            state.mode = mode
            if mode == FIND:
                self.jump_after_scan = final
                if final and not state.find_pending:
                    self.jump(None)
            return
        anchor = log.selected_line() if log.cursor is not None else None
        self._land_on = None
        state.set_query(query, mode)
        shown = state.finding.query or state.filtering.query
        log.set_matcher(shown.highlighter() if shown else None)
        if anchor is not None and not (mode == FILTER and query is not None):
            log.cursor = state.pos_of(anchor)
        log.reset_view()
        if log.cursor is not None and len(state):
            log.move_cursor_to(log.cursor)  # a filter cleared: the reader's line in sight
        self.jump_after_scan = final and mode == FIND and query is not None
        self.kick()

    def count(self) -> tuple[int | None, str]:
        """What the box counts: the find's hits while it edits the find, else lines shown."""
        state = self.state
        if self.editing == FIND and state.finding.query is not None:
            return len(state.hits or ()), FIND
        if state.filtering.query is not None:
            return len(state), FILTER
        return None, self.editing

    # -- scans ------------------------------------------------------------------------------

    def _current(self, job: ScanJob) -> bool:
        state = self.state
        return any(
            job.query is scan.query and job.run == scan.run
            for scan in (state.filtering, state.finding)
        )

    def kick(self) -> None:
        """Start the next scan, unless one that is still wanted runs."""
        if self._scan and self._job is not None and self._current(self._job):
            return
        job = self.state.next_scan()
        if job is None:
            return
        self._scans += 1
        self._scan, self._job = self._scans, job
        scan, epoch = self._scan, self.state.epoch
        self.screen.run_worker(
            lambda: self._run_scan(scan, job, epoch),
            thread=True,
            exclusive=True,  # a newer scan cancels an older one
            group="search",
            exit_on_error=False,
        )

    def _run_scan(self, scan: int, job: ScanJob, epoch: int) -> None:
        """On the worker thread; always answers, so the next scan can start."""
        worker = get_current_worker()
        matches = None

        def cancelled() -> bool:
            return worker.is_cancelled or not self._current(job)

        try:
            if job.lines is not None:
                matches = job.query.scan_lines(self.state.buffer, job.lines, cancelled)
            else:
                matches = job.query.scan(self.state.buffer, job.lo, job.hi, cancelled)
        finally:
            if worker.is_cancelled:
                matches = None
            self.screen.post_message(
                SearchScanned(scan, job.query, matches, job.lo, job.hi, epoch, job.run)
            )

    def scanned(self, message: SearchScanned) -> bool:
        """A scan answered; True when its matches changed what is shown."""
        if message.scan == self._scan:
            self._scan, self._job = 0, None
        state, log = self.state, self.log
        visible_before = len(state)
        changed = message.matches is not None and state.add_matches(
            message.matches, message.lo, message.hi, message.epoch, message.query, message.run
        )
        if changed and message.query is state.filtering.query:
            log.data_changed(len(state) - visible_before if message.lo else 0)
            self._land()
        elif changed:
            log.refresh()
        self.kick()
        if changed and self.jump_after_scan and not state.find_pending:
            if not state.hits and self.indexing():
                return changed  # a big file's head is still being read: the hit may be there
            self.jump_after_scan = False
            self.jump(None)
        return changed

    def waiting_for_index(self) -> bool:
        """A search the reader is waiting on until a big file's head is indexed (nothing
        found yet): background work gives way to it (`RunningStats.gives_way`)."""
        return self.jump_after_scan and not self.state.hits and self.indexing()

    # -- hits -------------------------------------------------------------------------------

    def jump(self, direction: int | None) -> None:
        """Move to a hit: the nearest at or above the cursor (or the bottom) when direction is
        None, else the next (1) or previous (-1) one."""
        state, log = self.state, self.log
        if not state.hits:
            if state.finding.query is not None and not state.search_pending:
                self.screen.notify("No matches", severity="warning", timeout=2)
            return
        current = log.selected_line()
        if direction is None:
            target = state.next_hit(current + 1 if current is not None else None, forward=False)
        else:
            target = state.next_hit(current, forward=direction > 0)
        if target is not None:
            log.move_cursor_to(state.pos_of(target))
