"""The help screen: every key, read from the bindings and grouped by area, and the search
language (prose: it has no keys).

The keys come from the screen that opens it (`ExplorerScreen.key_entries`): the bindings are
the one key list, so a key added, changed or removed there shows here as it is.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from tuilogs.ui.keys import AREAS, KeyEntry, by_area, key_label, keymap

COLUMNS = (
    ("log", "search", "time", "stats", "saved"),
    ("sidebar", "detail", "drains", "builds", "app"),
)
KEY_WIDTH = 14
NARROW = 100  # columns below which the two columns of keys become one

# What no binding of ours says: keys that Textual's widgets own, and the mouse.
EXTRA_ROWS = {
    "log": [("double-click", "The line's details")],
    "search": [("Enter", "In the box: back to the log")],
    "sidebar": [("Enter", "Hide or show it, as space does"), ("Tab", "Focus the sidebar")],
}

SEARCH_LANGUAGE = """\
**Search language** — terms combine with AND, `a OR b` either (AND binds tighter), `( )` group,
`-term` or `-(…)` negates: `timeout` (smart case) · `"a phrase"` · `/regex/` · `status:500`
`status:5xx` `status>=500` `service>1000` · `path:/api` `msg:"two words"` · `level:error`
`level>=warning` · `code:H12` `code:*` · `dyno:web` `source:app` (Heroku's filters: web.1,
web.12 — `dyno:web.1` is not web.10; `dyno:` takes the router lines of requests the dyno
served too) · `dyno=web.1` (only the router's own `dyno=` field) ·
`status>=500 OR code:H12` · `-(path:/health OR path:/static)`. With a filter on, `/` finds
within it. `NO_COLOR=1` turns colours off; control characters in messages are shown escaped
(`\\x1b`), never sent to the terminal.
"""


def help_rows(keys: list[KeyEntry], palette_key: str) -> dict[str, list[tuple[str, str]]]:
    """(keys, what they do) rows by area, in AREAS order: the bindings, then EXTRA_ROWS."""
    rows = {
        area: [(entry.label, entry.help) for entry in entries]
        for area, entries in by_area(keys).items()
    }
    for area, extra in EXTRA_ROWS.items():
        rows.setdefault(area, []).extend(extra)
    rows.setdefault("app", []).append((key_label(palette_key), "Commands that apply now"))
    return {area: rows[area] for area in AREAS if area in rows}


def area_text(area: str, rows: list[tuple[str, str]]) -> Text:
    """One area of the help: its title, then a key column and what each key does."""
    text = Text(AREAS[area], style="bold")
    for keys, what in rows:
        text.append("\n")
        text.append(keys.ljust(KEY_WIDTH), style="bold")
        text.append(" " + what)
    return text


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 116; max-width: 98%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen Horizontal { height: auto; }
    HelpScreen Vertical { width: 1fr; height: auto; }
    HelpScreen .help-area { margin: 0 2 1 0; }
    HelpScreen Markdown { margin: 0; padding: 0; }
    HelpScreen.-narrow Horizontal { layout: vertical; }
    """
    BINDINGS = keymap("help")

    def __init__(self, keys: list[KeyEntry]) -> None:
        super().__init__()
        self.keys = keys
        self.rows: dict[str, list[tuple[str, str]]] = {}

    def compose(self) -> ComposeResult:
        self.rows = help_rows(self.keys, self.app.COMMAND_PALETTE_BINDING)
        with VerticalScroll():
            with Horizontal():
                for column in COLUMNS:
                    with Vertical():
                        for area in column:
                            if area in self.rows:
                                yield Static(area_text(area, self.rows[area]), classes="help-area")
            yield Markdown(SEARCH_LANGUAGE)

    def on_resize(self, event) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")
