"""The search box: one input, two modes (find highlights and jumps; filter hides the rest)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Label

from tuilogs.core.query import QueryError, parse_query
from tuilogs.core.view import FILTER, FIND

PLACEHOLDER = "text  /regex/  status>=500  level:error  dyno:web  -source:heroku  code:H12"


class SearchBar(Horizontal):
    """Posts `Submitted` as the user types (debounced) and on Enter; Escape clears."""

    DEFAULT_CSS = """
    SearchBar { height: 1; display: none; }
    SearchBar.-visible { display: block; }
    SearchBar > #search-mode { width: auto; padding: 0 1; background: $accent; color: $text; }
    SearchBar > Input, SearchBar > Input:focus { border: none; height: 1; padding: 0 1; width: 1fr; }
    SearchBar > Input.-invalid { color: $error; }
    SearchBar > #search-error { width: auto; max-width: 60%; color: $error; padding: 0 1; }
    SearchBar > #search-count { width: auto; color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("ctrl+t,tab", "toggle_mode", "Find/filter", id="search.mode"),
        Binding("escape", "clear", "Clear search", id="search.clear"),
    ]

    mode: reactive[str] = reactive(FIND)
    _count_width = 0

    class Submitted(Message):
        def __init__(self, text: str, mode: str, final: bool) -> None:
            super().__init__()
            self.text = text
            self.mode = mode
            self.final = final

    class Closed(Message):
        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def compose(self) -> ComposeResult:
        yield Label("Find", id="search-mode")
        yield Input(placeholder=PLACEHOLDER, id="search-input")
        yield Label("", id="search-error")
        yield Label("", id="search-count")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def open(self, mode: str) -> None:
        self.mode = mode
        self.add_class("-visible")
        self.input.focus()

    def watch_mode(self, mode: str) -> None:
        self.query_one("#search-mode", Label).update("Filter" if mode == FILTER else "Find")
        if self.is_mounted and self.input.value:
            self.post_message(self.Submitted(self.input.value, mode, final=True))

    def set_count(self, text: str) -> None:
        if text != getattr(self, "_count_text", None):
            self._count_text = text
            self.query_one("#search-count", Label).update(
                text, layout=self._count_width != len(text)
            )
            self._count_width = len(text)

    def show_error(self, message: str) -> None:
        self.input.set_class(bool(message), "-invalid")
        self.query_one("#search-error", Label).update(message)

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
            self.post_message(self.Submitted(event.value, self.mode, final=False))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.validate(event.value):
            self.post_message(self.Submitted(event.value, self.mode, final=True))
            self.post_message(self.Closed(cleared=False))

    def action_toggle_mode(self) -> None:
        self.mode = FILTER if self.mode == FIND else FIND

    def action_clear(self) -> None:
        self.input.value = ""
        self.show_error("")
        self.remove_class("-visible")
        self.post_message(self.Submitted("", self.mode, final=True))
        self.post_message(self.Closed(cleared=True))
