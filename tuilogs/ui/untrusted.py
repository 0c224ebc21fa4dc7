"""Text from logs and servers, put into widgets: controls escaped, never read as markup.

A dyno name, a file name, a server's error message or a drain token is untrusted: sent raw,
`ESC k … ESC \\` renames the terminal window and `ESC [ 2 J` clears it; read as Textual markup,
`[link=…]` makes a hyperlink of the sender's choosing and `[/]` crashes the widget. Every widget
that shows such text goes through one of these (the log pane styles its escapes itself).
"""

from __future__ import annotations

from rich.text import Text
from textual.dom import DOMNode
from textual.notifications import SeverityLevel

from tuilogs.core.safety import escape_controls


def plain(text: str, style: str = "") -> Text:
    """`text` as a Rich Text, its controls shown escaped (`\\x1b`); Text is never markup."""
    return Text(escape_controls(text), style=style)


def tell(
    node: DOMNode,
    message: str,
    *,
    title: str = "",
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """A notice quoting untrusted text (a note of a producer, a path, a server's answer)."""
    node.notify(
        escape_controls(message),
        title=escape_controls(title),
        severity=severity,
        timeout=timeout,
        markup=False,
    )
