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
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from tuilogs.core.safety import escape_controls
from tuilogs.platform.alerts import AlertFiring
from tuilogs.ui.screens.drains import error_text
from tuilogs.ui.search_book import SearchBook
from tuilogs.ui.untrusted import plain, tell

EMPTY_HINT = "No saved searches. Search with / or &, then press a here to save it."


def firing_line(firing: AlertFiring) -> Text:
    when = datetime.fromtimestamp(firing.at).strftime("%H:%M:%S")
    return plain(f"{when}  {firing.message}")


class SavedSearchesPanel(ModalScreen[str | None]):
    """Named queries: Enter applies one, `a` saves the current search, `d` removes one."""

    DEFAULT_CSS = """
    SavedSearchesPanel { align: center middle; }
    SavedSearchesPanel > #saved-box {
        width: 90%; max-width: 120; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
        border-title-color: $accent; border-title-style: bold;
        border-subtitle-color: $text-muted;
    }
    SavedSearchesPanel #saved-status { color: $text-muted; }
    SavedSearchesPanel #saved-status.-error { color: $error; }
    SavedSearchesPanel OptionList { height: auto; max-height: 12; border: none; padding: 0; }
    SavedSearchesPanel #saved-add { height: auto; display: none; }
    SavedSearchesPanel #saved-add.-open { display: block; }
    SavedSearchesPanel #saved-add Label { color: $text-muted; }
    SavedSearchesPanel #saved-firings-title { margin-top: 1; text-style: bold; }
    SavedSearchesPanel #saved-firings { color: $error; height: auto; }
    SavedSearchesPanel Footer { dock: none; margin-top: 1; }
    """
    BINDINGS = [
        Binding("a", "add", "Save current", id="saved.add"),
        Binding("d,delete", "remove", "Remove", id="saved.remove"),
        Binding("escape", "close", "Close", id="saved.close"),
    ]

    def __init__(self, book: SearchBook, title: str, current: str | None) -> None:
        super().__init__()
        self.book = book
        self.title_name = title
        self.current = current
        self.searches: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="saved-box") as box:
            box.border_title = f"Saved searches · {escape_controls(self.title_name)}"
            box.border_subtitle = self.book.where
            yield Static(Text("Loading…"), id="saved-status")
            yield OptionList(id="saved-list")
            with Vertical(id="saved-add"):
                yield Label(plain(f"Save {self.current or ''} as (Enter saves, Esc cancels):"))
                yield Input(placeholder="a name, e.g. timeouts", id="saved-name", compact=True)
            yield Static("Recent alerts", id="saved-firings-title")
            yield Static(id="saved-firings")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.query_one("#saved-firings-title").display = False
        self._load()

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#saved-status", Static)
        status.update(plain(text))
        status.set_class(error, "-error")

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

    @property
    def adding(self) -> bool:
        return self.query_one("#saved-add").has_class("-open")

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
        self.query_one("#saved-add").add_class("-open")
        self.query_one("#saved-name", Input).focus()

    def action_remove(self) -> None:
        chosen = self.selected
        if chosen is not None:
            self._remove(chosen[0])

    def action_close(self) -> None:
        if self.adding:
            self.query_one("#saved-add").remove_class("-open")
            self.query_one(OptionList).focus()
            return
        self.dismiss(None)

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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "saved":
            return
        event.stop()
        if event.state == WorkerState.SUCCESS and isinstance(worker.result, tuple):
            self._show(*worker.result)
            if worker.name == "save":
                self.query_one("#saved-name", Input).value = ""
                self.query_one("#saved-add").remove_class("-open")
                self.query_one(OptionList).focus()
        elif event.state == WorkerState.ERROR:
            what = {"save": "save the search", "remove": "remove the search"}
            action = what.get(worker.name, "list saved searches")
            message = str(worker.error) if isinstance(worker.error, ValueError) else None
            self._status(f"Could not {action}: {message or error_text(worker.error)}", True)
