"""The stats view: what the lines in view say, one table to move through with the keys.

Requests per status class over time (a strip of bars per class, buckets sized to the span),
top paths by requests and by p95 `service`, Heroku error codes, lines and errors per dyno,
levels of app lines. Every row names the search that shows its lines (`path:/x`, `code:H12`,
`dyno:web.1`, `status>=500`, `level:error`); Enter closes the view with it and the explorer
filters to it. The numbers are computed on a worker thread (`StatsRequest.compute`: the
router's summary or `tuilogs.core.stats` here) while a progress bar says how far it got.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tuilogs.core.codes import CODES
from tuilogs.core.safety import escape_controls
from tuilogs.core.summary import STATUS_CLASSES, STATUS_QUERIES, LogSummary
from tuilogs.ui.keys import keymap
from tuilogs.ui.stats_request import StatsRequest

BARS = " ▁▂▃▄▅▆▇█"
NAME_WIDTH = 30  # paths are cut to this (the full path is in the row's search)
OTHER_COLUMNS = NAME_WIDTH + 10 + 16  # the name and count columns, cell padding, frame, bar


def detail_width(width: int) -> int:
    """Room for the last column (the bars, a code's title) in a terminal `width` wide, so the
    table never scrolls sideways (80 columns: 24)."""
    return max(10, width - OTHER_COLUMNS)


def buckets_for(width: int) -> int:
    """How many time buckets a terminal `width` columns wide has room for."""
    return min(200, detail_width(width))


def bars(counts: list[int]) -> str:
    """A strip of block characters, one per bucket, scaled to its own peak (a bucket with
    any count shows at least the lowest bar, so a lone 5xx is never invisible)."""
    peak = max(counts, default=0)
    if not peak:
        return "".join(BARS[0] for _ in counts)
    top = len(BARS) - 1
    return "".join(BARS[0] if not n else BARS[max(1, round(n * top / peak))] for n in counts)


@dataclass
class StatsProgress(Message, bubble=False):
    """How many lines the worker has counted, of how many (posted from its thread)."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatsProgress)


@dataclass
class StatsReady(Message, bubble=False):
    """The numbers: so far (`final` False: still counting) or all of them."""

    summary: LogSummary
    note: str
    final: bool = True

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatsReady) and not message.final


class _Listener:
    """The worker's side of the view: its messages are posted, thread-safe."""

    def __init__(self, screen: StatsScreen, worker) -> None:
        self.screen, self.worker = screen, worker

    def progress(self, done: int, total: int) -> None:
        self.screen.post_message(StatsProgress(done, total))

    def partial(self, summary: LogSummary) -> None:
        self.screen.post_message(StatsReady(summary, "", final=False))

    def cancelled(self) -> bool:
        return self.worker.is_cancelled


class StatsTable(DataTable):
    """The table of the view: Enter (DataTable's own row selection) filters to the row."""

    BINDINGS = keymap("stats_table")


class StatsScreen(ModalScreen[str | None]):
    """The stats of the lines in view; dismissed with the search of the chosen row, or None."""

    DEFAULT_CSS = """
    StatsScreen { align: center middle; }
    StatsScreen > Vertical {
        width: 100%; height: 100%; border: round $accent; background: $surface; padding: 0 1;
    }
    StatsScreen #stats-title { color: $text; text-style: bold; }
    StatsScreen #stats-note { color: $warning; }
    StatsScreen ProgressBar { margin: 1 0; }
    StatsScreen DataTable { height: 1fr; }
    """
    BINDINGS = keymap("stats")

    def __init__(self, request: StatsRequest) -> None:
        super().__init__()
        self.request = request
        self.summary: LogSummary | None = None
        self.summary_final = False
        self.queries: dict[object, str] = {}  # row key → the search that shows its lines
        self.detail_width = detail_width(80)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Stats — {self.request.covers}"), id="stats-title")
            yield Static("", id="stats-note")
            yield ProgressBar(show_eta=False, id="stats-progress")
            table = StatsTable(cursor_type="row", show_header=False)
            table.display = False
            yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("name", "count", "detail")
        self._compute()

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def _compute(self) -> None:
        worker = get_current_worker()
        summary, note = self.request.compute(_Listener(self, worker))
        if summary is not None and not worker.is_cancelled:
            self.post_message(StatsReady(summary, note))

    def on_stats_progress(self, event: StatsProgress) -> None:
        self.query_one(ProgressBar).update(total=event.total, progress=event.done)

    def on_stats_ready(self, event: StatsReady) -> None:
        """Numbers so far (the progress bar stays) or all of them; the cursor keeps its row."""
        if self.summary is not None and self.summary_final:
            return  # a late "so far" after the whole
        self.summary, self.summary_final = event.summary, event.final
        self.query_one(ProgressBar).display = not event.final
        note = event.note if event.final else "counting… the numbers so far"
        self.query_one("#stats-note", Static).update(Text(note))  # no markup: a server's
        table = self.query_one(DataTable)
        row = table.cursor_row if table.display else 1  # the first row under a heading
        self.fill(table, event.summary)
        if not table.display:
            table.display = True
            table.focus()
        table.move_cursor(row=min(row, table.row_count - 1))

    @on(Worker.StateChanged)
    def _failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.query_one(ProgressBar).display = False
            note = Text(f"Cannot count: {event.worker.error}")
            self.query_one("#stats-note", Static).update(note)

    # -- the table ----------------------------------------------------------------------------

    def fill(self, table: DataTable, s: LogSummary) -> None:
        """The sections, each a heading row then its rows (a row with a search is choosable)."""
        table.clear()
        self.queries.clear()
        self.detail_width = detail_width(self.app.size.width)
        self._heading(table, "Requests by status", f"{s.requests:,}", _series_span(s))
        for cls in STATUS_CLASSES:
            counts = s.series.get(cls, [])
            self._row(table, STATUS_QUERIES[cls], cls, sum(counts), Text(bars(counts)))
        self._heading(table, "Top paths by requests", "requests", "p95 service")
        for p in s.paths_by_count:
            self._row(table, p.query, p.path, p.requests, _ms(p.p95_ms))
        self._heading(table, "Slowest paths (p95 service)", "requests", "p95 service")
        for p in s.paths_by_p95:
            self._row(table, p.query, p.path, p.requests, _ms(p.p95_ms))
        self._heading(table, "Heroku error codes", "lines", "")
        for c in s.codes:
            self._row(table, c.query, c.code, c.count, CODES[c.code].title)
        if not s.codes:
            self._row(table, None, "(none)", 0, "")
        self._heading(table, "Dynos", "lines", "errors")
        for d in s.dynos:
            self._row(table, d.query, d.dyno, d.lines, f"{d.errors:,}" if d.errors else "")
        self._heading(table, "Levels of app lines", "lines", "")
        app_lines = sum(level.count for level in s.levels)
        for level in s.levels:
            share = f"{100 * level.count / app_lines:.0f} %" if app_lines else ""
            self._row(table, level.query, level.level, level.count, share)

    def _heading(self, table: DataTable, title: str, count: str, detail: str) -> None:
        table.add_row(
            Text(title, style="bold underline"),
            Text(count, style="italic", justify="right"),
            Text(_cut(detail, self.detail_width), style="italic"),
        )

    def _row(self, table, query: str | None, name: str, count: int, detail) -> None:
        name = _cut(escape_controls(name), NAME_WIDTH)  # paths come from log lines: untrusted
        if isinstance(detail, str):
            detail = _cut(detail, self.detail_width)
        key = table.add_row(Text(name), Text(f"{count:,}", justify="right"), detail)
        if query is not None:
            self.queries[key] = query

    # -- choosing a row -----------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._choose(event.row_key)

    def _choose(self, key: object) -> None:
        query = self.queries.get(key)
        if query is not None:
            self.dismiss(query)
        else:
            self.notify("A heading: choose a row below it", timeout=2)


def _series_span(s: LogSummary) -> str:
    """When the bars start, and how long each stands for."""
    if s.bucket_start is None:
        return "no router lines"
    start = datetime.fromtimestamp(s.bucket_start, timezone.utc)
    shape = "%Y-%m-%d %H:%M" if s.bucket_seconds >= 3600 else "%H:%M:%S"
    return f"{_span(s.bucket_seconds)}/bar from {start:{shape}}Z"  # Z: UTC


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _ms(value: int | None) -> str:
    return "" if value is None else f"{value:,} ms"
