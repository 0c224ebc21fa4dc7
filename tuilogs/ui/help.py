"""The help screen: every key, grouped the way a newcomer looks for them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# tuilogs keys

| Log pane | |
|---|---|
| `↑ ↓` `j k` | move the cursor (pauses following) |
| `PgUp PgDn` `space` | page |
| `Home` `g` / `End` `G` | top / bottom and follow new lines |
| `← →` `h l` | scroll sideways (when not wrapping) |
| `Enter`, double-click | details of the line: fields, JSON, error code |
| `w` | wrap long lines on/off |
| `t` | timestamps: as received → local time → relative |

| Search | |
|---|---|
| `/` | find: highlight matches, `n` / `N` next / previous |
| `&` | filter: show only matching lines |
| `Tab` or `Ctrl+T` (in the box) | switch find ↔ filter |
| `Enter` / `Esc` (in the box) | back to the log / clear the search |

Search language: `timeout` (smart case), `"a phrase"`, `/regex/`, `status:500`, `status:5xx`,
`status>=500`, `service>1000`, `path:/api`, `user_id:42`, `level:error`, `level>=warning`,
`code:H12`, `dyno:web` (matches web.1, web.12), `source:app`, and `-` before any term to negate.
Terms are combined with AND.

| Sidebar (`Tab` to focus, `s` to show/hide) | |
|---|---|
| `space` `x` `Enter` | hide / show this source or dyno |
| `o` | only this |
| `i` `+` | include (show only the included ones) |
| `-` | exclude |
| `0` `Backspace` | clear all source/dyno filters |

| Everywhere | |
|---|---|
| `e` | export the lines on screen (filtered) to a file |
| `c` | copy the selected line (OSC 52 — works over SSH) |
| `D` | log drains panel (live sources) |
| `Ctrl+P` | command palette: every action |
| `?` `F1` | this help |
| `q` `Ctrl+C` | quit |

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
