"""`AlertStore` in PostgreSQL: the same tables and statements as SQLite (`alerts_sql.py`, with
psycopg's placeholders, and `alerts_store.PortableAlertStore`'s methods), over the PostgreSQL
log store's connection pool — plus what a team's routers need to share the rules' evaluation
(`alerting/team.py`):

- one router evaluates at a time, by the lease `alert-rules` (`postgres_leases.py`): a store
  made `for_owner` writes rule states and firings only while that owner holds it, checked in
  the same transaction, so a router that lost the lease can neither fire a window again nor
  put back older states over its successor's;
- `version` changes whenever a rule is added or removed through any router, so the evaluating
  router reloads the rules at its next poll;
- `heads` says how far the apps with rules have stored lines (the poll behind the NOTIFY).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

from . import alerts_sql as sql
from . import postgres_leases as leases
from .alerts_store import PortableAlertStore
from .interface import StoreError

LEASE = "alert-rules"  # the lease of the rules' evaluation (tuilogs.leases)

_VERSION = (
    "select count(*) || ':' || coalesce(md5(string_agg(id, ',' order by id)), '') from alert_rules"
)
_HEADS = (  # an app with rules but no line yet: 0
    "select r.app, coalesce(a.last_id, 0) from (select distinct app from alert_rules) r"
    " left join tuilogs.apps a on a.name = r.app"
)


class AlertLeaseLost(StoreError):
    """Another router evaluates the alert rules now: this one may not write their states."""


class PostgresAlertStore(PortableAlertStore):
    """An `AlertStore` over a psycopg `ConnectionPool` (thread-safe, blocking)."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self.owner: str | None = None  # set by `for_owner`: state writes need the lease
        with self._tx() as c:
            for statement in sql.SCHEMA:
                c.execute(statement)

    def for_owner(self, owner: str) -> PostgresAlertStore:
        """This store for the router `owner`, whose state writes need the rules' lease."""
        other = copy.copy(self)
        other.owner = owner
        return other

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Connection]:
        """A connection in a transaction (committed when the block ends without error);
        psycopg errors become StoreError, as the SQLite store's do."""
        try:
            with self.pool.connection() as conn, conn.transaction():
                yield conn
        except psycopg.Error as exc:
            raise StoreError(f"store failed: {exc}") from exc

    def _read(self, statement: str, args: Sequence[object] = ()) -> list[tuple]:
        with self._tx() as c:
            return c.execute(self._sql(statement), args).fetchall()

    @contextmanager
    def _write(self) -> Iterator[psycopg.Cursor]:
        with self._tx() as conn, conn.cursor() as cur:
            yield cur

    def _sql(self, statement: str) -> str:
        return sql.for_psycopg(statement)

    def _guard(self, c: psycopg.Cursor) -> None:
        if self.owner is not None and not leases.holds(c.connection, LEASE, self.owner):
            raise AlertLeaseLost("another router evaluates the alert rules now")

    # -- the team's evaluation ---------------------------------------------------------------

    def hold_lease(self, owner: str, ttl: float) -> float | None:
        """Renew or take the rules' lease for `ttl` s; its expiry, or None (held elsewhere)."""
        with self._tx() as c:
            return leases.hold(c, LEASE, owner, ttl)

    def release_lease(self, owner: str) -> None:
        with self._tx() as c:
            leases.release(c, LEASE, owner)

    def version(self) -> str:
        """Which rules exist (their number and ids): changes with every rule added or removed."""
        return self._read(_VERSION)[0][0]

    def heads(self) -> dict[str, int]:
        """The newest line id of each app that has rules."""
        return dict(self._read(_HEADS))
