"""The explorer's search: typing debounced, scans on a worker thread, the jump to a hit.

Typing re-parses the query at most every SEARCH_DEBOUNCE (Enter at once). A query is applied
to the ExplorerState at once (highlighting, filter mode's empty view) and its matches come
from `Query.scan` on a worker thread over the buffer's bytes, posted back as `SearchScanned`.
Lines that arrive during a scan are scanned by the next one, from where it stopped. Enter in
find mode jumps to the nearest hit once the scan has reached it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from tuilogs.core.query import Query, QueryError, parse_query
from tuilogs.core.view import FIND, ExplorerState
from tuilogs.ui.messages import SearchScanned
from tuilogs.ui.widgets.log_view import LogView
from tuilogs.ui.widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from textual.screen import Screen

SEARCH_DEBOUNCE = 0.15


class SearchController:
    """The search of one explorer screen (which runs its worker and receives its messages)."""

    def __init__(self, screen: Screen, state: ExplorerState, log: LogView, bar: SearchBar):
        self.screen, self.state, self.log, self.bar = screen, state, log, bar
        self._due: float | None = None  # when the typed text is parsed (debounce)
        self._typed: tuple[str, str, bool] | None = None
        self._scan = 0  # number of the scan running, 0 when none
        self._scans = 0
        self.jump_after_scan = False

    # -- typing -----------------------------------------------------------------------------

    def submitted(self, text: str, mode: str, final: bool, now: float) -> None:
        """The box's text changed (`final` False) or Enter was pressed (`final`)."""
        self._typed = (text, mode, final)
        if final:
            self._due = None
            self._apply_text(text, mode, True)
        else:
            self._due = now + SEARCH_DEBOUNCE

    def poll(self, now: float) -> None:
        """Each tick: parse typed text whose debounce ran out; scan lines that arrived."""
        if self._due is not None and now >= self._due and self._typed is not None:
            self._due = None
            self._apply_text(*self._typed)
        state = self.state
        if state.search_pending and not self._scan and state.query is not None:
            self._start_scan(state.query, state.scanned)

    def _apply_text(self, text: str, mode: str, final: bool) -> None:
        try:
            query: Query | None = parse_query(text) if text.strip() else None
        except QueryError as exc:
            self.bar.show_error(str(exc))
            return
        self.apply(query, mode, final)

    def apply(self, query: Query | None, mode: str, final: bool) -> None:
        """Search for `query` (None: no search) in `mode`; `final` asks for a jump to a hit."""
        state, log = self.state, self.log
        same = state.query is not None and query is not None and state.query.text == query.text
        if same and state.mode == mode:
            self.jump_after_scan = final and mode == FIND
            if final and not state.search_pending:
                self.jump(None)
            return
        anchor = log.selected_line() if log.cursor is not None else None
        state.set_query(query, mode)
        log.set_matcher(query.highlighter() if query else None)
        keep = anchor is not None and not state.filtering_by_query
        if keep:
            log.cursor = state.pos_of(anchor)
        log.reset_view()
        if keep:
            log.show_cursor()  # in view, as after a sidebar filter
        self.jump_after_scan = final and mode == FIND and query is not None
        if state.search_pending and state.query is not None:
            self._start_scan(state.query, 0)

    # -- scans ------------------------------------------------------------------------------

    def _start_scan(self, query: Query, lo: int) -> None:
        self._scans += 1
        self._scan = self._scans
        scan, hi, epoch = self._scan, len(self.state.buffer), self.state.epoch
        self.screen.run_worker(
            lambda: self._run_scan(scan, query, lo, hi, epoch),
            thread=True,
            exclusive=True,  # a newer scan cancels an older one
            group="search",
            exit_on_error=False,
        )

    def _run_scan(self, scan: int, query: Query, lo: int, hi: int, epoch: int) -> None:
        """On the worker thread; always answers, so the next scan can start."""
        worker = get_current_worker()
        matches = None
        try:
            matches = query.scan(
                self.state.buffer,
                lo,
                hi,
                cancelled=lambda: worker.is_cancelled or query is not self.state.query,
            )
        finally:
            if worker.is_cancelled:
                matches = None
            self.screen.post_message(SearchScanned(scan, query, matches, lo, hi, epoch))

    def scanned(self, message: SearchScanned) -> bool:
        """A scan answered; True when its matches changed what is shown."""
        if message.scan == self._scan:
            self._scan = 0
        if message.matches is None:
            return False
        state, log = self.state, self.log
        visible_before = len(state)
        if not state.add_matches(
            message.matches, message.lo, message.hi, message.epoch, message.query
        ):
            return False
        if state.filtering_by_query:
            log.data_changed(len(state) - visible_before if message.lo else 0)
        else:
            log.refresh()
        if self.jump_after_scan and not state.search_pending:
            self.jump_after_scan = False
            self.jump(None)
        return True

    # -- hits -------------------------------------------------------------------------------

    def jump(self, direction: int | None) -> None:
        """Move to a hit: the nearest at or above the cursor (or the bottom) when direction is
        None, else the next (1) or previous (-1) one."""
        state, log = self.state, self.log
        if not state.hits:
            if state.searching and not state.search_pending:
                self.screen.notify("No matches", severity="warning", timeout=2)
            return
        current = log.selected_line()
        if direction is None:
            target = state.next_hit(current + 1 if current is not None else None, forward=False)
        else:
            target = state.next_hit(current, forward=direction > 0)
        if target is not None:
            log.move_cursor_to(state.pos_of(target))
