"""What the explorer shows, without the terminal: the visible lines and the search matches.

The visible set is an index array recomputed from columns when a filter changes and extended
incrementally when lines arrive; `None` stands for "every line" so the common unfiltered case
costs nothing. Search matches are line indexes produced by `Query.scan` on a worker thread and
handed back with `set_matches`; a match set is tied to the buffer epoch it was computed in.
"""

from __future__ import annotations

import bisect
from array import array

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.filters import OriginFilter, select_from, select_lines
from tuilogs.core.query import Query
from tuilogs.core.timeline import Timeline
from tuilogs.core.timerange import TimeRange

FIND = "find"
FILTER = "filter"


class ExplorerState:
    def __init__(self, buffer: LogBuffer) -> None:
        self.buffer = buffer
        self.filter = OriginFilter()
        self.query: Query | None = None
        self.mode = FIND
        self.visible: array | None = None
        self.matches: array | None = None  # all lines matching `query` (any origin)
        self.hits: array | None = None  # matches that are visible (find mode)
        self.scanned = 0  # lines [0, scanned) have been searched for `query`
        self.epoch = buffer.epoch
        self.version = 0  # bumped whenever the visible set changes
        self.timeline = Timeline(buffer)
        self.time_range: TimeRange | None = None  # --since/--until: a filter like the others

    # -- sizes and mapping ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.buffer) if self.visible is None else len(self.visible)

    def line_at(self, pos: int) -> int:
        return pos if self.visible is None else self.visible[pos]

    def pos_of(self, line: int) -> int:
        """Position of `line` in the visible list, or of the nearest visible line before it."""
        if self.visible is None:
            return min(line, len(self.buffer) - 1)
        return max(bisect.bisect_right(self.visible, line) - 1, 0)

    @property
    def filtering_by_query(self) -> bool:
        return self.mode == FILTER and self.query is not None and not self.query.empty

    @property
    def searching(self) -> bool:
        return self.query is not None and not self.query.empty

    @property
    def search_pending(self) -> bool:
        return self.searching and self.scanned < len(self.buffer)

    # -- recomputation ----------------------------------------------------------------------

    def recompute(self) -> None:
        """Rebuild the visible set from scratch (after a filter or mode change)."""
        buf = self.buffer
        mask = self.filter.mask(buf.origins.origins) if self.filter.active else None
        if self.filtering_by_query:
            matches = self.matches if self.matches is not None else array("I")
            self.visible = select_from(matches, buf.keys, mask) if mask else array("I", matches)
        elif mask is not None:
            self.visible = select_lines(buf.keys, mask)
        else:
            self.visible = None
        if self.time_range is not None:
            self.visible = self.timeline.select(self.time_range, self.visible)
        self._recompute_hits()
        self.version += 1

    def _recompute_hits(self) -> None:
        if not self.searching or self.matches is None:
            self.hits = None
        elif self.filter.active:
            self.hits = select_from(
                self.matches, self.buffer.keys, self.filter.mask(self.buffer.origins.origins)
            )
        else:
            self.hits = self.matches
        if self.hits is not None and self.time_range is not None:
            self.hits = self.timeline.select(self.time_range, self.hits)

    def lines_added(self, lo: int, hi: int) -> None:
        """Lines [lo, hi) arrived: extend the visible set (search results come via add_matches)."""
        if self.buffer.epoch != self.epoch:
            self.reset_for_epoch()
            return
        if self.filtering_by_query:
            return  # visible lines arrive with their matches
        if self.filter.active:
            mask = self.filter.mask(self.buffer.origins.origins)
            new = select_lines(self.buffer.keys, mask, lo, hi)
            if self.time_range is not None:
                new = self.timeline.select(self.time_range, new)
            self.visible.extend(new)
            self.version += 1
        elif self.time_range is not None:
            self.visible.extend(self.timeline.select(self.time_range, None, lo, hi))
            self.version += 1

    def reset_for_epoch(self) -> None:
        """The buffer's line numbers changed (a file's head arrived, truncation): start over."""
        self.epoch = self.buffer.epoch
        self.matches = None
        self.scanned = 0
        self.recompute()

    def set_query(self, query: Query | None, mode: str | None = None) -> None:
        self.query = query if query is not None and not query.empty else None
        if mode is not None:
            self.mode = mode
        self.matches = None
        self.scanned = 0
        self.recompute()

    def add_matches(
        self, matches: array, lo: int, hi: int, epoch: int, query: Query | None
    ) -> bool:
        """A scan of [lo, hi) finished; False when it is stale (other query, epoch or range)."""
        if query is not self.query or epoch != self.epoch or lo != self.scanned:
            return False
        if self.matches is None:
            self.matches = array("I")
        self.matches.extend(matches)
        self.scanned = hi
        if self.filtering_by_query:
            if self.filter.active:
                mask = self.filter.mask(self.buffer.origins.origins)
                new = select_from(matches, self.buffer.keys, mask)
            else:
                new = matches
            if self.time_range is not None:
                new = self.timeline.select(self.time_range, new)
            if self.visible is None:
                self.visible = array("I")
            self.visible.extend(new)
            self.version += 1
        self._recompute_hits()
        return True

    # -- find navigation --------------------------------------------------------------------

    def hit_index(self, line: int) -> int:
        """How many hits lie at or before `line` (1-based position of a hit on `line`)."""
        if not self.hits:
            return 0
        return bisect.bisect_right(self.hits, line)

    def next_hit(self, line: int | None, forward: bool = True) -> int | None:
        """The next hit after (or before) `line`, wrapping around; None when there is none."""
        hits = self.hits
        if not hits:
            return None
        if line is None:
            return hits[-1]
        if forward:
            i = bisect.bisect_right(hits, line)
            return hits[i] if i < len(hits) else hits[0]
        i = bisect.bisect_left(hits, line) - 1
        return hits[i] if i >= 0 else hits[-1]
