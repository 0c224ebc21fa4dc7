"""The builds panel: an app's builds, newest first, failed ones marked; Enter opens one's output.

One panel for Heroku and the router (one client, one protocol: `platform.builds`). Builds come a
page at a time (Heroku's `Range` paging): the next page is asked for when the cursor reaches the
last row. While a build is pending the list is asked for again every few seconds, so a build
started elsewhere shows up and its status changes on screen. Every call runs on a worker
thread; a failure is shown in the panel as the PlatformError's message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from tuilogs.core.safety import escape_controls
from tuilogs.platform.builds import (
    Build,
    BuildPage,
    builds_page,
    newest_first,
    release_versions,
    with_releases,
)
from tuilogs.platform.client import PlatformClient
from tuilogs.ui.keys import keymap
from tuilogs.ui.options import FollowedApp
from tuilogs.ui.screens.list_panel import AppPanel, error_text, format_created

MARKS = {"failed": "✗", "pending": "●", "succeeded": "✓"}
COLUMNS = ("", "Status", "Created", "Took", "User", "Release", "Version", "ID")
# Columns left out, in this order, until the table fits the panel: first those with nothing to
# say (the router's builds have no release), then these; 80 columns keep release and version.
DROP_ORDER = ("Took", "ID", "Release", "Version")
MIN_USER_WIDTH = 12
REFRESH_PENDING = 5.0  # seconds between looks at the list while a build is pending
EMPTY_HINT = {
    "heroku": "No builds yet: `git push heroku main` makes one.",
    "local": "No builds yet: `tuilogs build APP -- make` records one (a CI step, a local build).",
}


def took(build: Build) -> str:
    """How long a finished build ran (`1m05s`); `—` while pending or unknown."""
    if build.pending or not build.created_at or not build.updated_at:
        return "—"
    try:
        start, end = (
            datetime.fromisoformat(s.replace("Z", "+00:00"))
            for s in (build.created_at, build.updated_at)
        )
    except ValueError:
        return "—"
    secs = max(0, int((end - start).total_seconds()))
    return f"{secs // 60}m{secs % 60:02d}s" if secs >= 60 else f"{secs}s"


def build_cells(build: Build) -> tuple[str, ...]:
    """The cells of one build, in COLUMNS order, as text safe for the terminal."""
    release = f"v{build.release_version}" if build.release_version is not None else "—"
    version = (build.source_version or "—")[:7]  # git's short form
    return (
        MARKS.get(build.status, "?"),
        escape_controls(build.status),
        format_created(build.created_at),
        took(build),
        escape_controls(build.user or "—"),
        release,
        escape_controls(version),
        escape_controls(build.short_id),
    )


class BuildTable(DataTable):
    """The builds, a row each; the status (and its mark) in the theme's colour for it."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "builds--failed",
        "builds--pending",
        "builds--succeeded",
    }
    DEFAULT_CSS = """
    BuildTable > .builds--failed { color: $error; text-style: bold; }
    BuildTable > .builds--pending { color: $warning; }
    BuildTable > .builds--succeeded { color: $success; }
    BuildTable:nocolor > .builds--failed { text-style: bold reverse; }
    """

    def status_style(self, status: str) -> Style:
        name = f"builds--{status}"
        if name not in self.COMPONENT_CLASSES:
            return Style.null()
        return self.get_component_rich_style(name, partial=True)


@dataclass(frozen=True)
class Listing:
    """What a worker brings back: a page of builds, and whether it replaces the list."""

    page: BuildPage
    fresh: bool  # the first page (replace), or the next one (append)


class BuildsPanel(AppPanel[Build | None]):
    """The builds of one app: Enter opens one's output, `r` lists them again, Esc closes."""

    DEFAULT_CSS = """
    BuildsPanel BuildTable { height: auto; max-height: 20; }
    """
    GROUP = "builds"
    ROW_ACTIONS = frozenset({"open"})
    LOADING = "Loading builds…"
    BINDINGS = keymap("builds")

    def __init__(self, client: PlatformClient, app: str) -> None:
        super().__init__(client, app, "Builds")
        self.builds: list[Build] = []
        self.next_range: str | None = None
        self.releases: dict[str, int] = {}  # release id → version (`platform.builds`)
        self.looked_up: set[str] = set()  # release ids looked for in the releases

    def compose_rows(self) -> ComposeResult:
        yield BuildTable(id="builds-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(BuildTable)
        table.display = False
        table.focus()
        self._load(None)
        self.set_interval(REFRESH_PENDING, self._refresh_pending)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fill)

    # -- what is shown -------------------------------------------------------------------

    def _count(self) -> str:
        count, failed = len(self.builds), sum(b.failed for b in self.builds)
        if not count:
            return EMPTY_HINT["heroku" if self.client.kind == "heroku" else "local"]
        text = f"{count} build{'s' * (count != 1)}, newest first"
        if failed:
            text += f" · {failed} failed ✗"
        if self.next_range is not None:
            text += " · more below"
        return text + " · Enter: its output"

    def _show(self, listing: Listing) -> None:
        keep = self.selected.id if self.selected is not None else None
        page = listing.page
        if listing.fresh:
            # A refresh brings the newest page; older pages already listed stay below it.
            known = {b.id for b in page.builds}
            oldest = page.builds[-1].created_at or "" if page.builds else ""
            older = [
                b
                for b in self.builds
                if page.next_range and b.id not in known and (b.created_at or "") < oldest
            ]
            self.builds = page.builds + older
            self.next_range = self.next_range if older else page.next_range
        else:
            known = {b.id for b in self.builds}
            self.builds += [b for b in page.builds if b.id not in known]
            self.next_range = page.next_range
        self._fill()
        table = self.query_one(BuildTable)
        for row, build in enumerate(self.builds):
            if build.id == keep:
                table.move_cursor(row=row)
        self._status(self._count())
        self.refresh_bindings()

    def _fill(self) -> None:
        """(Re)build the table to fit: every column at its natural width but User, which takes
        what is left; too narrow, the columns of DROP_ORDER are left out one by one."""
        table = self.query_one(BuildTable)
        table.display = bool(self.builds)
        rows = [build_cells(b) for b in self.builds]
        widths = {
            label: max([len(label), *(cell_len(r[i]) for r in rows)])
            for i, label in enumerate(COLUMNS)
        }
        room = self.query_one("#builds-box").content_region.width - 2
        shown = list(COLUMNS)
        empty = [c for c in DROP_ORDER if all(r[COLUMNS.index(c)] == "—" for r in rows)]
        for label in dict.fromkeys((None, *empty, *DROP_ORDER)):
            if label is not None:
                shown.remove(label)
            others = sum(widths[c] + 2 * table.cell_padding for c in shown if c != "User")
            if room - others - 2 * table.cell_padding >= MIN_USER_WIDTH:
                break
        widths["User"] = max(MIN_USER_WIDTH, min(widths["User"], room - others - 2))
        row = table.cursor_row
        table.clear(columns=True)
        for label in shown:
            table.add_column(label, width=widths[label])
        for build, cells in zip(self.builds, rows, strict=True):
            style = table.status_style(build.status)
            table.add_row(
                *(
                    Text(cells[COLUMNS.index(c)], no_wrap=True, overflow="ellipsis",
                         style=style if c in ("", "Status") else "")
                    for c in shown
                )
            )  # fmt: skip
        if rows:
            table.move_cursor(row=min(max(row, 0), len(rows) - 1))

    @property
    def selected(self) -> Build | None:
        index = self.cursor_index(len(self.builds))
        return None if index is None else self.builds[index]

    # -- actions -------------------------------------------------------------------------

    def action_open(self) -> None:
        build = self.selected
        if build is not None:
            self.dismiss(build)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """At the last row, the next page (if there is one) is asked for."""
        last = event.cursor_row >= len(self.builds) - 1
        if self.next_range is not None and last and not self.busy():
            self._load(self.next_range)

    def action_refresh(self) -> None:
        if not self.busy():
            self._load(None)

    def _refresh_pending(self) -> None:
        if any(b.pending for b in self.builds) and not self.busy():
            self._load(None)

    # -- the worker ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="builds", exit_on_error=False, name="load")
    def _load(self, range_header: str | None) -> Listing:
        page = builds_page(self.client, self.app_name, range_header or newest_first())
        # Heroku's builds name their release by id: the versions come from the releases, asked
        # for again only when a build names one not looked for yet (a build just released).
        wanted = {b.release_id for b in page.builds if b.release_id} - self.looked_up
        if wanted:
            self.releases.update(release_versions(self.client, self.app_name))
            self.looked_up |= wanted
        page = BuildPage(with_releases(page.builds, self.releases), page.next_range)
        return Listing(page, fresh=range_header is None)

    def call_changed(self, worker: Worker, state: WorkerState) -> None:
        if state == WorkerState.SUCCESS and isinstance(worker.result, Listing):
            self._show(worker.result)
        elif state == WorkerState.ERROR:
            message = error_text(worker.error)
            self._status(f"Could not list builds: {message} (r to retry)", error=True)


def open_builds(screen: Screen, followed: FollowedApp | None) -> None:
    """The builds panel of the followed app; the build chosen opens in the log pane."""
    if followed is None:
        screen.notify("Builds belong to an app: run `tuilogs APP`", severity="warning")
        return

    def chosen(build: Build | None) -> None:
        if build is not None:
            from tuilogs.ui.screens.build_output import show_build

            show_build(screen.app, followed, build)

    screen.app.push_screen(BuildsPanel(followed.client, followed.name), chosen)
