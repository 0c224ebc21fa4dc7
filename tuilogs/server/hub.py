"""In-process fan-out of newly stored lines to tailing sessions.

Publishing never waits for a subscriber: each subscriber has a bounded backlog (in lines); when
it is full, new batches are dropped for that subscriber and it later receives an L11 notice
(`Error L11 (Tail buffer overflow): N messages dropped since TS.`) at the point of the loss, as
Logplex does for slow tails. Runs on the event loop only.
"""

from __future__ import annotations

import asyncio
from collections import deque

from tuilogs.core.record import LogRecord, log_timestamp

DEFAULT_MAX_LINES = 20_000


class _Dropped:
    __slots__ = ("count", "since")

    def __init__(self) -> None:
        self.count = 0
        self.since = log_timestamp()

    def notice(self) -> LogRecord:
        return LogRecord(
            log_timestamp(),
            "heroku",
            "logplex",
            f"Error L11 (Tail buffer overflow): {self.count} messages dropped since {self.since}.",
        )


class Subscription:
    """A tailing session's queue of (first_id, records) batches."""

    def __init__(self, hub: Hub, app: str, max_lines: int) -> None:
        self.hub = hub
        self.app = app
        self.max_lines = max_lines
        self._items: deque[tuple[int, list[LogRecord]] | _Dropped] = deque()
        self._pending = 0
        self._event = asyncio.Event()
        self.dropped_total = 0

    def offer(self, first_id: int, records: list[LogRecord]) -> None:
        n = len(records)
        if self._pending + n > self.max_lines:
            last = self._items[-1] if self._items else None
            if not isinstance(last, _Dropped):
                last = _Dropped()
                self._items.append(last)
            last.count += n
            self.dropped_total += n
        else:
            self._items.append((first_id, records))
            self._pending += n
        self._event.set()

    async def get(self, timeout: float | None = None) -> list[tuple[int | None, list[LogRecord]]]:
        """Everything queued, in order ([] after `timeout`); drop notices come with id None."""
        if not self._items:
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), timeout)
            except asyncio.TimeoutError:
                return []
        out: list[tuple[int | None, list[LogRecord]]] = []
        while self._items:
            item = self._items.popleft()
            if isinstance(item, _Dropped):
                out.append((None, [item.notice()]))
            else:
                out.append(item)
                self._pending -= len(item[1])
        return out

    def close(self) -> None:
        self.hub._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Hub:
    """Tails by app: `subscribe` one, `publish` each committed batch (first id, records)."""

    def __init__(self, max_lines: int = DEFAULT_MAX_LINES) -> None:
        self.max_lines = max_lines
        self._subs: dict[str, set[Subscription]] = {}

    def subscribe(self, app: str, max_lines: int | None = None) -> Subscription:
        sub = Subscription(self, app, max_lines or self.max_lines)
        self._subs.setdefault(app, set()).add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.app)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.app]

    def publish(self, app: str, first_id: int, records: list[LogRecord]) -> None:
        for sub in self._subs.get(app, ()):
            sub.offer(first_id, records)

    def subscribers(self, app: str) -> int:
        return len(self._subs.get(app, ()))
