"""Drains in PostgreSQL, and who forwards each: one router at a time, by a lease in its row.

Several routers share the drains. Each drain row carries its forwarding `cursor` (the last id
of its app already delivered), its `owner` (a router's id) and when that lease expires. A
router calls `lease` every few seconds: it renews its own leases and takes drains that are
free or whose owner stopped renewing (`FOR UPDATE SKIP LOCKED`, so two routers never take
the same row, nor wait for each other); `advance` stores a new cursor only while the router
still owns the drain, so a router that lost its lease learns it and stops. A new owner
resumes from the stored cursor: nothing acknowledged by the drain is lost, and what was sent
but not recorded is sent again (the forwarder gives it the same frame id).

Drains are spread over the routers alive (those that leased within their ttl, `routers`): a
router keeps at most its fair share (`ceil(drains / routers)`) and hands the rest back, so a
router that starts later gets drains too. A drain handed back keeps its lease's expiry: no
other router takes it before then, while the router that gave it up stops its forwarder (a
send in flight may still end), so two routers never send one drain at the same time. A drain
released by a router stopping (`release`) is free at once: its forwarders have stopped. A
lease that expired but that no router has taken yet is still its owner's.
"""

from __future__ import annotations

import math

import psycopg

from .interface import Drain, DrainLease
from .postgres_db import PostgresDatabase
from .shared_sql import DRAIN_COLS, FIND_DRAIN_SQL, MAKE_APP_SQL, drains_sql, for_psycopg

_FIND_SQL = for_psycopg(FIND_DRAIN_SQL)
_MAKE_APP_SQL = for_psycopg(MAKE_APP_SQL)
_D_COLS = ", ".join(f"d.{c.strip()}" for c in DRAIN_COLS.split(","))
LEASES_SQL = (
    f"select {_D_COLS}, d.cursor, extract(epoch from d.lease_expires)::float8"
    " from tuilogs.drains d where d.owner = %s order by d.created_at, d.id"
)


class PostgresDrains:
    """The drain rows of one database (see the module docstring)."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    def drains(self, app: str | None = None) -> list[Drain]:
        args = () if app is None else (app,)
        with self.db.conn() as conn:
            rows = conn.execute(for_psycopg(drains_sql(bool(args))), args).fetchall()
        return [Drain(*row) for row in rows]

    def find(self, app: str, ident: str) -> Drain | None:
        with self.db.conn() as conn:
            row = conn.execute(_FIND_SQL, (app, ident, ident, ident)).fetchone()
        return Drain(*row) if row else None

    def add(self, drain: Drain) -> Drain | None:
        """Store `drain`, its cursor at its app's newest id (it forwards what comes next);
        None when the app already has a drain with this URL."""
        with self.db.conn() as conn, conn.transaction():
            conn.execute(_MAKE_APP_SQL, (drain.app, drain.created_at, drain.created_at))
            row = conn.execute(
                f"insert into tuilogs.drains({DRAIN_COLS}, cursor)"
                " select %s, %s, %s, %s, %s, %s, last_id from tuilogs.apps where name = %s"
                " on conflict do nothing returning id",
                (
                    drain.id,
                    drain.app,
                    drain.url,
                    drain.token,
                    drain.created_at,
                    drain.updated_at,
                    drain.app,
                ),
            ).fetchone()
        return drain if row else None

    # -- leases ----------------------------------------------------------------------------

    def lease(self, owner: str, ttl: float) -> list[DrainLease]:
        """Renew `owner`'s leases, give back what exceeds its fair share, take free or
        expired drains up to it; every drain `owner` holds now."""
        with self.db.conn() as conn, conn.transaction():
            live, total = self._register(conn, owner, ttl)
            share = math.ceil(total / max(live, 1))
            mine = sorted(
                row[0]
                for row in conn.execute(
                    "select id from tuilogs.drains where owner = %s for update", (owner,)
                ).fetchall()
            )
            conn.execute(
                "update tuilogs.drains set lease_expires = now() + make_interval(secs => %s)"
                " where id = any(%s)",
                (ttl, mine[:share]),
            )
            if len(mine) > share:  # handed back, taken by others once the lease ran out
                conn.execute(
                    "update tuilogs.drains set owner = null where id = any(%s)", (mine[share:],)
                )
            elif len(mine) < share:
                self._take(conn, owner, ttl, share - len(mine))
            rows = conn.execute(LEASES_SQL, (owner,)).fetchall()
        return [DrainLease(Drain(*row[:6]), row[6], row[7]) for row in rows]

    def _register(self, conn: psycopg.Connection, owner: str, ttl: float) -> tuple[int, int]:
        """Note `owner` as alive for `ttl` seconds; (routers alive, drains)."""
        conn.execute(
            "insert into tuilogs.routers(owner, seen_until)"
            " values (%s, now() + make_interval(secs => %s))"
            " on conflict (owner) do update set seen_until = excluded.seen_until",
            (owner, ttl),
        )
        conn.execute("delete from tuilogs.routers where seen_until < now()")
        return conn.execute(
            "select (select count(*) from tuilogs.routers), (select count(*) from tuilogs.drains)"
        ).fetchone()

    def _take(self, conn: psycopg.Connection, owner: str, ttl: float, limit: int) -> None:
        conn.execute(
            "update tuilogs.drains set owner = %s,"
            " lease_expires = now() + make_interval(secs => %s)"
            " where id in (select id from tuilogs.drains"
            "  where lease_expires is null or lease_expires < now()"
            "  order by created_at, id limit %s for update skip locked)",
            (owner, ttl, limit),
        )

    def advance(self, drain_id: str, owner: str, cursor: int) -> bool:
        """Store the last forwarded id; False when `owner` no longer holds the drain."""
        with self.db.conn() as conn:
            row = conn.execute(
                "update tuilogs.drains set cursor = greatest(cursor, %s)"
                " where id = %s and owner = %s returning 1",
                (cursor, drain_id, owner),
            ).fetchone()
        return row is not None

    def release(self, owner: str) -> None:
        """Give back every drain of `owner` (a router stopping): others take them at once."""
        with self.db.conn() as conn, conn.transaction():
            conn.execute(
                "update tuilogs.drains set owner = null, lease_expires = null where owner = %s",
                (owner,),
            )
            conn.execute("delete from tuilogs.routers where owner = %s", (owner,))
