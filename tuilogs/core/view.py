"""What the explorer shows, without the terminal: the visible lines, the filter, the find.

The visible set is an index array recomputed from columns when a filter changes and extended
incrementally when lines arrive; `None` stands for "every line" so the common unfiltered case
costs nothing. A filter is the sidebar's origins and/or a filter query (or the marked lines),
widened by context lines when asked (context.py), or set aside at one line ("show in context").

Two searches run at once: the filter query (its matches are the visible set) and the find
(highlights and jumps). Both scan on a worker thread and hand back line indexes. A find that
starts while a filter is on searches only the shown lines (`Scan.within`), reading just those:
on a large file that is the difference between seconds and a tenth of one. A find started over
every line keeps its matches when a filter changes; its hits are the matches shown.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.context import DEFAULT_LINES, MAX_LINES, contains, expand
from tuilogs.core.context import hidden_before as gap_before
from tuilogs.core.filters import OriginFilter, select_from, select_lines
from tuilogs.core.marks import Marks
from tuilogs.core.query import Query
from tuilogs.core.timeline import Timeline
from tuilogs.core.timerange import TimeRange

FIND = "find"
FILTER = "filter"


@dataclass
class Scan:
    """One search's progress. Filter: lines [0, scanned) are searched. Find: every line
    [0, scanned) (`within` False), or shown positions [0, scanned) (`within`)."""

    query: Query | None = None
    matches: array | None = None
    scanned: int = 0
    within: bool = False
    run: int = 0  # bumped when what the find searches starts over

    def restart(self, within: bool = False) -> None:
        self.matches, self.scanned, self.within, self.run = None, 0, within, self.run + 1


@dataclass(frozen=True)
class ScanJob:
    """What a worker should search next: `lines` (a copy) or the stretch [lo, hi)."""

    query: Query
    lo: int
    hi: int
    lines: array | None
    run: int


def intersect(lines: array, shown: array) -> array:
    """The lines (ascending) that are also in `shown` (ascending), at C speed."""
    small, large = (lines, shown) if len(lines) <= len(shown) else (shown, lines)
    return array("I", sorted(set(small).intersection(large)))


class ExplorerState:
    def __init__(self, buffer: LogBuffer) -> None:
        self.buffer = buffer
        self.filter = OriginFilter()
        self.marks = Marks(buffer)
        self.filtering = Scan()  # the filter query
        self.finding = Scan()  # the find
        self.mode = FIND  # the search the box edited last
        self.context = 0  # lines shown around each filtered line (0: off)
        self.context_size = DEFAULT_LINES  # how many when context is turned on
        self.suspended = False  # "show in context": the filter is kept but not applied
        self.marked_only = False
        self.visible: array | None = None
        self.selected: array | None = None  # the filter's own lines (visible = these + context)
        self.hits: array | None = None  # find matches that are shown
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

    def shows(self, line: int) -> bool:
        return self.visible is None or contains(self.visible, line)

    def hidden_before(self, pos: int) -> int:
        """Lines hidden between position `pos` and the one above it, shown as a separator
        while context lines are on (0 otherwise)."""
        if not self.context or self.visible is None:
            return 0
        return gap_before(self.visible, pos)

    def is_context(self, line: int) -> bool:
        """A line shown for context only (not one of the filter's own)."""
        return (
            bool(self.context) and self.selected is not None and not contains(self.selected, line)
        )

    # -- what is searched -------------------------------------------------------------------

    @property
    def query(self) -> Query | None:
        """The query the search box edited last."""
        return self.finding.query if self.mode == FIND else self.filtering.query

    @property
    def matches(self) -> array | None:
        return self.finding.matches if self.mode == FIND else self.filtering.matches

    @property
    def filtering_by_query(self) -> bool:
        return self.filtering.query is not None

    @property
    def filter_active(self) -> bool:
        """Whether anything hides lines (set aside or not)."""
        return self.filter.active or self.filtering_by_query or self.marked_only

    @property
    def searching(self) -> bool:
        return self.filtering.query is not None or self.finding.query is not None

    @property
    def search_pending(self) -> bool:
        return self.filter_pending or self.find_pending

    @property
    def filter_pending(self) -> bool:
        return self.filtering.query is not None and self.filtering.scanned < len(self.buffer)

    @property
    def find_pending(self) -> bool:
        f = self.finding
        if f.query is None:
            return False
        return f.scanned < (len(self) if f.within else len(self.buffer))

    def next_scan(self) -> ScanJob | None:
        """The next search a worker should run: the filter's new lines first, then the find's."""
        if self.filter_pending:
            f = self.filtering
            return ScanJob(f.query, f.scanned, len(self.buffer), None, f.run)
        if self.find_pending:
            f = self.finding
            if f.within:
                lines = array("I", self.visible[f.scanned :])
                return ScanJob(f.query, f.scanned, f.scanned + len(lines), lines, f.run)
            return ScanJob(f.query, f.scanned, len(self.buffer), None, f.run)
        return None

    # -- recomputation ----------------------------------------------------------------------

    def _base(self) -> array | None:
        """The filter's own lines, None when nothing is filtered."""
        if self.marked_only:
            return self.marks.lines()
        buf = self.buffer
        mask = self.filter.mask(buf.origins.origins) if self.filter.active else None
        if self.filtering.query is not None:
            matches = self.filtering.matches if self.filtering.matches is not None else array("I")
            lines = select_from(matches, buf.keys, mask) if mask else array("I", matches)
        elif mask is not None:
            lines = select_lines(buf.keys, mask)
        elif self.time_range is not None:
            return self.timeline.select(self.time_range, None)
        else:
            return None
        return self._in_range(lines)

    def _in_range(self, lines: array) -> array:
        """Those of `lines` in the time range (--since/--until), all of them without one."""
        return lines if self.time_range is None else self.timeline.select(self.time_range, lines)

    def recompute(self) -> None:
        """Rebuild the visible set from scratch (after a filter, context or mode change)."""
        base = None if self.suspended else self._base()
        self.selected = base
        if base is not None and self.context:
            self.visible = expand(base, self.context, len(self.buffer))
        else:
            self.visible = base
        if self.finding.within or (self.finding.scanned == 0 and self.finding.query):
            self.finding.restart(within=self.visible is not None)
        self._recompute_hits()
        self.version += 1

    def _recompute_hits(self) -> None:
        f = self.finding
        if f.query is None or f.matches is None:
            self.hits = None
        elif f.within or self.visible is None:
            self.hits = f.matches
        else:
            self.hits = intersect(f.matches, self.visible)

    def _extend(self, new: array, upto: int) -> None:
        """The filter's own lines grew by `new` (above every line shown), lines [0, upto) are
        decided: show them, their context, and the find hits among them."""
        visible, selected = self.visible, self.selected
        if visible is None or selected is None:
            return
        last = visible[-1] if len(visible) else -1
        if not self.context:
            visible.extend(new)  # the same array as `selected`
        else:
            seeds = array("I", selected[-1:])
            seeds.extend(new)
            selected.extend(new)
            visible.extend(expand(seeds, self.context, upto, after=last))
        f = self.finding
        if f.matches is not None and not f.within and self.hits is not f.matches:
            older = f.matches[bisect.bisect_right(f.matches, last) :]
            self.hits.extend(intersect(older, visible[bisect.bisect_right(visible, last) :]))
        self.version += 1

    def lines_added(self, lo: int, hi: int) -> None:
        """Lines [lo, hi) arrived: extend the visible set (search results come via add_matches)."""
        if self.buffer.epoch != self.epoch:
            self.reset_for_epoch()
            return
        if self.suspended or self.marked_only or self.filtering_by_query:
            return  # a filter query's lines arrive with its matches
        if self.filter.active:
            mask = self.filter.mask(self.buffer.origins.origins)
            new = select_lines(self.buffer.keys, mask, lo, hi)
            self._extend(self._in_range(new), hi)
        elif self.time_range is not None:
            self._extend(self.timeline.select(self.time_range, None, lo, hi), hi)

    def reset_for_epoch(self) -> None:
        """The buffer's line numbers changed (a file's head arrived, truncation): start over."""
        self.epoch = self.buffer.epoch
        self.filtering.restart()
        self.finding.restart()
        self.recompute()

    def set_query(self, query: Query | None, mode: str | None = None) -> None:
        """Search for `query` as the find or as the filter (`mode`; the last one when None)."""
        mode = mode or self.mode
        self.mode = mode
        query = query if query is not None and not query.empty else None
        if mode == FILTER:
            self.filtering.query = query
            self.filtering.restart()
            self.recompute()
        else:
            self.finding.query = query
            self.finding.restart(within=self.visible is not None)
            self._recompute_hits()

    def add_matches(
        self, matches: array, lo: int, hi: int, epoch: int, query: Query | None, run: int = 0
    ) -> bool:
        """A scan of [lo, hi) finished; False when it is stale (other query, epoch, range or
        run)."""
        if epoch != self.epoch:
            return False
        for scan in (self.filtering, self.finding):
            if query is scan.query and run == scan.run and lo == scan.scanned:
                break
        else:
            return False
        scan.matches = array("I") if scan.matches is None else scan.matches
        scan.matches.extend(matches)
        scan.scanned = hi
        if scan is self.filtering:
            if not self.suspended and not self.marked_only:
                mask = self.filter.mask(self.buffer.origins.origins) if self.filter.active else None
                new = select_from(matches, self.buffer.keys, mask) if mask else matches
                self._extend(self._in_range(new), hi)
        elif self.hits is None:
            self._recompute_hits()
        elif self.hits is not scan.matches:
            tail = self.visible[bisect.bisect_left(self.visible, lo) :]
            self.hits.extend(intersect(matches, tail))
        return True

    def describe(self) -> str:
        """The filter as the status line says it: `dyno:web status>=500 ±3`, `marked (4)`,
        `status>=500 — off (z: back)`."""
        if self.marked_only:
            text = f"marked ({len(self.marks)})"
        else:
            query = self.filtering.query
            text = " ".join(p for p in (self.filter.describe(), query and query.text) if p)
        if text and self.suspended:
            return f"{text} — off (z: back)"
        if text and self.context:
            return f"{text} ±{self.context}"
        return text

    # -- context, set aside, marked ---------------------------------------------------------

    def set_context(self, lines: int) -> None:
        """Show `lines` lines around each filtered line (0: none)."""
        lines = max(0, min(lines, MAX_LINES))
        if lines:
            self.context_size = lines
        self.context = lines
        self.recompute()

    def set_suspended(self, suspended: bool) -> None:
        self.suspended = suspended
        self.recompute()

    def set_marked_only(self, marked_only: bool) -> None:
        self.marked_only = marked_only
        self.recompute()

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
