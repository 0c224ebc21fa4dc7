"""In-process fan-out of newly stored lines to tailing sessions.

Publishing never waits for a subscriber. What a subscriber has not taken yet is bounded by
bytes, not lines (1,500 lines of 500 KB held by one stalled tail were 776 MB): each
subscription may hold `max_bytes`, and all of them together `Hub.max_bytes` — a batch held by
several subscriptions is one object and counts once. Past either bound, new batches are dropped
for that subscriber, which later receives an L11 notice (`Error L11 (Tail buffer overflow): N
messages dropped since TS.`) at the point of the loss, as Logplex does for slow tails. A
subscriber with nothing queued always gets the next batch, so stalled clients cannot starve
the tails that keep up. Runs on the event loop only.
"""

from __future__ import annotations

import asyncio
from collections import deque

from tuilogs.core.record import LogRecord, log_timestamp

DEFAULT_MAX_BYTES = 16 * 1024 * 1024  # one subscription
DEFAULT_TOTAL_BYTES = 64 * 1024 * 1024  # every subscription together
RECORD_OVERHEAD = 200  # bytes a record costs beyond its message (object, fields)


def batch_bytes(records: list[LogRecord]) -> int:
    """About what a batch of records occupies in memory."""
    return sum(len(r.message) + len(r.dyno) for r in records) + RECORD_OVERHEAD * len(records)


class _Batch:
    """A published batch, shared by the subscriptions holding it (`refs`)."""

    __slots__ = ("first_id", "records", "size", "refs")

    def __init__(self, first_id: int, records: list[LogRecord]) -> None:
        self.first_id = first_id
        self.records = records
        self.size = batch_bytes(records)
        self.refs = 0


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
    """A tailing session's queue of published batches, bounded by bytes."""

    def __init__(self, hub: Hub, app: str, max_bytes: int) -> None:
        self.hub = hub
        self.app = app
        self.max_bytes = max_bytes
        self._items: deque[_Batch | _Dropped] = deque()
        self.pending_bytes = 0
        self._event = asyncio.Event()
        self.dropped_total = 0

    def offer(self, batch: _Batch) -> None:
        hub = self.hub
        fits = (
            self.pending_bytes + batch.size <= self.max_bytes
            and hub.held_bytes + (0 if batch.refs else batch.size) <= hub.max_bytes
        )
        if fits or not self._items:
            self._items.append(batch)
            self.pending_bytes += batch.size
            hub._hold(batch)
        else:
            last = self._items[-1]
            if not isinstance(last, _Dropped):
                last = _Dropped()
                self._items.append(last)
            last.count += len(batch.records)
            self.dropped_total += len(batch.records)
        self._event.set()

    async def get(
        self, timeout: float | None = None, max_bytes: int | None = None
    ) -> list[tuple[int | None, list[LogRecord]]]:
        """What is queued, in order ([] after `timeout`); drop notices come with id None.

        With `max_bytes`, stops after the batch that reaches it (at least one item): the rest
        stays queued and counted, so a slow reader holds no more than that besides its queue.
        """
        if not self._items:
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), timeout)
            except asyncio.TimeoutError:
                return []
        out: list[tuple[int | None, list[LogRecord]]] = []
        taken = 0
        while self._items and (max_bytes is None or taken < max_bytes):
            item = self._items.popleft()
            if isinstance(item, _Dropped):
                out.append((None, [item.notice()]))
                continue
            out.append((item.first_id, item.records))
            taken += item.size
            self.pending_bytes -= item.size
            self.hub._release(item)
        return out

    def close(self) -> None:
        while self._items:
            item = self._items.popleft()
            if isinstance(item, _Batch):
                self.hub._release(item)
        self.pending_bytes = 0
        self.hub._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Hub:
    """Tails by app: `subscribe` one, `publish` each committed batch (first id, records)."""

    def __init__(
        self, max_bytes: int = DEFAULT_TOTAL_BYTES, tail_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.max_bytes = max_bytes
        self.tail_bytes = tail_bytes
        self.held_bytes = 0  # batches queued for at least one subscription, each once
        self._subs: dict[str, set[Subscription]] = {}

    def subscribe(self, app: str, max_bytes: int | None = None) -> Subscription:
        sub = Subscription(self, app, max_bytes or self.tail_bytes)
        self._subs.setdefault(app, set()).add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.app)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.app]

    def _hold(self, batch: _Batch) -> None:
        if batch.refs == 0:
            self.held_bytes += batch.size
        batch.refs += 1

    def _release(self, batch: _Batch) -> None:
        batch.refs -= 1
        if batch.refs == 0:
            self.held_bytes -= batch.size

    def publish(self, app: str, first_id: int, records: list[LogRecord]) -> None:
        subs = self._subs.get(app)
        if subs:
            batch = _Batch(first_id, records)
            for sub in subs:
                sub.offer(batch)

    def subscribers(self, app: str) -> int:
        return len(self._subs.get(app, ()))

    def pending(self, app: str) -> list[int]:
        """Bytes queued for each subscription of `app` (what a stalled tail costs)."""
        return [sub.pending_bytes for sub in self._subs.get(app, ())]
