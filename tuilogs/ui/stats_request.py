"""The stats view's key (`S`), and what it asks for: the router's summary of a whole stored
history when the explorer follows a router app and its filters are ones the router applies,
else the local computation over the lines in view (files, pipes, Heroku apps, and filters the
router has no words for). Enter on a row comes back here as a search term, added to the
current filter.

Kept out of explorer.py, which only binds the key and calls `open_stats`.
"""

from __future__ import annotations

import time
import weakref
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tuilogs.core.filters import INCLUDE
from tuilogs.core.query import OriginTerm, TextTerm, parse_query
from tuilogs.ui.keys import KeyEntry, entries

if TYPE_CHECKING:
    from tuilogs.core.summary import LogSummary
    from tuilogs.core.view import ExplorerState
    from tuilogs.ui.screens.explorer import ExplorerScreen


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
    query = state.filtering.query
    for node in _conjuncts(query.root if query is not None else None):
        if node is None:
            return None
        if isinstance(node, OriginTerm) and node.kind == "source":
            if chosen.get("source", node.value) != node.value:
                return None
            chosen["source"] = node.value
        elif isinstance(node, TextTerm) and "q" not in chosen and not _case_sensitive(node):
            chosen["q"] = node.text
        else:  # regexes, fields, levels, codes, `dyno:` (which also takes router lines)
            return None
    return chosen


def _conjuncts(root) -> list:
    """The terms a filter ANDs together, or [None] when it has an OR or a NOT."""
    from tuilogs.core.query import And

    if root is None:
        return []
    if isinstance(root, And):
        if root.negative:
            return [None]
        return [p if isinstance(p, (OriginTerm, TextTerm)) else None for p in root.positive]
    return [root if isinstance(root, (OriginTerm, TextTerm)) else None]


def _case_sensitive(term: TextTerm) -> bool:
    """The router's `q` ignores case: a term with capitals (smart case) cannot go there."""
    return term.text.lower() != term.text


# The last local summary of each explorer, by what it covered: `S` again on the same view
# (after Esc, say) answers at once instead of counting millions of lines again.
_last: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Each explorer's counts of every line, kept up in the background (warm_stats).
_running: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
WARM_EVERY = 1.0  # seconds between looks for lines to count
WARM_QUIET = 1.0  # the log loaded and settled this long before the warm-up starts


def running_stats(explorer: ExplorerScreen):
    from tuilogs.core.running_stats import RunningStats

    running = _running.get(explorer)
    if running is None or running.buffer is not explorer.buffer:
        running = _running[explorer] = RunningStats(explorer.buffer)
    return running


def warm_stats(explorer: ExplorerScreen) -> None:
    """Count every line in the background once the log has loaded (then new lines as they
    come), so the stats view without filters opens at once. It starts only when the first
    screen, the index and the history are done, to keep out of their way."""
    from textual.worker import get_current_worker

    from tuilogs.core.status import State

    running = running_stats(explorer)
    explorer.feed.head_blocks = running  # a file's head is counted on the other core
    running.gives_way = explorer.search.waiting_for_index
    settling = (State.STARTING, State.CONNECTING, State.RECONNECTING)

    def warm() -> None:
        worker = get_current_worker()
        settled_since = None
        while not worker.is_cancelled:
            time.sleep(WARM_EVERY)
            feed = explorer.feed
            history = feed.history
            if feed.head_pending or feed.status.state in settling or (history and not history.done):
                settled_since = None
                continue
            settled_since = settled_since or time.monotonic()
            if time.monotonic() - settled_since >= WARM_QUIET:
                running.catch_up(cancelled=lambda: worker.is_cancelled)

    explorer.run_worker(warm, thread=True, group="stats-warm", exclusive=True, exit_on_error=False)


def stop_stats(explorer: ExplorerScreen) -> None:
    """The explorer is closing: no more counting for it (its child process ends)."""
    explorer.feed.head_blocks = None
    running = _running.pop(explorer, None)
    if running is not None:
        running.close()


def stats_request(explorer: ExplorerScreen, buckets: int) -> StatsRequest:
    state, buffer = explorer.state, explorer.buffer
    lines = None if state.visible is None else array("I", state.visible)
    shown = len(buffer) if lines is None else len(lines)
    local_covers = f"{shown:,} lines in view"
    query = state.filtering.query.text if state.filtering.query is not None else None
    view = (buffer.epoch, len(buffer), state.version, query, buckets)

    def local(listener: Listener, note: str = ""):
        from tuilogs.core.stats import buffer_summary

        known = _last.get(explorer)
        if known is not None and known[0] == view:
            return known[1], note
        if lines is None:  # every line: the background counts, caught up
            running = running_stats(explorer)
            if not running.catch_up(listener.cancelled, _with_partials(running, listener, buckets)):
                return None, note
            summary = running.summary(buckets)
            _last[explorer] = (view, summary)
            return summary, note
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


def _with_partials(running, listener: Listener, buckets: int):
    """A progress callback that also hands the view the numbers so far, at most every half
    second and never more than a fifth of the time (summing up costs with every path seen)."""
    from tuilogs.core.stats import PARTIAL_EVERY

    told, wait = time.monotonic(), PARTIAL_EVERY

    def progress(done: int, total: int) -> None:
        nonlocal told, wait
        listener.progress(done, total)
        if done < total and time.monotonic() - told >= wait:
            started = time.monotonic()
            listener.partial(running.summary(buckets))
            told = time.monotonic()
            wait = max(PARTIAL_EVERY, 4 * (told - started))

    return progress


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
    from tuilogs.core.query import conjoin

    current = explorer.state.filtering.query
    text = conjoin(current.text, term) if current is not None else term
    explorer.search.filter_by(parse_query(text))
