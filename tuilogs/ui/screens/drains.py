"""The drain-management panel: an app's log drains, listed, added, removed, tokens copied.

One panel for Heroku and the local router alike (one client, one protocol). Every API call runs
on a worker thread, so a slow or dead server never freezes the explorer, and every failure is
shown inside the panel as the PlatformError's message, which never carries a token or a drain
password (URLs on screen go through `drain_label`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static
from textual.worker import Worker, WorkerState

from tuilogs.core.drain_urls import drain_label, validate_drain_url
from tuilogs.core.safety import escape_controls
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.errors import PlatformError
from tuilogs.platform.models import LogDrain
from tuilogs.ui.keys import keymap
from tuilogs.ui.screens.list_panel import AppPanel, error_text, format_created
from tuilogs.ui.untrusted import plain, tell

EXAMPLES = "https://user:pass@logs.example.com/drain or syslog+tls://logs.example.com:6514"
EMPTY_HINT = f"No drains. Press a to add one, e.g. {EXAMPLES}"
COLUMNS = ("URL", "Token", "Add-on", "Created")
TABLE_ROWS = 15  # rows shown before the table scrolls (its max-height less the header)
MIN_URL_WIDTH = 24


def drain_row(drain: LogDrain) -> tuple[str, str, str, str]:
    """The cells of one drain: masked URL, token, add-on name (or —), created in local time."""
    addon_name = drain.addon.name if drain.addon is not None else None
    return (
        drain_label(drain.url),
        escape_controls(drain.token or "—"),
        escape_controls(addon_name) if addon_name else "—",
        format_created(drain.created_at),
    )


@dataclass(frozen=True)
class Outcome:
    """What a worker brings back: the drains as now listed, which to select, what to say."""

    drains: list[LogDrain]
    select: str | None = None
    note: str | None = None


class ConfirmRemoval(ModalScreen[bool]):
    """Asks before removing a drain: logs stop flowing to it at once and it cannot be undone."""

    DEFAULT_CSS = """
    ConfirmRemoval { align: center middle; }
    ConfirmRemoval > Vertical {
        width: auto; max-width: 90%; height: auto; border: round $error; background: $surface;
        padding: 0 1;
    }
    ConfirmRemoval .dim { color: $text-muted; }
    """
    BINDINGS = keymap("drains_confirm")

    def __init__(self, label: str, token: str) -> None:
        super().__init__()
        self.label = label
        self.token = token

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Remove drain"
            yield Label(plain(f"Remove {self.label} ({self.token})?"))
            yield Label(
                "Logs stop flowing to it at once. y removes, n or Esc keeps it.", classes="dim"
            )

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class DrainPanel(AppPanel[None]):
    """The drains of one app: `a` add, `d` remove (after a y), `c` copy token, `r` refresh."""

    DEFAULT_CSS = """
    DrainPanel DataTable { height: auto; max-height: 16; }
    DrainPanel #drains-url { margin: 0; }
    DrainPanel #drains-add-error { color: $error; }
    """
    GROUP = "drains"
    ROW_ACTIONS = frozenset({"remove", "copy_token"})
    LOADING = "Loading drains…"
    BINDINGS = keymap("drains")

    def __init__(self, client: PlatformClient, app: str) -> None:
        super().__init__(client, app, "Log drains")
        self.drains: list[LogDrain] = []

    def compose_rows(self) -> ComposeResult:
        yield DataTable(id="drains-table", cursor_type="row", zebra_stripes=True)
        yield self.form(
            Label("New drain URL (Enter adds it, Esc cancels):"),
            Input(placeholder=f"e.g. {EXAMPLES}", id="drains-url", compact=True),
            Static(id="drains-add-error"),
        )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.display = False
        table.focus()
        self._load()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fill)

    # -- state shown ---------------------------------------------------------------------

    def _add_error(self, text: str | None) -> None:
        self.query_one("#drains-add-error", Static).update(plain(text or ""))

    def focus_rows(self) -> None:
        self.query_one(DataTable).focus()

    def _show(self, drains: list[LogDrain], select: str | None = None) -> None:
        table = self.query_one(DataTable)
        keep = select or (self.selected.id if self.selected is not None else None)
        # Oldest first, ties by URL: the API's order of same-second drains is arbitrary, and
        # rows that swap places on refresh would make `d` hit the wrong one.
        self.drains = sorted(drains, key=lambda d: (d.created_at or "", d.url))
        self._fill()
        for row, drain in enumerate(self.drains):
            if keep is not None and keep in (drain.id, drain.token):
                table.move_cursor(row=row)
        count = len(self.drains)
        self._status(EMPTY_HINT if not count else f"{count} drain{'s' * (count != 1)}")
        if count and self.focused is None:
            table.focus()
        self.refresh_bindings()

    def _fill(self) -> None:
        """(Re)build the table to fit the panel: every column at its natural width but the URL,
        which takes the room left and ends in … (a sideways-scrolling table hides columns).
        Too narrow for that (80 columns), `Created` and then `Add-on` are left out."""
        table = self.query_one(DataTable)
        table.display = bool(self.drains)
        rows = [drain_row(drain) for drain in self.drains]
        widths = [
            max([len(label), *(cell_len(r[i]) for r in rows)]) for i, label in enumerate(COLUMNS)
        ]
        width = self.query_one("#drains-box").content_region.width
        if len(rows) > TABLE_ROWS:
            width -= table.styles.scrollbar_size_vertical
        shown = len(COLUMNS)
        while True:
            room = width - 2 * table.cell_padding * shown - sum(widths[1:shown])
            if room >= MIN_URL_WIDTH or shown == 2:
                break
            shown -= 1
        widths[0] = max(MIN_URL_WIDTH, min(widths[0], room))
        row = table.cursor_row
        table.clear(columns=True)
        for label, column_width in zip(COLUMNS[:shown], widths[:shown], strict=True):
            table.add_column(label, width=column_width)
        for cells in rows:
            table.add_row(*(Text(c, no_wrap=True, overflow="ellipsis") for c in cells[:shown]))
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))

    @property
    def selected(self) -> LogDrain | None:
        """The drain under the table's cursor, if any."""
        index = self.cursor_index(len(self.drains))
        return None if index is None else self.drains[index]

    # -- actions -------------------------------------------------------------------------

    def action_refresh(self) -> None:
        # A call in flight lists the drains when it ends; restarting would only drop its answer.
        if not self.busy():
            self._load()

    def action_add(self) -> None:
        self.open_form()
        self._add_error(None)
        self.query_one("#drains-url", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy("add"):
            return  # Enter pressed twice: the first request is on its way
        url = event.value.strip()
        problem = validate_drain_url(url)
        if problem is not None:
            self._add_error(problem)
            return
        self._add_error(None)
        self._add(url)

    def action_remove(self) -> None:
        drain = self.selected
        if drain is None:
            return
        ident = drain.id or drain.token or ""

        def answered(yes: bool | None) -> None:
            if yes and ident:
                self._remove(ident)

        token = escape_controls(drain.token or "no token")
        self.app.push_screen(ConfirmRemoval(drain_label(drain.url), token), answered)

    def action_copy_token(self) -> None:
        drain = self.selected
        token = drain.token if drain is not None else None
        if not token:
            self.notify("This drain has no token", severity="warning")
            return
        self.app.copy_to_clipboard(escape_controls(token))  # as shown: a real one has no controls
        tell(self, f"Copied drain token {token}")

    # -- workers (one at a time: a newer call makes an older one's answer moot) -----------

    @work(thread=True, exclusive=True, group="drains", exit_on_error=False, name="load")
    def _load(self) -> Outcome:
        return Outcome(self.client.log_drains(self.app_name))

    @work(thread=True, exclusive=True, group="drains", exit_on_error=False, name="add")
    def _add(self, url: str) -> Outcome:
        drain = self.client.add_log_drain(self.app_name, url)
        note = f"Added drain {drain_label(drain.url)}"
        return Outcome(self._relist(fallback=[*self.drains, drain]), drain.id, note)

    @work(thread=True, exclusive=True, group="drains", exit_on_error=False, name="remove")
    def _remove(self, ident: str) -> Outcome:
        drain = self.client.remove_log_drain(self.app_name, ident)
        gone = {drain.id, ident}
        rest = [d for d in self.drains if d.id not in gone and d.token not in gone]
        note = f"Removed drain {drain_label(drain.url)}"
        return Outcome(self._relist(fallback=rest), None, note)

    def _relist(self, fallback: list[LogDrain]) -> list[LogDrain]:
        """The list after a change; if listing fails, the change itself already happened, so
        show what we know rather than an error about the change."""
        try:
            return self.client.log_drains(self.app_name)
        except PlatformError:
            return fallback

    def call_changed(self, worker: Worker, state: WorkerState) -> None:
        if state == WorkerState.RUNNING:
            doing = {"load": "Loading drains…", "add": "Adding drain…", "remove": "Removing drain…"}
            self._status(doing.get(worker.name, "Working…"))
            return
        if state == WorkerState.SUCCESS and isinstance(worker.result, Outcome):
            outcome = worker.result
            self._show(outcome.drains, outcome.select)
            if worker.name == "add":
                self.query_one("#drains-url", Input).value = ""
                self.close_form()
            if outcome.note:
                tell(self, outcome.note)
        elif state == WorkerState.ERROR:
            message = error_text(worker.error)
            if worker.name == "add" and self.adding:
                self._add_error(message)
                self._show(self.drains)
            else:
                what = {"add": "add the drain", "remove": "remove the drain"}
                action = what.get(worker.name, "list drains")
                self._status(f"Could not {action}: {message} (r to retry)", error=True)
