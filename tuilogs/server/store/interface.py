"""What the router needs from a log store: the `LogStore` protocol and the data it speaks.

The API, log sessions, the hub's tails, the forwarders and the maintenance thread use only
this. Today's implementation is `sqlite.SQLiteStore` (one file, one router); the protocol is
written so that another can stand beside it — several routers on one PostgreSQL database,
ids assigned per app inside the inserting transaction, frame ids deduplicated in a table,
new batches announced with NOTIFY, drains owned through leases — without the callers changing.

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
after the head id without gap or duplicate among the lines in range). Scanning is fine (the
SQLite store evaluates the time per row); an index on the time is an optimisation.

All methods block: the router calls them from worker threads, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tuilogs.core.record import LogRecord


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


@dataclass(frozen=True, slots=True)
class LineStats:
    """An app's line count, id range, and counts per source and per dyno."""

    lines: int
    first_id: int | None
    last_id: int | None
    sources: dict[str, int]
    dynos: dict[str, int]


@dataclass(frozen=True, slots=True)
class Upkeep:
    """What one `LogStore.maintain` call did: some work, and whether more is waiting."""

    worked: bool
    more: bool


class LogStore(Protocol):
    """The router's store of lines, apps and drains (see the module docstring for ids)."""

    # -- ingest ------------------------------------------------------------------------------

    def append(
        self, app: str, records: Sequence[LogRecord], frame_id: str | None = None
    ) -> tuple[int, int] | None:
        """Store a batch of `app` atomically and durably; its ids (first, last), consecutive
        and in the order of `records`.

        None when `records` is empty, or when `frame_id` (a Logplex-Frame-Id) was already
        stored for this app: a retried batch is acknowledged and not stored twice. Raises
        StoreFull when out of space, StoreError for other failures; nothing is stored then.
        """
        ...

    # -- reads -------------------------------------------------------------------------------

    def head_id(self) -> int:
        """The newest id in the store, over all apps (0 when empty)."""
        ...

    def tail(
        self,
        app: str,
        n: int,
        source: str | None = None,
        dyno: str | None = None,
        *,
        since: int | None = None,
        until: int | None = None,
    ) -> tuple[list[StoredLine], int]:
        """The last `n` matching lines of `app`, oldest first, and the head id.

        Both come from one snapshot: every line of `app` not in it and not older has an id
        greater than the head id, so a tail continues from there without gap or duplicate.
        `dyno` is Heroku's dyno filter (`record.dyno_matches`); `source` matches exactly;
        `since`/`until` a time range (module doc).
        """
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
        ...

    def since_snapshot(
        self,
        app: str,
        after_id: int,
        limit: int,
        source: str | None = None,
        dyno: str | None = None,
        *,
        since: int | None = None,
        until: int | None = None,
    ) -> tuple[list[StoredLine], int]:
        """`since` and the head id from one snapshot (gapless catch-up, as `tail`)."""
        ...

    def page(
        self,
        app: str,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 100,
        source: str | None = None,
        dyno: str | None = None,
        q: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> list[StoredLine]:
        """A page of history by position, oldest first.

        With `after` (and no `before`): the `limit` matching lines right after it (paging
        forward). Otherwise the `limit` matching lines right before `before` (default: the
        newest), bounded below by `after` if given. `q` is a case-insensitive substring of the
        message; results are exact whether or not a search index covers the lines yet.
        `since`/`until` keep the lines in a time range (module doc); the router's histogram
        (`server/histogram.py`) reads a range's lines through this method, page after page.
        """
        ...

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
        ...

    # -- upkeep ------------------------------------------------------------------------------

    def maintain(self, busy: bool) -> Upkeep:
        """One short slice of background work (indexing for search, checkpoints…).

        The maintenance thread calls it in a loop; `busy` says batches are arriving right now,
        so the slice should be small. `more` asks to be called again soon.
        """
        ...

    def enforce_retention(self) -> int:
        """Delete the oldest lines beyond the configured age and size limits; how many."""
        ...

    def close(self) -> None:
        """Release connections; later calls raise StoreError."""
        ...
