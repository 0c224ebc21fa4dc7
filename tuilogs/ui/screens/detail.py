"""The detail view of one line: its parsed fields, JSON pretty-printed, and what its code means.

It steps to the next or previous line of the explorer's view without closing (the explorer's
cursor moves along, so closing lands where the reader is), and turns a field into a filter
with one key: the screen is dismissed with that filter's query text, which the explorer
applies.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from tuilogs.core.codes import find_code
from tuilogs.core.fields import json_object, message_fields
from tuilogs.core.levels import detect_level
from tuilogs.core.query import field_query
from tuilogs.core.record import LogRecord
from tuilogs.core.requests import request_filter
from tuilogs.core.safety import escape_controls
from tuilogs.ui.keys import keymap
from tuilogs.ui.untrusted import plain

# From the explorer: the line `direction` (1 or -1) away from the one shown, or None.
Step = Callable[[int], "tuple[LogRecord, int] | None"]


class DetailScreen(ModalScreen[str | None]):
    """Everything tuilogs knows about one line; `c` copies it (OSC 52, works over SSH).

    Dismissed with None, or with the query text of a filter to apply (`f`, `r`)."""

    DEFAULT_CSS = """
    DetailScreen { align: center middle; }
    DetailScreen > Vertical {
        width: 90%; height: 85%; border: round $accent; background: $surface; padding: 0 1;
    }
    DetailScreen #detail-line { color: $text; margin-bottom: 1; }
    DetailScreen .detail-heading { color: $accent; text-style: bold; margin-top: 1; }
    DetailScreen #detail-code { color: $warning; }
    DetailScreen #detail-body { height: 1fr; }
    DetailScreen DataTable { height: auto; max-height: 45%; }
    """
    BINDINGS = keymap("detail")

    def __init__(self, record: LogRecord, line_number: int, step: Step | None = None) -> None:
        super().__init__()
        self.record = record
        self.line_number = line_number
        self.step = step
        self.fields: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        rec = self.record
        self.fields = list(message_fields(rec.message).items())
        with Vertical():
            with VerticalScroll(id="detail-body"):
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
            if self.fields:  # below the scrolling part: always in sight, ↑ ↓ choose a field
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
        self._fill_fields()

    def _fill_fields(self) -> None:
        tables = self.query("#detail-fields")
        if tables:
            table = tables.first(DataTable)
            table.add_columns("field", "value")
            for key, value in self.fields:
                table.add_row(plain(key), plain(value))  # a str cell would be read as markup
            table.focus()  # ↑ ↓ choose the field `f` filters by

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter in the fields table closes the view, as Enter does everywhere else here."""
        event.stop()
        self.dismiss(None)

    async def action_step(self, direction: int) -> None:
        found = self.step(direction) if self.step is not None else None
        if found is None:
            self.notify("No more lines that way", timeout=2)
            return
        self.record, self.line_number = found
        await self.recompose()
        self._fill_fields()

    def action_filter_field(self) -> None:
        tables = self.query("#detail-fields")
        if not tables or not self.fields:
            self.notify("This line has no fields to filter by", severity="warning")
            return
        row = tables.first(DataTable).cursor_row
        key, value = self.fields[min(max(row, 0), len(self.fields) - 1)]
        self.dismiss(field_query(key, value))

    def action_follow_request(self) -> None:
        query = request_filter(self.record)
        if query is None:
            self.notify("This line has no request_id", severity="warning")
            return
        self.dismiss(query)

    # Copies are of the text shown: a line's controls never reach the clipboard.
    def action_copy_line(self) -> None:
        self.app.copy_to_clipboard(escape_controls(self.record.line()))
        self.notify("Line copied to the clipboard")

    def action_copy_message(self) -> None:
        self.app.copy_to_clipboard(escape_controls(self.record.message))
        self.notify("Message copied to the clipboard")
