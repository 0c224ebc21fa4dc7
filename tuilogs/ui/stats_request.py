"""The stats view's key (`S`), and what it asks for: the router's summary of a whole stored
history when the explorer follows a router app and its filters are ones the router applies,
else the local computation over the lines in view (files, pipes, Heroku apps, and filters the
router has no words for). Enter on a row comes back here as a search term, added to the
current filter.

Kept out of explorer.py, which only binds the key and calls `open_stats`.
"""

from __future__ import annotations

import weakref
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tuilogs.core.filters import INCLUDE
from tuilogs.core.query import OriginTerm, TextTerm, parse_query
from tuilogs.core.view import FILTER
from tuilogs.ui.keys import Command, KeyEntry, entries

if TYPE_CHECKING:
    from tuilogs.core.summary import LogSummary
    from tuilogs.core.view import ExplorerState
    from tuilogs.ui.screens.explorer import ExplorerScreen

STATS_COMMAND = Command(
    "S",
    "stats",
    "Stats",
    show=False,
    id="app.stats",
    title="Stats view",
    tooltip="Status, paths, codes, dynos, levels",
)


class Listener(Protocol):
    """What a computation tells the view, from the worker thread, and asks it."""

    def progress(self, done: int, total: int) -> None: ...

    def partial(self, summary: LogSummary) -> None: ...

    def cancelled(self) -> bool: ...


Compute = Callable[[Listener], "tuple[LogSummary | None, str]"]


@dataclass(frozen=True)
class StatsRequest:
    """What to summarise: `covers` says it in the view's title; `compute(listener)` runs on
    a worker thread and returns the summary (None: cancelled) and a note (why it was computed
    here rather than by the router, when it had to be)."""

    covers: str
    compute: Compute


def server_filters(state: ExplorerState) -> dict[str, str] | None:
    """The view's filters as `log-summary`'s `source`, `dyno` and `q`, or None when the router
    cannot apply them (exclusions, several entries, regexes, fields, case-sensitive text)."""
    chosen: dict[str, str] = {}
    for kind, table in (("source", state.filter.sources), ("dyno", state.filter.dynos)):
        if len(table) > 1 or any(s != INCLUDE for s in table.values()):
            return None
        for name in table:
            chosen[kind] = name
    if state.filter.streams:
        return None
    if state.filtering_by_query and state.query is not None:
        for term in state.query.terms:
            if term.negate:
                return None
            if isinstance(term, OriginTerm) and chosen.get(term.kind, term.value) == term.value:
                chosen[term.kind] = term.value
            elif isinstance(term, TextTerm) and "q" not in chosen and not _case_sensitive(term):
                chosen["q"] = term.text
            else:
                return None
    return chosen


def _case_sensitive(term: TextTerm) -> bool:
    """The router's `q` ignores case: a term with capitals (smart case) cannot go there."""
    return term.text.lower() != term.text


# The last local summary of each explorer, by what it covered: `S` again on the same view
# (after Esc, say) answers at once instead of counting millions of lines again.
_last: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def stats_request(explorer: ExplorerScreen, buckets: int) -> StatsRequest:
    state, buffer = explorer.state, explorer.buffer
    lines = None if state.visible is None else array("I", state.visible)
    shown = len(buffer) if lines is None else len(lines)
    local_covers = f"{shown:,} lines in view"
    query = state.query.text if state.query is not None else None
    view = (buffer.epoch, len(buffer), state.version, query, state.mode, buckets)

    def local(listener: Listener, note: str = ""):
        from tuilogs.core.stats import buffer_summary

        known = _last.get(explorer)
        if known is not None and known[0] == view:
            return known[1], note
        summary = buffer_summary(
            buffer,
            lines,
            buckets=buckets,
            cancelled=listener.cancelled,
            progress=listener.progress,
            partial=listener.partial,
        )
        if summary is not None:
            _last[explorer] = (view, summary)
        return summary, note

    followed = explorer.options.app
    if followed is None or followed.client.kind != "local":
        return StatsRequest(local_covers, local)
    filters = server_filters(state)
    if filters is None:
        note = "the router cannot apply these filters: counted over the lines loaded here"
        return StatsRequest(local_covers, lambda listener: local(listener, note))

    def by_router(listener: Listener):
        from tuilogs.platform.errors import PlatformError

        try:
            return followed.client.log_summary(followed.name, buckets=buckets, **filters), ""
        except PlatformError as exc:
            why = f"the router could not answer ({exc}): counted over the lines loaded here"
            return local(listener, why)

    return StatsRequest(f"{followed.name}'s whole stored history, by the router", by_router)


def stats_entries() -> list[KeyEntry]:
    """The stats view's own keys, for the help screen."""
    from tuilogs.ui.screens.stats import StatsScreen, StatsTable

    return [*entries(StatsTable, "stats"), *entries(StatsScreen, "stats")]


def open_stats(explorer: ExplorerScreen) -> None:
    """Show the stats of what the explorer shows; a row chosen there filters the explorer."""
    from tuilogs.ui.screens.stats import StatsScreen, buckets_for

    request = stats_request(explorer, buckets_for(explorer.size.width))

    def chosen(term: str | None) -> None:
        if term:
            filter_to(explorer, term)

    explorer.app.push_screen(StatsScreen(request), chosen)


def filter_to(explorer: ExplorerScreen, term: str) -> None:
    """Filter the explorer by `term`, within the filter already applied (AND)."""
    from tuilogs.ui.widgets.search_bar import SearchBar

    state = explorer.state
    text = term
    if state.filtering_by_query and state.query is not None:
        text = f"{state.query.text.strip()} {term}"
    explorer.query_one(SearchBar).show_query(text, FILTER)
    explorer.search.apply(parse_query(text), FILTER, True)
