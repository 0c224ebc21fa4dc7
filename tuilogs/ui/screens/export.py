"""Ask where to export the current view."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class ExportScreen(ModalScreen[str | None]):
    """Returns the path typed, or None when cancelled."""

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 70; max-width: 95%; height: auto; border: round $accent; background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, default: str, count: int) -> None:
        super().__init__()
        self.default = default
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Export {self.count:,} lines (as shown, filters applied) to:")
            yield Input(value=self.default, id="export-path")
            yield Label("Enter to write, Esc to cancel", classes="dim")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
