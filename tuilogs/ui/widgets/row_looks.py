"""How a row of the log pane stands out: the cursor, a marked line, a context line, and the
separator drawn where context lines skip part of the buffer (`grep -C`'s `--`).

The pane (log_view.py) asks `row_look` for each row it paints and styles the row with the
component class of that look; separators are rows of their own, made here.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tuilogs.core.view import ExplorerState

CURSOR, MARK, CONTEXT, SEPARATOR, PLAIN = "cursor", "mark", "context", "separator", ""


class SeparatorStrip(Strip):
    """A row between two groups of lines: `── 42 lines ──`. Never the cursor's row."""


def separator(hidden: int, width: int, style: Style) -> SeparatorStrip:
    label = f" {hidden:,} line{'s' if hidden != 1 else ''} "
    text = ("──" + label).ljust(max(width, len(label) + 2), "─")
    return SeparatorStrip([Segment(text, style)], len(text))


def row_look(state: ExplorerState, pos: int, strip: Strip, cursor: int | None) -> str:
    """The look of a row showing visible position `pos` (`strip` is the row's content)."""
    if isinstance(strip, SeparatorStrip):
        return SEPARATOR
    if pos == cursor:
        return CURSOR
    line = state.line_at(pos)
    if line in state.marks:
        return MARK
    if state.is_context(line):
        return CONTEXT
    return PLAIN
