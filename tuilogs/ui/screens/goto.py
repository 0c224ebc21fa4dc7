"""The go-to prompt (Ctrl+G): a line number, a share of the lines, or a time."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tuilogs.core.safety import escape_controls
from tuilogs.ui.keys import keymap

HINT = (
    "1234 (a line) · 50% · 12:30 · 2026-11-01 12:30 · 2026-11-01T12:30:00Z · "
    "-15m / +2h (from the cursor's time) · today"
)


class GotoScreen(ModalScreen[None]):
    """Asks where to go; `go(text)` moves the pane there and returns None, or says why it
    cannot (shown here, the prompt stays open). Lands on the first shown line at or after a
    time, in the order lines arrived (core/timeline.py)."""

    DEFAULT_CSS = """
    GotoScreen { align: center middle; }
    GotoScreen > Vertical {
        width: 76; max-width: 95%; height: auto; border: round $accent; background: $surface;
        padding: 0 1;
    }
    GotoScreen Label { width: 100%; }
    GotoScreen #goto-error { color: $error; }
    GotoScreen .dim { color: $text-muted; }
    """
    BINDINGS = keymap("goto")

    def __init__(self, go: Callable[[str], str | None]) -> None:
        super().__init__()
        self.go = go

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Go to a line or a time:")
            yield Input(placeholder="line, %, time or -15m", id="goto-input")
            yield Label("", id="goto-error")
            yield Label(HINT, classes="dim")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.dismiss(None)
            return
        problem = self.go(event.value)
        if problem is None:
            self.dismiss(None)
        else:
            # What was typed comes back in the message: text, never markup or controls.
            self.query_one("#goto-error", Label).update(Text(escape_controls(problem)))

    def action_cancel(self) -> None:
        self.dismiss(None)
