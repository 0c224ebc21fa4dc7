"""What a log source is doing, as data rather than text.

Producers (a file follower, a pipe reader, a live tail, a history loader) set a `Status` and a
`HistoryProgress` on their `Feed`; the explorer's header and print mode read them. Before this
the state was free text ("failed: …", "reconnecting in 3 s") written in five places and parsed
back by prefix, and a typo in one of them hid the history indicator for good.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import Enum


class State(Enum):
    """The life of a source; `FAILED` and `ENDED` are final."""

    STARTING = "starting"
    CONNECTING = "connecting"
    WAITING = "waiting"  # the router has no lines of this app yet
    LIVE = "live"
    RECONNECTING = "reconnecting"
    READING = "reading"  # a pipe, until its end
    FOLLOWING = "following"  # a file, read and followed as it grows
    LOADED = "loaded"  # a file, read once
    ENDED = "ended"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Status:
    """A state with what goes with it: `detail` says why (the failure, the problem a reconnect
    follows, what is awaited), `retry_at` when the next attempt is due (`time.monotonic()`)."""

    state: State = State.STARTING
    detail: str = ""
    retry_at: float | None = None

    @property
    def failed(self) -> bool:
        return self.state is State.FAILED

    @property
    def final(self) -> bool:
        return self.state in (State.FAILED, State.ENDED)

    def retry_in(self, now: float | None = None) -> int | None:
        """Whole seconds until the next attempt (at least 0), None when none is planned."""
        if self.retry_at is None:
            return None
        now = time.monotonic() if now is None else now
        return max(0, math.ceil(self.retry_at - now))

    def describe(self, now: float | None = None) -> str:
        """A short phrase for a header: `live`, `reconnecting in 3 s`, `failed: why`."""
        state = self.state
        if state is State.RECONNECTING and self.retry_at is not None:
            return f"reconnecting in {self.retry_in(now)} s"
        if state is State.FAILED:
            return f"failed: {self.detail}" if self.detail else "failed"
        if state is State.WAITING and self.detail:
            return f"waiting: {self.detail}"
        if state is State.FOLLOWING:
            # "following" is the log pane's word (it follows the end, or is paused): a header
            # saying it of the file while the status line says paused read as a contradiction.
            return "live"
        return state.value


@dataclass(frozen=True, slots=True)
class HistoryProgress:
    """Stored history paging in behind a live tail: lines so far, whether it is over, and how
    it ended (`note`: "loaded all stored history", "history stopped: why")."""

    loaded: int = 0
    done: bool = False
    note: str = ""

    def describe(self) -> str:
        return f"history {self.loaded:,}…" if not self.done else ""
