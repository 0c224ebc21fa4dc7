"""The detail view of one line: its parsed fields, JSON pretty-printed, and what its code means."""

from __future__ import annotations

import json

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from tuilogs.core.codes import find_code
from tuilogs.core.fields import json_object, message_fields
from tuilogs.core.levels import detect_level
from tuilogs.core.record import LogRecord
from tuilogs.core.safety import escape_controls
from tuilogs.ui.untrusted import plain


class DetailScreen(ModalScreen[None]):
    """Everything tuilogs knows about one line; `c` copies it (OSC 52, works over SSH)."""

    DEFAULT_CSS = """
    DetailScreen { align: center middle; }
    DetailScreen > Vertical {
        width: 90%; height: 85%; border: round $accent; background: $surface; padding: 0 1;
    }
    DetailScreen #detail-line { color: $text; margin-bottom: 1; }
    DetailScreen .detail-heading { color: $accent; text-style: bold; margin-top: 1; }
    DetailScreen #detail-code { color: $warning; }
    DetailScreen DataTable { height: auto; max-height: 20; }
    """
    BINDINGS = [
        Binding("escape,q,enter", "dismiss", "Close", id="detail.close"),
        Binding("c", "copy_line", "Copy line", id="detail.copy"),
        Binding("m", "copy_message", "Copy message", id="detail.copy_message"),
    ]

    def __init__(self, record: LogRecord, line_number: int) -> None:
        super().__init__()
        self.record = record
        self.line_number = line_number

    def compose(self) -> ComposeResult:
        rec = self.record
        with Vertical():
            with VerticalScroll():
                yield Static(Text(escape_controls(rec.line())), id="detail-line")
                yield Static(self._summary())
                code = find_code(rec.message)
                if code is not None:
                    yield Static(f"{code.code} — {code.title}", classes="detail-heading")
                    yield Static(code.explanation, id="detail-code")
                obj = json_object(rec.message)
                if obj is not None:
                    yield Static("JSON", classes="detail-heading")
                    # Escaped per line: json.dumps's line breaks stay breaks; what it leaves raw
                    # in values (C1 controls, bidi overrides) is escaped.
                    pretty = json.dumps(obj, indent=2, ensure_ascii=False).split("\n")
                    yield Static(
                        Syntax(
                            "\n".join(map(escape_controls, pretty)),
                            "json",
                            theme="ansi_dark",
                            word_wrap=True,
                            background_color="default",
                        )
                    )
                else:
                    fields = message_fields(rec.message)
                    if fields:
                        yield Static("Fields", classes="detail-heading")
                        yield DataTable(id="detail-fields", cursor_type="row", zebra_stripes=True)
            yield Footer()

    def _summary(self) -> Text:
        rec = self.record
        text = Text()
        rows = [("line", f"{self.line_number + 1:,}")]
        if rec.source:
            when = rec.when()
            rows += [
                ("received", rec.timestamp),
                (
                    "local time",
                    when.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f %Z") if when else "?",
                ),
                ("source", rec.source),
                ("dyno", rec.dyno),
                ("process type", rec.process_type),
            ]
        level = detect_level(rec.message)
        if level:
            rows.append(("level", level))
        for key, value in rows:
            text.append(f"{key:>13}  ", style="bold")
            text.append(escape_controls(value) + "\n")
        return text

    def on_mount(self) -> None:
        tables = self.query("#detail-fields")
        if tables:
            table = tables.first(DataTable)
            table.add_columns("field", "value")
            for key, value in message_fields(self.record.message).items():
                table.add_row(plain(key), plain(value))  # a str cell would be read as markup

    # Copies are of the text shown: a line's controls never reach the clipboard.
    def action_copy_line(self) -> None:
        self.app.copy_to_clipboard(escape_controls(self.record.line()))
        self.notify("Line copied to the clipboard")

    def action_copy_message(self) -> None:
        self.app.copy_to_clipboard(escape_controls(self.record.message))
        self.notify("Message copied to the clipboard")
