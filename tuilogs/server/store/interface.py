"""What the router needs from a log store: the `LogStore` protocol and the data it speaks.

The API, log sessions, the hub's tails, the forwarders and the maintenance thread use only
this. Two implementations stand behind it: `sqlite.SQLiteStore` (one file, one router) and
`postgres.PostgresStore` (several routers on one database: ids assigned per app inside the
inserting transaction, frame ids deduplicated in a table, new batches announced with NOTIFY).
Drain forwarding is one design on both (`server/forward.py`): a lease per drain, a cursor
(the last id delivered) and the stored batches the deliveries are cut by.

Ids are the resume cursor, so three promises hold for every implementation:

* **Ids are positive, unique and never reused** (not even after retention removed every line).
* **Ids of one app become visible in order.** Once a reader sees a line of an app with id N,
  every line of that app with a smaller id is visible too, and every line of the app stored
  later gets an id > N. Clients page by id and tails resume after the last id they saw.
* **A batch is one unit.** `append` stores all of it or nothing, with consecutive ids, and it
  is durable when `append` returns (the drain endpoint answers 2xx only after that).

Time ranges (`since`, `until`: whole seconds since the epoch, either may be None) narrow the
line-reading methods to the lines whose timestamp, truncated to whole seconds, lies in
[since, until); a line whose timestamp cannot be read (RFC 3339 with `Z`, `±HH:MM` or
`±HHMM`, any fraction) is in no bounded range. A range is a filter over the app's lines in id
order, never a cut at the first line outside it: timestamps are not monotonic across dynos.
The ids promises above hold with a range as without (a tail with a range still continues
after the head id without gap or duplicate among the lines in range). Scanning is fine (both
stores evaluate the time per row); an index on the time is an optimisation.

All methods block: the router calls them from worker threads, never on the event loop.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from tuilogs.core.record import LogRecord, api_timestamp

from .builds import BuildStore

MAX_ID = 1 << 62  # above every id: the open upper bound of a read


class StoreError(Exception):
    """The store cannot do this now (I/O error, locked, closed); senders should retry."""


class StoreFull(StoreError):
    """The disk (or a configured hard cap) is full; senders should retry later."""


@dataclass(frozen=True, slots=True)
class StoredLine:
    """A stored line: its id (the app's received order) and the record."""

    id: int
    timestamp: str
    source: str
    dyno: str
    message: str

    def record(self) -> LogRecord:
        return LogRecord(self.timestamp, self.source, self.dyno, self.message)

    def line(self) -> str:
        return self.record().line()


@dataclass(frozen=True, slots=True)
class StoredApp:
    """An app the store knows: first logs (`created_at`), latest logs (`updated_at`)."""

    name: str
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class Drain:
    """A log drain of an app: where its lines are forwarded, and the token they carry."""

    id: str
    app: str
    url: str
    token: str
    created_at: str
    updated_at: str

    @classmethod
    def new(cls, app: str, url: str) -> Drain:
        """A drain as `LogStore.add_drain` makes one: a fresh id and `d.<uuid>` token."""
        stamp = api_timestamp()
        return cls(str(uuid.uuid4()), app, url, f"d.{uuid.uuid4()}", stamp, stamp)


@dataclass(frozen=True, slots=True)
class LineStats:
    """An app's line count, id range, and counts per source and per dyno."""

    lines: int
    first_id: int | None
    last_id: int | None
    sources: dict[str, int]
    dynos: dict[str, int]

    @classmethod
    def tally(cls, groups: Iterable[tuple[str, str, int, int, int]]) -> LineStats:
        """The stats from an app's lines grouped by source and dyno, as both stores' SQL
        answers them: (source, dyno, count, min id, max id) per group."""
        by_source: dict[str, int] = {}
        by_dyno: dict[str, int] = {}
        total, first, last = 0, None, None
        for source, dyno, n, lo, hi in groups:
            total += n
            by_source[source] = by_source.get(source, 0) + n
            by_dyno[dyno] = by_dyno.get(dyno, 0) + n
            first = lo if first is None else min(first, lo)
            last = hi if last is None else max(last, hi)
        return cls(total, first, last, by_source, by_dyno)


@dataclass(frozen=True, slots=True)
class LineQuery:
    """Which lines a read is about: those of `app`, narrowed to `source` exactly, `dyno` as
    Heroku's dyno filter (`record.dyno_matches`), `q` a case-insensitive substring of the
    message, and `since`/`until` a time range (module doc); None narrows by nothing."""

    app: str
    source: str | None = None
    dyno: str | None = None
    q: str | None = None
    since: int | None = None
    until: int | None = None


@dataclass(frozen=True, slots=True)
class Upkeep:
    """What one `LogStore.maintain` call did: some work, whether more is waiting, and whether
    that is `urgent` (the store is over its size limit: call again at once, even while ingest
    is busy, so that retention keeps pace with ingest)."""

    worked: bool
    more: bool
    urgent: bool = False


# -- drain forwarding: leases and cursors -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DrainLease:
    """A drain this router forwards now, from `cursor` (the last id forwarded: lines with a
    greater id are still to send), until `expires_at` (`time.time()`) unless renewed."""

    drain: Drain
    cursor: int
    expires_at: float


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """One `append` as stored, which is how forwarders cut what they send.

    Ids `first_id`..`last_id` (consecutive, one app); `hops` as given to `append`; `seq`: how
    many lines the app had been given before this batch (a running count per app, None when
    unknown: batches stored before it was kept), so that a forwarder can count the lines
    retention removed between two batches.
    """

    first_id: int
    last_id: int
    hops: int
    seq: int | None


class DrainLeases(Protocol):
    """Who forwards each drain, as a store keeps it: `LogStore`'s lease methods are these."""

    def lease(self, owner: str, ttl: float) -> list[DrainLease]: ...

    def advance(self, drain_id: str, owner: str, cursor: int) -> bool: ...

    def release(self, owner: str) -> None: ...


class StoreUpkeep(Protocol):
    """A store's background work: `LogStore`'s `maintain` and `enforce_retention` are these."""

    def maintain(self, busy: bool) -> Upkeep: ...

    def enforce_retention(self) -> int: ...


class LogStore(BuildStore, Protocol):
    """The router's store of lines, apps, drains and builds (`builds.BuildStore`); see the
    module docstring for ids.

    Where every store does the same around its own SQL (an empty batch, a read's bounds,
    `since`, removing a drain, the lease and upkeep methods, builds), the method has its one
    implementation here, and a store that subclasses the protocol (as both do, PEP 544)
    inherits it and supplies what it calls: `store_batch`, `tail_start`, `read_lines`,
    `delete_drain`, its `leases` and `upkeep`. A method whose body is `...` is the store's own.
    """

    # -- ingest ------------------------------------------------------------------------------

    def append(
        self,
        app: str,
        records: Sequence[LogRecord],
        frame_id: str | None = None,
        hops: int = 0,
    ) -> tuple[int, int] | None:
        """Store a batch of `app` atomically and durably; its ids (first, last), consecutive
        and in the order of `records`.

        None when `records` is empty, or when `frame_id` (a Logplex-Frame-Id) was already
        stored for this app: a retried batch is acknowledged and not stored twice. Raises
        StoreFull when out of space, StoreError for other failures; nothing is stored then.
        `hops` (how many routers the batch came through, `server.hops`) is kept with the
        batch (`StoredBatch`), as drain forwarders read it.
        """
        return self.store_batch(app, records, frame_id, hops) if records else None

    def store_batch(
        self, app: str, records: Sequence[LogRecord], frame_id: str | None, hops: int
    ) -> tuple[int, int] | None:
        """The store's part of `append` (whose contract it keeps), for a batch of records."""
        ...

    # -- reads -------------------------------------------------------------------------------

    def head_id(self) -> int:
        """The newest id in the store, over all apps (0 when empty)."""
        ...

    def tail_bounds(
        self,
        app: str,
        n: int,
        *,
        source: str | None = None,
        dyno: str | None = None,
        q: str | None = None,
        after: int = 0,
        before: int | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> tuple[int, int]:
        """Where the last `n` matching lines of `app` begin, and the head id: (start, head).

        The lines are the `n` newest matching ones with `after` < id < `before` (default: up
        to the newest); read them oldest first, in pieces, with `lines(after=start,
        before=min(before, head + 1))`. `start` is `after` when fewer match, and just below
        the upper bound when `n` is 0. Both come from one snapshot: every line of `app` not
        visible in it gets an id greater than `head`, so a tail that goes on after `head`
        has no gap and no duplicate. The filters are a `LineQuery`'s.
        """
        return self.tail_start(LineQuery(app, source, dyno, q, since, until), n, after, before)

    def tail_start(
        self, query: LineQuery, n: int, after: int, before: int | None
    ) -> tuple[int, int]:
        """The store's part of `tail_bounds` (whose contract it keeps): (start, head)."""
        ...

    def lines(
        self,
        app: str,
        *,
        after: int = 0,
        before: int | None = None,
        limit: int = 1000,
        source: str | None = None,
        dyno: str | None = None,
        q: str | None = None,
        max_bytes: int | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> list[StoredLine]:
        """The first matching lines of `app` with `after` < id < `before`, oldest first.

        At most `limit` lines, and with `max_bytes` the piece ends at the line whose message
        brings the total to `max_bytes` (at least one line): answers are built piece by piece
        so that no reader holds a large history at once. An empty list means no more lines.
        Filters as in `tail_bounds`; results are exact whether or not a search index covers
        the lines yet.
        """
        before = MAX_ID if before is None else before
        if limit <= 0 or after + 1 >= before:
            return []
        query = LineQuery(app, source, dyno, q, since, until)
        return self.read_lines(query, after, before, limit, max_bytes)

    def read_lines(
        self, query: LineQuery, after: int, before: int, limit: int, max_bytes: int | None
    ) -> list[StoredLine]:
        """The store's part of `lines` (whose contract it keeps), called only when a line can
        be in the answer: `limit` > 0 and an id between `after` and `before`."""
        ...

    def since(
        self,
        app: str,
        after_id: int,
        limit: int = 10_000,
        source: str | None = None,
        dyno: str | None = None,
        *,
        since: int | None = None,
        until: int | None = None,
    ) -> list[StoredLine]:
        """Up to `limit` matching lines of `app` with id > `after_id`, oldest first."""
        return self.lines(
            app, after=after_id, limit=limit, source=source, dyno=dyno, since=since, until=until
        )

    def count(self, app: str | None = None) -> int:
        """How many lines `app` has (every app's when None)."""
        ...

    def stats(self, app: str) -> LineStats:
        """Counts per source and dyno and the id range of `app` (one pass over its lines)."""
        ...

    def apps(self) -> list[StoredApp]:
        """Every app with logs or drains, by name."""
        ...

    def app(self, name: str) -> StoredApp | None:
        """The app of this name, or None."""
        ...

    # -- drains ------------------------------------------------------------------------------

    def drains(self, app: str | None = None) -> list[Drain]:
        """The drains of `app` (of every app when None), oldest first."""
        ...

    def find_drain(self, app: str, ident: str) -> Drain | None:
        """A drain of `app` by id, URL or token."""
        ...

    def add_drain(self, app: str, url: str) -> Drain | None:
        """A new drain (fresh id and `d.<uuid>` token; the app exists from now on); None when
        the app already has a drain with this URL."""
        ...

    def remove_drain(self, app: str, ident: str) -> Drain | None:
        """Remove a drain of `app` by id, URL or token; the removed drain, or None."""
        drain = self.find_drain(app, ident)
        if drain is not None:
            self.delete_drain(drain.id)
        return drain

    def delete_drain(self, drain_id: str) -> None:
        """The store's part of `remove_drain`: the drain with this id goes, with its lease."""
        ...

    # -- redaction counts (`tuilogs serve --redact`) -------------------------------------------

    def add_redactions(self, app: str, counts: Mapping[str, int]) -> None:
        """Add `counts` (rule name -> secrets removed from lines of `app`) to the app's totals.

        The router calls it right after `append` stored the batch the counts are from (never
        for a batch `append` did not store); durable when it returns, atomic (all of
        `counts` or none). Totals only grow: they count what redaction removed, so retention
        deleting lines does not lower them. A crash between the two calls loses that batch's
        counts, never lines. Raises StoreError (StoreFull) as `append` does.
        """
        ...

    def redactions(self, app: str) -> dict[str, int]:
        """The totals `add_redactions` kept for `app`, by rule name ({} when none)."""
        ...

    # -- drain forwarding: leases and cursors ------------------------------------------------
    # Each drain is forwarded by one router at a time (`server.forward`): it holds the drain's
    # lease, renewed every few seconds, and sends from the stored cursor. A router that dies
    # loses its leases when they expire, and another one goes on from the cursor. A new drain's
    # cursor is its app's head id when it is added (it gets new lines, as Logplex's do).

    # A store keeps the leases in its `leases` (sqlite_drains.py, postgres_drains.py).
    leases: DrainLeases

    def lease_drains(self, owner: str, ttl: float) -> list[DrainLease]:
        """Renew `owner`'s leases and take drains whose lease is free or expired; the drains
        `owner` holds now."""
        return self.leases.lease(owner, ttl)

    def advance_drain(self, drain_id: str, owner: str, cursor: int) -> bool:
        """Record that lines up to `cursor` were delivered; False when `owner` no longer holds
        the lease (another router took over: stop forwarding that drain)."""
        return self.leases.advance(drain_id, owner, cursor)

    def release_drains(self, owner: str) -> None:
        """Give up `owner`'s leases (a clean shutdown hands drains over at once)."""
        self.leases.release(owner)

    def stored_batches(self, app: str, after: int, limit: int = 100) -> list[StoredBatch]:
        """The first `limit` batches of `app` whose last id is greater than `after`, oldest
        first: one per `append`, also after retention removed some of its lines.

        Retention keeps the batch holding each drain's cursor (its lines may go), so that the
        router taking a drain over knows the cursor's place in the app's count (`seq`).
        """
        ...

    # -- upkeep ------------------------------------------------------------------------------

    # A store's background work is its `upkeep`'s (sqlite_upkeep.py, postgres_upkeep.py).
    upkeep: StoreUpkeep

    def maintain(self, busy: bool) -> Upkeep:
        """One short slice of background work: indexing for search, keeping the store's disk
        use within `retention_bytes` (its journal included), giving freed space back.

        The maintenance thread calls it in a loop; `busy` says batches are arriving right now,
        so the slice should be small. `more` asks to be called again soon.
        """
        return self.upkeep.maintain(busy)

    def enforce_retention(self) -> int:
        """Delete the oldest lines beyond the configured age and size limits; how many.

        The size limit counts what the store occupies on disk, its journal included.
        """
        return self.upkeep.enforce_retention()

    def close(self) -> None:
        """Release connections; later calls raise StoreError."""
        ...
