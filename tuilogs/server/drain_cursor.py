"""Where one drain stands in its app's stored lines, and what it sends next.

A drain is forwarded from a cursor kept in the store (the last id delivered), by whichever
router holds its lease (`forward`). What goes out is cut so that any router starting from the
same cursor cuts the same deliveries, and so gives them the same `Logplex-Frame-Id`
(`frame_id`: from the drain and the first and last ids): a batch sent just before a router
died and sent again by the router that took over is a retry its receiver can drop. So a
delivery never spans two stored batches (`LogStore.stored_batches`, one per POST the router
received): whether the next one is already stored when a router reads depends on timing. A
stored batch larger than `max_bytes` goes in pieces of at most that many bytes of frames
(Logplex's ~100 KB bodies), counted without the L10 notice so the cut is the same with or
without one.

A drain that falls behind keeps its place: its lines wait in the store, however long the
receiver is away, as far back as retention keeps them. Lines retention removes before the
drain sent them are counted (from the stored batches' running count, `StoredBatch.seq`, and
the consecutive ids inside a batch), and the next delivery starts with Logplex's notice
``Error L10 (output buffer overflow): N messages dropped since TS.`` (no LF, priority 172).
Batches that came through `MAX_HOPS` routers, and the router's own reports, are stepped over.

Blocking (it reads the store): the forwarder calls `next` and `locate` in a worker thread.
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass

from tuilogs.core.logplex_batch import LogplexBatch
from tuilogs.core.record import LogRecord, log_timestamp

from .drain_senders import one_line
from .hops import MAX_HOPS
from .store import Drain, LogStore, StoredBatch

BATCHES_AHEAD = 64  # stored batches read at once
LINES_PER_READ = 5_000  # lines read at once for one delivery (its bytes bound it first)
_FRAME_IDS = uuid.UUID("1c0d7a3e-5f3b-4c58-9a8e-7d1e2b6f9a40")  # uuid5 namespace


def frame_id(drain_id: str, first_id: int, last_id: int) -> str:
    """The `Logplex-Frame-Id` of the delivery of lines `first_id`..`last_id` to a drain: the
    same whichever router sends it, as often as it is sent (32 upper-case hex digits)."""
    return uuid.uuid5(_FRAME_IDS, f"{drain_id}/{first_id}/{last_id}").hex.upper()


def l10_notice(skipped: int, since: str) -> str:
    return f"Error L10 (output buffer overflow): {skipped} messages dropped since {since}."


@dataclass(frozen=True, slots=True)
class Delivery:
    """What to send next: `batch` (None when nothing is to be sent, only stepped over), the
    cursor once it is done, the app's lines in it, the hops they made so far, and how many
    lines retention removed before it (announced at its head by `notice` when `batch` is not
    None)."""

    batch: LogplexBatch | None
    last_id: int
    lines: int
    hops: int
    skipped: int
    count: int | None  # how many lines the app had up to `last_id` (None: unknown)
    notice: str = ""


class DrainCursor:
    """One drain's place in its app's stored lines (see the module docstring)."""

    def __init__(
        self,
        store: LogStore,
        drain: Drain,
        cursor: int,
        *,
        hostname: str,
        sd: bool,
        max_bytes: int,
    ) -> None:
        self.store = store
        self.drain = drain
        self.position = cursor  # the last id delivered (or stepped over)
        self.count: int | None = None  # lines of the app up to `position`, once located
        self.skipped = 0  # lines removed by retention, not announced yet
        self.skipped_since = ""
        self.hostname = hostname
        self.sd = sd
        self.max_bytes = max_bytes
        self._ahead: deque[StoredBatch] = deque()

    def locate(self) -> None:
        """Find the cursor's place in the app's running count, from the batch holding it
        (retention keeps that one). Unknown when the cursor is 0 or the batch is gone: then
        the first gap is not counted."""
        if self.position <= 0:
            return
        found = self.store.stored_batches(self.drain.app, self.position - 1, 1)
        if found and found[0].first_id <= self.position and found[0].seq is not None:
            b = found[0]
            self.count = b.seq + (self.position - b.first_id + 1)

    def done(self, delivery: Delivery) -> None:
        """`delivery` was delivered, given up on, or stepped over: move past it."""
        self.position = delivery.last_id
        self.count = delivery.count
        if delivery.batch is None:
            if delivery.skipped and not self.skipped:
                self.skipped_since = log_timestamp()
            self.skipped = delivery.skipped  # announced with the next batch sent
        else:
            self.skipped = 0

    def next(self) -> Delivery | None:
        """The next delivery from `position`, or None when the drain has caught up."""
        b = self._next_batch()
        if b is None:
            return None
        pos = self.position
        start = max(pos + 1, b.first_id)
        skipped = self.skipped + self._gap_before(b, start)
        if b.hops >= MAX_HOPS:
            return Delivery(None, b.last_id, 0, b.hops, skipped, _count_upto(b, b.last_id))
        lines = self.store.lines(
            self.drain.app,
            after=start - 1,
            before=b.last_id + 1,
            limit=LINES_PER_READ,
            max_bytes=self.max_bytes,
        )
        if not lines:  # retention removed the rest of this batch
            gone = b.last_id - start + 1
            return Delivery(None, b.last_id, 0, b.hops, skipped + gone, _count_upto(b, b.last_id))
        skipped += lines[0].id - start  # ids inside a batch are consecutive
        batch = LogplexBatch(hostname=self.hostname, sd=self.sd, drain_token=self.drain.token)
        notice = ""
        if skipped:
            notice = l10_notice(skipped, self.skipped_since or log_timestamp())
            batch.add(LogRecord(log_timestamp(), "heroku", "logplex", notice), injected=True)
        base = batch.size
        taken = 0
        for line in lines:
            if taken and batch.size - base >= self.max_bytes:
                break
            batch.add(one_line(line.record()))
            taken += 1
        last = lines[taken - 1].id
        batch.frame_id = frame_id(self.drain.id, lines[0].id, last)
        return Delivery(batch, last, taken, b.hops, skipped, _count_upto(b, last), notice)

    def _next_batch(self) -> StoredBatch | None:
        ahead = self._ahead
        while ahead and ahead[0].last_id <= self.position:
            ahead.popleft()
        if not ahead:
            ahead.extend(self.store.stored_batches(self.drain.app, self.position, BATCHES_AHEAD))
        return ahead[0] if ahead else None

    def _gap_before(self, b: StoredBatch, start: int) -> int:
        """Lines of the app between the cursor and `start` that are no longer stored."""
        if self.count is None or b.seq is None:
            return 0
        return max(0, b.seq + (start - b.first_id) - self.count)


def _count_upto(b: StoredBatch, last_id: int) -> int | None:
    return None if b.seq is None else b.seq + (last_id - b.first_id + 1)
