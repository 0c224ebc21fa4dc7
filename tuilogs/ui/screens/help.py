"""The help screen: every key, grouped the way a newcomer looks for them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
## Log pane
- `↑ ↓` `j k` move the cursor (pauses following) · `PgUp PgDn` `space` page
- `Home` `g` top · `End` `G` bottom, and follow new lines
- `← →` `h l` scroll sideways · `w` wrap long lines · `t` timestamps: received → local → relative
- `Enter` or double-click: the line's details (fields, JSON, what its error code means)
- `c` copy the selected line (OSC 52: works over SSH) · `e` export the shown lines to a file

## Search
- `/` find: highlight matches, `n` / `N` next / previous, the status line shows 3/120
- `&` filter: show only matching lines · in the box, `Tab` or `Ctrl+T` switches find ↔ filter
- `Enter` back to the log · `Esc` clear the search

`timeout` (smart case) · `"a phrase"` · `/regex/` · `status:500` `status:5xx` `status>=500`
`service>1000` · `path:/api` · `user_id:42` · `level:error` `level>=warning` · `code:H12`
`dyno:web` (web.1, web.12 — not web.10 for `dyno:web.1`) · `source:app` · `-term` negates.
Terms are combined with AND.

## Sidebar (`Tab` to focus, `s` to show/hide)
- `space` `x` `Enter` hide/show this source or dyno · `o` only this
- `i` `+` include (then only included ones show) · `-` exclude · `0` `Backspace` clear all

## Everywhere
- `D` log drains of the app (add `a`, remove `d`, copy token `c`) — when following an app
- `Ctrl+P` command palette (every action) · `?` `F1` this help · `q` `Ctrl+C` quit

`NO_COLOR=1` turns colours off. Control characters in messages are shown escaped (`\\x1b`),
never sent to the terminal.
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 95%; height: 90%; border: round $accent; background: $surface;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)
