"""The search box: one input, two modes (find highlights and jumps; filter hides the rest)."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Input, Label

from tuilogs.core.query import QueryError, parse_query
from tuilogs.core.view import FILTER, FIND
from tuilogs.ui.keyorder import run_bindings_now
from tuilogs.ui.keys import keymap
from tuilogs.ui.messages import SearchClosed, SearchSubmitted
from tuilogs.ui.untrusted import plain

PLACEHOLDER = "text  /regex/  status>=500  level:error  dyno:web  -source:heroku  code:H12"


class SearchInput(Input):
    """The box: keys typed in one burst keep their order (see `tuilogs.ui.keyorder`)."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable and await run_bindings_now(self.screen, event.key):
            event.stop()
            event.prevent_default()  # Input's own handler has nothing left to do

    def type_text(self, text: str) -> None:
        """Type `text` as Input types a printable key (over the selection, if any)."""
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)


class SearchBar(Horizontal):
    """Posts `SearchSubmitted` as the user types and on Enter, `SearchClosed` when it closes;
    Escape clears. The screen debounces, parses and scans."""

    DEFAULT_CSS = """
    SearchBar { height: 1; display: none; }
    SearchBar.-visible { display: block; }
    SearchBar > #search-mode { width: auto; padding: 0 1; background: $accent; color: $text; }
    SearchBar > Input, SearchBar > Input:focus { border: none; height: 1; padding: 0 1; width: 1fr; }
    SearchBar > Input.-bad-query { color: $error; }
    SearchBar > #search-error { width: auto; max-width: 60%; color: $error; padding: 0 1; }
    SearchBar > #search-count { width: auto; color: $text-muted; padding: 0 1; }
    """
    BINDINGS = keymap("search_bar")

    mode: reactive[str] = reactive(FIND)
    within = False  # finding inside a filter: the label says so
    _count_width = 0
    _count_text: str | None = None

    def compose(self) -> ComposeResult:
        yield Label("Find", id="search-mode")
        yield SearchInput(placeholder=PLACEHOLDER, id="search-input")
        yield Label("", id="search-error")
        yield Label("", id="search-count")

    @property
    def input(self) -> SearchInput:
        return self.query_one(SearchInput)

    def open(self, mode: str, text: str | None = None, focus: bool = True) -> None:
        """Show the box in `mode`: with `text` (editing that search, which is not submitted
        again), or with what it holds (switching it to `mode`, as Tab does)."""
        if text is None:
            self.mode = mode
        else:
            with self.input.prevent(Input.Changed):
                self.input.value = text
            self.set_reactive(SearchBar.mode, mode)
            self.show_error("")
        self._show_mode()
        self.add_class("-visible")
        if focus:
            # At once, not after a refresh (`focus()`): the keys typed after `/` are the box's.
            self.screen.set_focus(self.input)

    def show_query(self, text: str, mode: str) -> None:
        """A search applied from elsewhere (`-q`, a stats row, a saved search): shown in the
        box, in its mode, while the keys stay where they are."""
        self.open(mode, text, focus=False)

    def _show_mode(self) -> None:
        label = "Filter" if self.mode == FILTER else "Find in filter" if self.within else "Find"
        self.query_one("#search-mode", Label).update(label)

    def watch_mode(self, mode: str) -> None:
        self._show_mode()
        if self.is_mounted and self.input.value:
            self.post_message(SearchSubmitted(self.input.value, mode, final=True))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Its keys act only while it is open (the command palette asks too).
        return self.has_class("-visible") or action not in ("toggle_mode", "clear")

    def show_count(self, found: int | None, mode: str, scanning: bool) -> None:
        """`12 matches` (find) or `340 lines` (filter); nothing without a search."""
        if found is None:
            self.set_count("")
            return
        noun = (
            ("match" if found == 1 else "matches")
            if mode == FIND
            else ("line" if found == 1 else "lines")
        )
        self.set_count(f"{found:,} {noun}" + ("…" if scanning else ""))

    def set_count(self, text: str) -> None:
        if text != self._count_text:
            self._count_text = text
            self.query_one("#search-count", Label).update(
                text, layout=self._count_width != len(text)
            )
            self._count_width = len(text)

    def show_error(self, message: str) -> None:
        # Not Input's own `-invalid`: its tall border would hide the text in a one-line box.
        self.input.set_class(bool(message), "-bad-query")
        self.query_one("#search-error", Label).update(plain(message))  # may quote the query

    def validate(self, text: str) -> bool:
        try:
            parse_query(text)
        except QueryError as exc:
            self.show_error(str(exc))
            return False
        self.show_error("")
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.validate(event.value):
            self.post_message(SearchSubmitted(event.value, self.mode, final=False))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.validate(event.value):
            self.post_message(SearchSubmitted(event.value, self.mode, final=True))
            self.post_message(SearchClosed(cleared=False))

    def action_toggle_mode(self) -> None:
        self.mode = FILTER if self.mode == FIND else FIND

    def action_clear(self) -> None:
        self.input.value = ""
        self.show_error("")
        self.remove_class("-visible")
        self.post_message(SearchSubmitted("", self.mode, final=True))
        self.post_message(SearchClosed(cleared=True))
