"""The explorer's two one-line bars: the header (what is read, and how the source is doing)
and the status line (what the pane shows). Each renders from data it is given.

Both span the screen, and Textual repaints every widget inside the box around all changed
regions: a bar repainted with every batch would repaint the sidebar too. So a bar repaints only
when its text changes, and never asks for a layout pass (it is one line high, always). How often
the data comes is the screen's business (at most 4×/s while lines stream in).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import var
from textual.widgets import Static

from tuilogs.core.safety import escape_controls
from tuilogs.core.status import HistoryProgress, State, Status


class _Bar(Static):
    """A one-line bar that repaints only when its text changes."""

    _text: str | None = None

    def show_text(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update(Text(text, no_wrap=True, overflow="ellipsis"), layout=False)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the header says: the source read, and what its producers are doing."""

    title: str
    kind: str  # "file", "pipe", "Heroku", "local router"…
    status: Status
    indexing: bool = False  # a file's head is still being indexed
    history: HistoryProgress | None = None
    lines_per_second: float = 0.0
    now: float | None = None  # for "reconnecting in N s" (time.monotonic())


def header_text(info: SourceInfo) -> str:
    status = info.status
    text = f" tuilogs │ {info.title} │ {info.kind}"
    text += " · indexing…" if info.indexing else f" · {status.describe(info.now)}"
    if status.state is State.RECONNECTING and status.detail:
        text += f" · {status.detail}"
    if info.history is not None and not info.history.done:
        text += f" · {info.history.describe()}"
    if info.lines_per_second >= 1:
        text += f" │ {info.lines_per_second:,.0f} lines/s"
    return escape_controls(text)


class HeaderBar(_Bar):
    """The top line: `tuilogs │ myapp │ Heroku · live │ 120 lines/s`."""

    DEFAULT_CSS = """
    HeaderBar { height: 1; background: $primary; color: $text; text-style: bold; }
    """

    info: var[SourceInfo | None] = var(None)

    def watch_info(self, info: SourceInfo | None) -> None:
        if info is not None:
            self.show_text(header_text(info))


@dataclass(frozen=True, slots=True)
class ViewInfo:
    """What the status line says about the pane."""

    following: bool
    pending: int  # lines that arrived while paused
    shown: int
    total: int
    filters: str = ""  # the origin filter and a filtering search, as text
    find: tuple[int, int] | None = None  # (hit at the cursor, hits) while finding
    scanning: bool = False  # a search has lines left to scan
    wrap: bool = False
    time_mode: str = "received"
    position: tuple[int, int] | None = None  # (line, of) while paused: where the reader is
    at_time: str = ""  # the time of that line


def status_text(info: ViewInfo, width: int = 0) -> str:
    """The status line; when it is wider than `width` (0: no limit), the least needed goes
    first: the wrap and time settings (their keys are in the footer), "End to follow", the
    cursor's date (its clock stays)."""
    for brevity in range(4):
        text = _status_text(info, brevity)
        if not width or len(text) <= width:
            break
    return text


def _status_text(info: ViewInfo, brevity: int) -> str:
    follow = "" if brevity >= 2 else " — End to follow"
    if info.following:
        parts = ["● following"]
    elif info.pending:
        parts = [f"⏸ paused · {info.pending:,} new{follow}"]
    else:
        parts = [f"⏸ paused{follow}"]
    total = info.total
    parts.append(
        f"{total:,} lines" if info.shown == total else f"{info.shown:,} of {total:,} lines"
    )
    if info.position is not None:
        at, of = info.position
        where = f"line {at:,}/{of:,} {at * 100 // of}%"
        at_time = info.at_time if brevity < 3 else info.at_time.rpartition(" ")[2]
        parts.append(f"{where} · {at_time}" if at_time else where)
    if info.filters:
        parts.append(f"filter: {info.filters}")
    if info.find is not None:
        at, hits = info.find
        parts.append(f"find: {at}/{hits:,}" + ("…" if info.scanning else ""))
    elif info.scanning:
        parts.append("searching…")
    if brevity == 0:
        parts.append("wrap" if info.wrap else "nowrap")
        parts.append(f"time: {info.time_mode}")
    return " " + " │ ".join(parts)


class StatusBar(_Bar):
    """The line above the footer: following or paused, lines shown, filters, find position."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text-muted; }
    """

    info: var[ViewInfo | None] = var(None)

    def watch_info(self, info: ViewInfo | None) -> None:
        if info is not None:
            self.show_text(status_text(info, self.size.width))

    def on_resize(self) -> None:
        self.watch_info(self.info)
