"""Stored history from the router (`log-lines`, an extension Heroku lacks), paged in behind the
live tail, and the one way stored lines become `heroku logs` text.

`HistoryLoader` pages backwards from the id just before the tail's first line, so the two meet
exactly (see `live.open_app`). `format_lines` is shared with the tail's first screen, so a line
reads the same whether it came from history or from the live stream: one stored line, one line,
its line breaks escaped as the router's streams escape them (`LogRecord.line()`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from tuilogs.core.ingest.producers import Producer
from tuilogs.core.ingest.spool import HistorySpool
from tuilogs.core.record import one_line
from tuilogs.core.status import HistoryProgress

from .client import PlatformClient, TimedLineFilter
from .errors import PlatformError, Unsupported
from .models import LogPage, StoredLine

PAGE_MAX = 10_000  # log-lines' page limit


def format_lines(stored: list[StoredLine]) -> list[str]:
    """Stored lines (log-lines JSON, messages as stored) as `heroku logs` lines, one each:
    line breaks inside a line are escaped, exactly as the router's streams show them."""
    out = [
        f"{d['timestamp']} {d['source']}[{d['dyno']}]: {d['message']}"
        if d.get("source")
        else d["message"]
        for d in stored
    ]
    return [s if s.isprintable() else one_line(s) for s in out]


class HistoryLoader(Producer):
    """Page backwards through stored history into `history` (router only).

    `before_id` is an id or a callable returning one (e.g. `LiveTail.wait_first_id`): the
    loader takes the lines strictly before it, `page` at a time, newest page first, and
    prepends each page, until the beginning or `max_lines`. It never touches `feed.status`
    (the tail owns that) but keeps `feed.history` up to date; `note` says what happened, `done`
    is set at the end. `span` (since, until: epoch seconds, None: unbounded) narrows it to a
    time range.
    """

    def __init__(
        self,
        client: PlatformClient,
        app: str,
        history: HistorySpool,
        *,
        before_id: int | Callable[[], int | None] | None,
        source: str | None = None,
        dyno: str | None = None,
        page: int = 5_000,
        max_lines: int | None = None,
        retries: int = 3,
        span: tuple[int | None, int | None] = (None, None),
    ) -> None:
        super().__init__(history.feed, history.origins)  # the spool's: pages go where it writes
        self.client = client
        self.app = app
        self.history = history
        self.before_id = before_id
        self.page = max(1, min(PAGE_MAX, page))
        self.max_lines = max_lines
        self.retries = retries
        # what the lines are narrowed to, as the router's log-lines takes it (the tail's own)
        self.filters = TimedLineFilter(source=source, dyno=dyno, since=span[0], until=span[1])
        self.loaded = 0
        self.note = ""
        self.error = ""
        self.done = threading.Event()

    def run(self) -> None:
        self._progress()
        try:
            self._load()
        except Exception as exc:  # history is a bonus: report, never disturb the tail
            self.error = f"{type(exc).__name__}: {exc}"
            self.note = f"history stopped: {self.error}"
        finally:
            self.done.set()
            self._progress()

    def _progress(self) -> None:
        self.feed.history = HistoryProgress(self.loaded, self.done.is_set(), self.note)

    def _load(self) -> None:
        before = self.before_id() if callable(self.before_id) else self.before_id
        if before is None:
            self.note = "no older lines to load"
            return
        failures = 0
        while not self._stop.is_set():
            limit = self.page
            if self.max_lines is not None:
                limit = min(limit, self.max_lines - self.loaded)
                if limit <= 0:
                    self.note = f"stopped at {self.max_lines} lines"
                    return
            try:
                page = self.client.log_lines(
                    self.app,
                    before=before,
                    limit=limit,
                    **self.filters,
                )
            except Unsupported:
                self.note = "this backend keeps no history beyond its live buffer"
                return
            except PlatformError as exc:
                failures += 1
                if exc.final or failures > self.retries:
                    self.error = exc.message
                    self.note = f"history stopped: {exc.message}"
                    return
                self._stop.wait(min(10.0, exc.retry_after or 0.5 * 2**failures))
                continue
            failures = 0
            self._prepend(page)
            if page.first_id is not None:
                before = page.first_id
            if len(page.lines) < limit:
                self.note = "loaded all stored history"
                return

    def _prepend(self, page: LogPage) -> None:
        if page.lines:
            self.history.prepend(("\n".join(format_lines(page.lines)) + "\n").encode())
            self.loaded += len(page.lines)
            self._progress()
