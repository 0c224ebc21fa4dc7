"""Ask where to export the current view, and write it there.

The dialog writes the file itself: a path that cannot be written (no such directory, no
permission) is said inside it, which stays open to fix the path, rather than closing on a
toast that loses what was typed. `~` is expanded and the path made absolute (`export_path`),
so the toast names the file in full. A switch redacts the export (docs/redaction.md), so a file
can be shared without the e-mails, cards, passwords and tokens in it; it starts on with
`--redact`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from tuilogs.core.export import export_lines, export_path
from tuilogs.ui.keys import keymap
from tuilogs.ui.untrusted import plain, tell

if TYPE_CHECKING:
    from tuilogs.core.redact import Redactor
    from tuilogs.ui.screens.explorer import ExplorerScreen


def export_view(screen: ExplorerScreen) -> None:
    """Ask where to export the lines the explorer shows (Ctrl+S), and say where they went."""
    default = f"tuilogs-export-{datetime.now():%Y%m%d-%H%M%S}.log"

    def write(path: Path, redaction: Redactor | None) -> int:  # the dialog's switch says
        return export_lines(screen.buffer, screen.state.visible, path, redaction)

    def done(written: tuple[Path, int] | None) -> None:
        if written is not None:
            path, count = written
            tell(screen, f"Exported {count:,} lines to {path}")

    dialog = ExportScreen(default, len(screen.state), write, screen.options.redaction)
    screen.app.push_screen(dialog, done)


class ExportScreen(ModalScreen[tuple[Path, int] | None]):
    """Returns (the file written, lines written), or None when cancelled."""

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 70; max-width: 95%; height: auto; border: round $accent; background: $surface;
        padding: 0 1;
    }
    ExportScreen #export-error { color: $error; }
    """
    BINDINGS = keymap("export")

    def __init__(
        self,
        default: str,
        count: int,
        write: Callable[[Path, Redactor | None], int],
        redaction: Redactor | None = None,
    ) -> None:
        """`write(path, rules)` writes the file, redacted with `rules` unless None. The switch
        starts on with `redaction` (`--redact`), whose rules it then uses; else off, and
        turned on it uses the built-in rules."""
        super().__init__()
        self.default = default
        self.count = count
        self.write = write
        self.redaction = redaction

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Export {self.count:,} lines (as shown, filters applied) to:")
            yield Input(value=self.default, id="export-path")
            yield Checkbox(
                "Redact e-mails, card numbers, passwords and tokens",
                self.redaction is not None,
                id="export-redact",
            )
            yield Static("", id="export-error")
            yield Label(
                "Enter to write, Tab and Space to switch redaction, Esc to cancel", classes="dim"
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            return
        path = export_path(event.value)
        rules = None
        if self.query_one("#export-redact", Checkbox).value:
            from tuilogs.core.redact_config import load_redactor

            rules = self.redaction or load_redactor()
        try:
            count = self.write(path, rules)
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            self.query_one("#export-error", Static).update(plain(f"Cannot write {path}: {why}"))
            return
        self.dismiss((path, count))

    def action_cancel(self) -> None:
        self.dismiss(None)
