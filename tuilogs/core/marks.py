"""Marked lines: the reader's own bookmarks while reading an incident.

A mark names its line by (line - lines prepended so far), which history paging does not
change (it prepends lines and renumbers the rest), and is dropped when the buffer starts over
(a truncated file); the same naming as the pane's strip cache.
"""

from __future__ import annotations

import bisect
from array import array

from tuilogs.core.buffer import LogBuffer


class Marks:
    def __init__(self, buffer: LogBuffer) -> None:
        self.buffer = buffer
        self._names: set[int] = set()
        self._resets = buffer.resets
        self.version = 0  # bumped on every change: the pane redraws marked rows

    def _current(self) -> set[int]:
        if self.buffer.resets != self._resets:
            self._resets = self.buffer.resets
            self._names.clear()
            self.version += 1
        return self._names

    def __len__(self) -> int:
        return len(self._current())

    def __contains__(self, line: int) -> bool:
        return line - self.buffer.prepended in self._current()

    def toggle(self, line: int) -> bool:
        """Mark `line`, or unmark it; True when it is now marked."""
        names, name = self._current(), line - self.buffer.prepended
        self.version += 1
        if name in names:
            names.remove(name)
            return False
        names.add(name)
        return True

    def clear(self) -> None:
        self._current().clear()
        self.version += 1

    def lines(self) -> array:
        """The marked lines, ascending."""
        shift = self.buffer.prepended
        return array("I", sorted(name + shift for name in self._current()))

    def next(self, line: int | None, forward: bool = True, among=None) -> int | None:
        """The marked line after (or before) `line`, wrapping around; with `among` (a
        predicate), only lines it accepts (those shown). None when there is none."""
        marked = [m for m in self.lines() if among is None or among(m)]
        if not marked:
            return None
        if line is None:
            return marked[-1] if forward else marked[0]
        if forward:
            i = bisect.bisect_right(marked, line)
            return marked[i] if i < len(marked) else marked[0]
        i = bisect.bisect_left(marked, line) - 1
        return marked[i] if i >= 0 else marked[-1]
