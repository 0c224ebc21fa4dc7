"""What the explorer gains from saved searches and alerts, kept out of explorer.py: the `'`
key (and palette command) for the saved-searches panel, and — for an app on a router — a
watch on its alert firings.

The watch asks the router for firings newer than the last it saw every `POLL` seconds, on a
worker thread; a new one is told at once wherever you are (a notice above any screen) and
stays in the header (`⚠ alert: h12`) until the panel, which lists recent firings,
is opened. A router that cannot answer is skipped quietly: the next poll tries again.

The Platform client (httpx) is imported only when an app is followed: `tuilogs FILE` does not
pay for it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tuilogs.core.query import QueryError, parse_query
from tuilogs.ui.keys import keymap
from tuilogs.ui.untrusted import tell

if TYPE_CHECKING:
    from tuilogs.platform.alerts import AlertFiring

POLL = 2.0  # seconds between asking the router for new firings


class SavedSearchesAndAlerts(Screen):
    """A base of the explorer screen (see the module docstring)."""

    SHARE_BINDINGS = True  # its keys are the explorer's, in help and the palette (ui/keys.py)

    BINDINGS = keymap("explorer_saved")

    _alerts_after: float | None = None  # the newest firing seen (None: not asked yet)
    _alert_title: str | None = None  # the title before a firing was added to it

    def _on_router(self) -> bool:
        """Whether the followed app is on a tuilogs router (Heroku has no alert rules)."""
        app = self.options.app  # type: ignore[attr-defined]
        return app is not None and app.client.kind != "heroku"

    def on_mount(self) -> None:
        if self._on_router():
            self._poll_firings()
            self.set_interval(POLL, self._poll_firings)

    # -- saved searches ----------------------------------------------------------------------

    def action_saved_searches(self) -> None:
        from tuilogs.ui.screens.saved_searches import SavedSearchesPanel
        from tuilogs.ui.search_book import book_for

        options = self.options  # type: ignore[attr-defined]
        state = self.state  # type: ignore[attr-defined]
        current = state.query.text if state.searching and state.query is not None else None
        title = options.app.name if options.app is not None else "files"
        self._acknowledge_alerts()
        self.app.push_screen(SavedSearchesPanel(book_for(options), title, current), self._apply)

    def _apply(self, text: str | None) -> None:
        if text is None:
            return
        try:
            query = parse_query(text)
        except QueryError as exc:  # saved by another version with other rules
            tell(self, f"{text}: {exc}", severity="error")
            return
        self.search.filter_by(query)  # type: ignore[attr-defined]

    # -- alert firings -----------------------------------------------------------------------

    def _poll_firings(self) -> None:
        if not any(w.group == "alerts" and not w.is_finished for w in self.workers):
            self._fetch_firings(self._alerts_after)

    @work(thread=True, group="alerts", exit_on_error=False)
    def _fetch_firings(self, after: float | None) -> list[AlertFiring] | None:
        from tuilogs.platform.alerts import AlertsApi
        from tuilogs.platform.errors import PlatformError

        app = self.options.app  # type: ignore[attr-defined]
        try:
            return AlertsApi(app.client).firings(app.name, after=after or 0.0, limit=20)
        except PlatformError:
            return None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "alerts" or event.state != WorkerState.SUCCESS:
            return
        firings = worker.result
        if not isinstance(firings, list):
            return
        first = self._alerts_after is None
        if firings:
            self._alerts_after = max(f.at for f in firings)
        elif first:
            self._alerts_after = time.time() - 1.0  # none yet: any firing from now on is new
        if not first:
            for firing in reversed(firings):  # oldest first
                self._tell_firing(firing)

    def _tell_firing(self, firing: AlertFiring) -> None:
        tell(self.app, firing.message, title="Alert", severity="error", timeout=30)
        if self._alert_title is None:
            self._alert_title = self.title_text  # type: ignore[attr-defined]
        self.title_text = f"{self._alert_title} · ⚠ alert: {firing.rule}"
        self._show_bars()  # type: ignore[attr-defined]

    def _acknowledge_alerts(self) -> None:
        if self._alert_title is not None:
            self.title_text = self._alert_title
            self._alert_title = None
            self._show_bars()  # type: ignore[attr-defined]
