"""--since/--until in the explorer's state: a filter that composes with origins and searches."""

from __future__ import annotations

from datetime import datetime, timezone

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.filters import INCLUDE
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import Spool
from tuilogs.core.query import parse_query
from tuilogs.core.timerange import TimeRange
from tuilogs.core.view import FILTER, FIND, ExplorerState

from kit.scans import run_scans

T0 = int(datetime(2026, 11, 1, 12, tzinfo=timezone.utc).timestamp())


def stamp(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.5+00:00")


class Log:
    """A buffer fed through a spool (real bytes on disk, as a pipe's), and its state."""

    def __init__(self, seconds: list[int]) -> None:
        self.buffer, self.feed = LogBuffer(), Feed()
        self.spool = Spool(self.feed, self.buffer.origins)
        self.add(seconds)
        self.state = ExplorerState(self.buffer)
        self.state.time_range = TimeRange(T0 + 10, T0 + 20)
        self.state.recompute()

    def add(self, seconds: list[int]) -> None:
        first = len(self.buffer)
        lines = [
            f"{stamp(s)} app[web.{n % 2 + 1}]: n={n}{' boom' if n % 3 == 0 else ''}"
            for n, s in enumerate(seconds, first)
        ]
        self.spool.write_lines(lines)
        self.feed.drain(self.buffer)
        if first:
            self.state.lines_added(first, len(self.buffer))


def state_with(seconds: list[int]) -> ExplorerState:
    return Log(seconds).state


def shown(state: ExplorerState) -> list[int]:
    return [state.line_at(p) for p in range(len(state))]


def test_lines_outside_the_range_are_hidden_wherever_they_are():
    # Not monotonic: line 5 is late; it is shown because its time is in range.
    seconds = [T0 + 5, T0 + 10, T0 + 12, T0 + 25, T0 + 19, T0 + 11, T0 + 20]
    state = state_with(seconds)
    assert shown(state) == [1, 2, 4, 5]


def test_the_range_composes_with_the_origin_filter_and_arrivals():
    log = Log([T0 + 5, T0 + 10, T0 + 12, T0 + 15])
    state = log.state
    state.filter.set("dyno", "web.1", INCLUDE)  # even line numbers
    state.recompute()
    assert shown(state) == [2]
    log.add([T0 + 11, T0 + 30, T0 + 14])
    assert shown(state) == [2, 4, 6]
    state.filter.clear()
    state.recompute()
    assert shown(state) == [1, 2, 3, 4, 6]


def test_arrivals_without_another_filter():
    log = Log([T0 + 5, T0 + 10])
    log.add([T0 + 15, T0 + 40])
    assert shown(log.state) == [1, 2]


def test_search_matches_and_hits_stay_in_range():
    state = state_with([T0 + 5, T0 + 10, T0 + 12, T0 + 15, T0 + 30, T0 + 13, T0 + 16])
    query = parse_query("boom")  # lines 0, 3, 6
    state.set_query(query, FILTER)
    run_scans(state)
    assert shown(state) == [3, 6]
    state.set_query(None, FILTER)
    state.set_query(query, FIND)
    run_scans(state)
    assert list(state.hits) == [3, 6]
    assert shown(state) == [1, 2, 3, 5, 6]
