"""The SQLite store's part of drain forwarding: leases, cursors, and batches as stored.

One router holds a SQLite store at a time (`datadir.claim_store`), so a lease here has one
owner in practice; leases are kept all the same, so that forwarding runs the same code on every
store (`server.forward`): a router killed with -9 leaves its leases to expire after `ttl`, a
stopped one releases them, and whoever holds a drain next goes on from its cursor.

`drain_leases` holds one row per drain: made with the drain (cursor: the app's head id, so a
new drain gets new lines) and deleted with it; drains made by an older version get theirs at
the next `lease`, from the head as well. Retention keeps the batch row holding each cursor
(`TRIM_BATCHES_SQL`), whose `seq` lets the next owner count the lines removed after it.
"""

from __future__ import annotations

import sqlite3
import time

from .interface import Drain, DrainLease, StoredBatch
from .shared_sql import DRAIN_COLS
from .sqlite_db import SQLiteDatabase

_D_COLS = ", ".join(f"d.{col.strip()}" for col in DRAIN_COLS.split(","))
_APP_HEAD = "coalesce((select max(l.id) from lines l where l.app = {app}), 0)"

# Retention's cleanup of batch rows (sqlite_upkeep.py): a row whose lines are all gone goes,
# unless it holds a drain's cursor.
TRIM_BATCHES_SQL = (
    "delete from batches where last_id <= ? and not exists ("
    " select 1 from drain_leases l join drains d on d.id = l.drain_id"
    " where d.app = batches.app and l.cursor between batches.first_id and batches.last_id)"
)


def start_cursor(c: sqlite3.Connection, drain_id: str, app: str) -> None:
    """In `add_drain`'s transaction: the new drain's cursor at its app's head."""
    c.execute(
        f"insert into drain_leases(drain_id, cursor) values (?, {_APP_HEAD.format(app='?')})",
        (drain_id, app),
    )


def forget_cursor(c: sqlite3.Connection, drain_id: str) -> None:
    """In `remove_drain`'s transaction."""
    c.execute("delete from drain_leases where drain_id = ?", (drain_id,))


class SQLiteDrainLeases:
    """`LogStore`'s lease methods over one `SQLiteDatabase` (thread-safe, blocking)."""

    def __init__(self, db: SQLiteDatabase) -> None:
        self.db = db

    def lease(self, owner: str, ttl: float) -> list[DrainLease]:
        now = time.time()
        with self.db.write() as c:
            c.execute(
                "insert into drain_leases(drain_id, cursor)"
                f" select d.id, {_APP_HEAD.format(app='d.app')} from drains d"
                " where d.id not in (select drain_id from drain_leases)"
            )
            c.execute(
                "update drain_leases set owner = ?, expires_at = ?"
                " where owner = ? or owner is null or expires_at <= ?",
                (owner, now + ttl, owner, now),
            )
            rows = c.execute(
                f"select {_D_COLS}, l.cursor, l.expires_at from drain_leases l"
                " join drains d on d.id = l.drain_id where l.owner = ?"
                " order by d.created_at, d.id",
                (owner,),
            ).fetchall()
        return [DrainLease(Drain(*row[:6]), row[6], row[7]) for row in rows]

    def advance(self, drain_id: str, owner: str, cursor: int) -> bool:
        with self.db.write() as c:
            n = c.execute(
                "update drain_leases set cursor = max(cursor, ?) where drain_id = ? and owner = ?",
                (cursor, drain_id, owner),
            ).rowcount
        return n == 1

    def release(self, owner: str) -> None:
        with self.db.write() as c:
            c.execute(
                "update drain_leases set owner = null, expires_at = 0 where owner = ?", (owner,)
            )

    def batches(self, app: str, after: int, limit: int) -> list[StoredBatch]:
        rows = self.db.reader().execute(
            "select first_id, last_id, hops, seq from batches where app = ? and last_id > ?"
            " order by last_id limit ?",
            (app, after, limit),
        )
        return [StoredBatch(*row) for row in rows]
