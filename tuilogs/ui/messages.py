"""What the explorer's parts tell the screen: small messages, one per thing that happened.

Widgets post these up; the screen decides what follows (attributes down). Messages that only
say "something changed, look again" can replace one another (`can_replace`), so a burst of
them, from a producer's thread or from a held-down key, costs one handling, not one each.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from textual.message import Message

from tuilogs.core.query import Query


@dataclass
class DataArrived(Message, bubble=False):
    """Lines arrived after a quiet spell (posted from a producer's thread)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DataArrived)


@dataclass
class SearchSubmitted(Message):
    """The search box's text, as typed (`final` False: debounced) or on Enter (`final`)."""

    text: str
    mode: str
    final: bool

    def can_replace(self, message: Message) -> bool:
        # Keystrokes supersede one another; Enter (a jump to a hit) is never dropped.
        return isinstance(message, SearchSubmitted) and not self.final


@dataclass
class SearchClosed(Message):
    """The search box closed: with Enter (`cleared` False) or Escape (`cleared`)."""

    cleared: bool


@dataclass
class SearchScanned(Message, bubble=False):
    """A scan of lines [lo, hi) for `query` ended (`matches` None: cancelled or failed).

    Posted from the scan's worker thread; `scan` numbers the scans of one explorer so a late
    answer from an older scan is recognised; `run` names what a find searched (every line,
    or the lines a filter showed then)."""

    scan: int
    query: Query
    matches: array | None
    lo: int
    hi: int
    epoch: int
    run: int = 0


@dataclass
class FiltersChanged(Message):
    """The source/dyno filter changed (the sidebar edited it)."""


@dataclass
class OpenLine(Message):
    """The reader asked for the details of a line (Enter or a double-click)."""

    line: int


@dataclass
class ViewChanged(Message):
    """The reader changed what the pane shows: following, cursor, wrap or time mode.

    The status line follows at once; while lines stream in it follows on its own (at most
    4×/s), so new-line counts do not send this."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ViewChanged)
