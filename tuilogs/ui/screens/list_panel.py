"""The frame the list panels share (drains, builds, saved searches): one app's rows in a box
over the explorer, a status line above them that turns red when a call fails, an add form
for the panels that have one, and the panel's keys below.

Every call of a panel runs on a worker thread in a group named after the panel (its `GROUP`,
also the prefix of its widgets' ids: `drains-box`, `drains-status`, `drains-add`), so a slow or
dead server never freezes the explorer and `busy` can tell whether a call is still out.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from tuilogs.core.safety import escape_controls
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.errors import PlatformError
from tuilogs.ui.untrusted import plain

ResultType = TypeVar("ResultType")


def format_created(stamp: str | None) -> str:
    """An API timestamp as local `YYYY-MM-DD HH:MM` (the text itself when it does not parse)."""
    if not stamp:
        return "—"
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return escape_controls(stamp)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def error_text(exc: BaseException | None) -> str:
    """What to show for a failed call: a PlatformError's message, else only the type's name
    (an unknown exception's text might quote a URL with its password)."""
    if isinstance(exc, PlatformError):
        return exc.message
    return f"unexpected error ({type(exc).__name__})"


class ListPanel(ModalScreen[ResultType]):
    """A modal panel of rows; a subclass names its GROUP and yields its rows in `compose_rows`.

    The look is shared here so the three panels stay alike; a panel's own rules (the height
    of its list, a narrower box) follow in its DEFAULT_CSS and win by naming ids.
    """

    DEFAULT_CSS = """
    ListPanel { align: center middle; }
    ListPanel > .panel-box {
        width: 90%; max-width: 140; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
        border-title-color: $accent; border-title-style: bold;
        border-subtitle-color: $text-muted;
    }
    ListPanel .panel-status { color: $text-muted; margin-bottom: 1; }
    ListPanel .panel-status.-error { color: $error; }
    ListPanel .panel-form { height: auto; margin-top: 1; display: none; }
    ListPanel .panel-form.-open { display: block; }
    ListPanel .panel-form Label { color: $text-muted; }
    ListPanel Footer { dock: none; margin-top: 1; }
    """

    GROUP: ClassVar[str]  # the panel's worker group, and the prefix of its widgets' ids
    LOADING: ClassVar[str] = "Loading…"  # the status line until the first answer

    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self.box_title = title
        self.box_subtitle = subtitle

    def compose(self) -> ComposeResult:
        with Vertical(id=f"{self.GROUP}-box", classes="panel-box") as box:
            box.border_title = self.box_title
            box.border_subtitle = self.box_subtitle
            yield Static(Text(self.LOADING), id=f"{self.GROUP}-status", classes="panel-status")
            yield from self.compose_rows()
            yield Footer()

    def compose_rows(self) -> ComposeResult:
        """The panel's own widgets, between the status line and the keys."""
        yield from ()

    def form(self, *children: Widget) -> Vertical:
        """The add form (hidden until `open_form`), as `compose_rows` yields it."""
        return Vertical(*children, id=f"{self.GROUP}-add", classes="panel-form")

    # -- what is shown -------------------------------------------------------------------

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one(f"#{self.GROUP}-status", Static)
        status.update(plain(text))  # may quote what a server said
        status.set_class(error, "-error")

    @property
    def adding(self) -> bool:
        """Whether the add form is open (never, for a panel without one)."""
        return bool(self.query(f"#{self.GROUP}-add.-open"))

    def open_form(self) -> None:
        self.query_one(f"#{self.GROUP}-add").add_class("-open")

    def close_form(self) -> None:
        """Hide the add form; the keys go back to the list."""
        self.query_one(f"#{self.GROUP}-add").remove_class("-open")
        self.focus_rows()

    def focus_rows(self) -> None:
        """Give the list the focus (the panel's table or option list)."""

    def action_close(self) -> None:
        """Esc: closes the add form when it is open, else the panel."""
        if self.adding:
            self.close_form()
            return
        self.dismiss(None)

    # -- calls ---------------------------------------------------------------------------

    def busy(self, name: str | None = None) -> bool:
        """Whether a call of this panel (named `name`, or any) is pending or running."""
        return any(
            worker.node is self
            and worker.group == self.GROUP
            and (name is None or worker.name == name)
            and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for worker in self.app.workers
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != self.GROUP:
            return
        event.stop()
        self.call_changed(event.worker, event.state)

    def call_changed(self, worker: Worker, state: WorkerState) -> None:
        """A call of this panel started, ended or failed: show what it brought."""


class AppPanel(ListPanel[ResultType]):
    """A panel of one app's rows (its drains, its builds), asked of the client that follows it:
    the box names the app and, below, whether Heroku or the local router answers."""

    ROW_ACTIONS: ClassVar[frozenset[str]] = frozenset()  # act on the row under the cursor

    def __init__(self, client: PlatformClient, app: str, what: str) -> None:
        where = "Heroku" if client.kind == "heroku" else "local router"
        super().__init__(f"{what} · {escape_controls(app)}", where)
        self.client = client
        self.app_name = app

    @property
    def selected(self) -> object | None:
        """The row under the table's cursor, if any."""
        return None

    def cursor_index(self, count: int) -> int | None:
        """Where the table's cursor is among its `count` rows (None: on none of them)."""
        if not self.is_mounted or not count:
            return None
        row = self.query_one(DataTable).cursor_row
        return row if 0 <= row < count else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key that acts on a row is greyed out while no row is under the cursor."""
        if action in self.ROW_ACTIONS:
            return True if self.selected is not None else None
        return True
