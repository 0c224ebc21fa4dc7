"""The saved-searches panel: an app's (or the files') named queries, applied with Enter, the
current search saved with `a`, one removed with `d`; and for a router app the latest alert
firings. Calls run on worker threads and failures show inside the panel, as the drain panel
does. Dismissed with the chosen query (the explorer filters by it) or None.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from tuilogs.core.safety import escape_controls
from tuilogs.platform.alerts import AlertFiring
from tuilogs.ui.keys import keymap
from tuilogs.ui.screens.list_panel import ListPanel, error_text
from tuilogs.ui.search_book import SearchBook
from tuilogs.ui.untrusted import plain, tell

EMPTY_HINT = "No saved searches. Search with / or &, then press a here to save it."


def firing_line(firing: AlertFiring) -> Text:
    when = datetime.fromtimestamp(firing.at).strftime("%H:%M:%S")
    return plain(f"{when}  {firing.message}")


class SavedSearchesPanel(ListPanel[str | None]):
    """Named queries: Enter applies one, `a` saves the current search, `d` removes one."""

    # Narrower than the other panels; the list sits right under the status line, the form
    # right under the list.
    DEFAULT_CSS = """
    SavedSearchesPanel > #saved-box { max-width: 120; }
    SavedSearchesPanel #saved-status { margin-bottom: 0; }
    SavedSearchesPanel OptionList { height: auto; max-height: 12; border: none; padding: 0; }
    SavedSearchesPanel #saved-add { margin-top: 0; }
    SavedSearchesPanel #saved-firings-title { margin-top: 1; text-style: bold; }
    SavedSearchesPanel #saved-firings { color: $error; height: auto; }
    """
    GROUP = "saved"
    BINDINGS = keymap("saved_searches")

    def __init__(self, book: SearchBook, title: str, current: str | None) -> None:
        super().__init__(f"Saved searches · {escape_controls(title)}", book.where)
        self.book = book
        self.current = current
        self.searches: list[tuple[str, str]] = []

    def compose_rows(self) -> ComposeResult:
        yield OptionList(id="saved-list")
        yield self.form(
            Label(plain(f"Save {self.current or ''} as (Enter saves, Esc cancels):")),
            Input(placeholder="a name, e.g. timeouts", id="saved-name", compact=True),
        )
        yield Static("Recent alerts", id="saved-firings-title")
        yield Static(id="saved-firings")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.query_one("#saved-firings-title").display = False
        self._load()

    def _show(self, searches: list[tuple[str, str]], firings: list[AlertFiring]) -> None:
        self.searches = searches
        width = max((len(name) for name, _ in searches), default=0)
        options = self.query_one(OptionList)
        keep = options.highlighted or 0
        options.clear_options()
        options.add_options(
            Option(plain(f"{name:<{width}}  {query}"), id=name) for name, query in searches
        )
        if searches:
            options.highlighted = min(keep, len(searches) - 1)
        count = len(searches)
        self._status(EMPTY_HINT if not count else f"{count} saved search{'es' * (count != 1)}")
        self.query_one("#saved-firings-title").display = bool(firings)
        lines = Text("\n").join(firing_line(f) for f in firings)
        self.query_one("#saved-firings", Static).update(lines)

    @property
    def selected(self) -> tuple[str, str] | None:
        index = self.query_one(OptionList).highlighted
        return self.searches[index] if index is not None and index < len(self.searches) else None

    def focus_rows(self) -> None:
        self.query_one(OptionList).focus()

    # -- actions -------------------------------------------------------------------------

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        for name, query in self.searches:
            if name == event.option.id:
                self.dismiss(query)

    def action_add(self) -> None:
        if not self.current:
            tell(self, "Search first (/ or &), then save the search here", severity="warning")
            return
        self.open_form()
        self.query_one("#saved-name", Input).focus()

    def action_remove(self) -> None:
        chosen = self.selected
        if chosen is not None:
            self._remove(chosen[0])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        if name and self.current:
            self._save(name, self.current)

    # -- workers -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="saved", exit_on_error=False, name="load")
    def _load(self) -> tuple[list[tuple[str, str]], list[AlertFiring]]:
        return self.book.searches(), self.book.firings()

    @work(thread=True, exclusive=True, group="saved", exit_on_error=False, name="save")
    def _save(self, name: str, query: str) -> tuple[list[tuple[str, str]], list[AlertFiring]]:
        self.book.save(name, query)
        return self.book.searches(), self.book.firings()

    @work(thread=True, exclusive=True, group="saved", exit_on_error=False, name="remove")
    def _remove(self, name: str) -> tuple[list[tuple[str, str]], list[AlertFiring]]:
        self.book.remove(name)
        return self.book.searches(), self.book.firings()

    def call_changed(self, worker: Worker, state: WorkerState) -> None:
        if state == WorkerState.SUCCESS and isinstance(worker.result, tuple):
            self._show(*worker.result)
            if worker.name == "save":
                self.query_one("#saved-name", Input).value = ""
                self.close_form()
        elif state == WorkerState.ERROR:
            what = {"save": "save the search", "remove": "remove the search"}
            action = what.get(worker.name, "list saved searches")
            message = str(worker.error) if isinstance(worker.error, ValueError) else None
            self._status(f"Could not {action}: {message or error_text(worker.error)}", True)
