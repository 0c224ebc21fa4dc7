"""The explorer's commands for reading around a line: errors, marks, context, requests.

Kept beside the explorer screen (a mixin of it) so the screen stays about the batch loop and
the search: each command here is a binding with an id (so it is in the help and the palette)
and an action over the screen's ExplorerState and log pane. Searches for the next error run on
a worker thread, as the search does; the rest are array operations in the core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from tuilogs.core.errorlines import next_error
from tuilogs.core.query import QueryError, parse_query
from tuilogs.core.record import LogRecord
from tuilogs.core.requests import request_filter

if TYPE_CHECKING:
    from tuilogs.core.buffer import LogBuffer
    from tuilogs.core.view import ExplorerState
    from tuilogs.ui.search import SearchController
    from tuilogs.ui.widgets.log_view import LogView


class ContextCommands:
    """Actions of CONTEXT_BINDINGS, for ExplorerScreen (which provides these attributes)."""

    state: ExplorerState
    buffer: LogBuffer
    search: SearchController
    log_view: LogView
    notify: Callable[..., None]
    run_worker: Callable[..., object]
    call_after_refresh: Callable[..., object]
    _show_bars: Callable[[], None]

    def check_context_action(self, action: str) -> bool | None:
        """Whether a command of this module applies now (None: not one of them)."""
        state = self.state
        checks: dict[str, Callable[[], bool]] = {
            "next_error": lambda: len(state) > 0,
            "toggle_mark": lambda: len(state) > 0,
            "follow_request": lambda: len(state) > 0,
            "next_mark": lambda: len(state.marks) > 0,
            "marked_only": lambda: len(state.marks) > 0 or state.marked_only,
            "toggle_context": lambda: True,
            "context_size": lambda: state.context > 0,
            "show_in_context": lambda: state.suspended or state.filter_active,
        }
        check = checks.get(action)
        return None if check is None else check()

    # -- the view changes; the reader stays on their line ------------------------------------

    def _refilter(self, change: Callable[[], None], anchor: int | None = None) -> None:
        log = self.log_view
        if anchor is None and log.cursor is not None:
            anchor = log.selected_line()
        change()
        log.cursor = self.state.pos_of(anchor) if anchor is not None and len(self.state) else None
        log.reset_view()
        if log.cursor is not None:
            log.move_cursor_to(log.cursor)
            # A view that grew has no scrollbar to scroll with until it is laid out: again then.
            self.call_after_refresh(self._keep_cursor_in_view)
        self.search.kick()
        self._show_bars()

    def _keep_cursor_in_view(self) -> None:
        log = self.log_view
        if log.cursor is not None:
            log.move_cursor_to(log.cursor)

    def _go_to_line(self, line: int) -> None:
        self.log_view.move_cursor_to(self.state.pos_of(line))

    # -- errors -------------------------------------------------------------------------------

    def action_next_error(self, direction: int) -> None:
        state, log = self.state, self.log_view
        forward = direction > 0
        if log.cursor is not None:
            pos = log.cursor
        else:  # following: from the top of the screen down, or from the bottom up
            pos = int(log.scroll_offset.y) - 1 if forward else len(state)
        visible, epoch = state.visible, self.buffer.epoch

        def work() -> None:
            worker = get_current_worker()
            line = next_error(self.buffer, visible, pos, forward, lambda: worker.is_cancelled)
            if not worker.is_cancelled:
                self.app.call_from_thread(self._error_found, line, forward, epoch)

        self.run_worker(work, thread=True, exclusive=True, group="errors", exit_on_error=False)

    def _error_found(self, line: int | None, forward: bool, epoch: int) -> None:
        if epoch != self.buffer.epoch:
            return
        if line is None:
            where = "below" if forward else "above"
            self.notify(f"No error {where} this line", severity="warning", timeout=3)
        elif self.state.shows(line):
            self._go_to_line(line)

    # -- marks --------------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        line = self.log_view.selected_line()
        if line is None:
            return
        self.state.marks.toggle(line)
        if self.state.marked_only:
            self._refilter(self.state.recompute, anchor=line)
        self.log_view.refresh()

    def action_next_mark(self, direction: int) -> None:
        current = self.log_view.selected_line() if self.log_view.cursor is not None else None
        line = self.state.marks.next(current, direction > 0, among=self.state.shows)
        if line is None:
            self.notify("No marked line in view", severity="warning", timeout=3)
        else:
            self._go_to_line(line)

    def action_marked_only(self) -> None:
        state = self.state
        if not state.marked_only and not len(state.marks):
            self.notify("Mark lines with m first", severity="warning", timeout=3)
            return
        self._refilter(lambda: state.set_marked_only(not state.marked_only))

    # -- context ------------------------------------------------------------------------------

    def action_toggle_context(self) -> None:
        state = self.state
        lines = 0 if state.context else state.context_size
        if lines and not state.filter_active:
            self.notify(
                f"Context: {lines} lines around each filtered line, once a filter is on",
                timeout=4,
            )
        self._refilter(lambda: state.set_context(lines))

    def action_context_size(self, delta: int) -> None:
        state = self.state
        self._refilter(lambda: state.set_context(max(state.context + delta, 1)))

    def action_show_in_context(self) -> None:
        state = self.state
        line = self.log_view.selected_line()
        self._refilter(lambda: state.set_suspended(not state.suspended), anchor=line)

    # -- requests and fields ------------------------------------------------------------------

    def action_follow_request(self) -> None:
        line = self.log_view.selected_line()
        query = request_filter(self.buffer.record(line)) if line is not None else None
        if query is None:
            self.notify("This line has no request_id", severity="warning", timeout=3)
            return
        self.filter_by(query)

    def filter_by(self, text: str) -> None:
        """Filter by `text` (a request, a field's value), as if typed after `&`."""
        try:
            query = parse_query(text)
        except QueryError as exc:
            self.notify(str(exc), severity="error")
            return
        log = self.log_view
        line = log.selected_line() if log.cursor is not None else None
        self.state.suspended = False
        self.search.filter_by(query, land_on=line)
        if self.state.filter.active:
            self.notify("The sidebar's filters still apply (0 in the sidebar clears them)")
        self._show_bars()

    def open_detail(self, line: int) -> None:
        """The detail view of `line`, stepping along the view and filtering from it."""
        from tuilogs.ui.screens.detail import DetailScreen  # on first use: faster start

        def done(query: str | None) -> None:
            if query:
                self.filter_by(query)

        screen = DetailScreen(self.buffer.record(line), line, self._step_detail)
        self.app.push_screen(screen, done)

    def _step_detail(self, direction: int) -> tuple[LogRecord, int] | None:
        state, log = self.state, self.log_view
        n = len(state)
        pos = (log.cursor if log.cursor is not None else n - 1) + direction
        if not 0 <= pos < n:
            return None
        log.move_cursor_to(pos)
        line = state.line_at(pos)
        return self.buffer.record(line), line
