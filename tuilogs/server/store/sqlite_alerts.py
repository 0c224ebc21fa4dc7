"""`AlertStore` in the SQLite store's file: the tables of `alerts_sql.py`, written through the
store's one writer (`SQLiteDatabase.write`), read through each thread's reader; the methods
are `alerts_store.PortableAlertStore`'s, shared with PostgreSQL.

Alerting writes little — a rule, a firing, the states of the rules every few seconds — so it
shares the log store's file and writer rather than opening a second database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from . import alerts_sql as sql
from .alerts_store import PortableAlertStore
from .interface import StoreError
from .sqlite_db import SQLiteDatabase


class SQLiteAlertStore(PortableAlertStore):
    """An `AlertStore` over a `SQLiteDatabase` (thread-safe, blocking)."""

    def __init__(self, db: SQLiteDatabase) -> None:
        self.db = db
        self._ready = False
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        """Create the tables (a store opened read-only on a full disk gets them later)."""
        if self._ready:
            return
        with self.db.write() as c:
            for statement in sql.SCHEMA:
                c.execute(statement)
        self._ready = True

    def _read(self, statement: str, args: Sequence[object] = ()) -> list[tuple]:
        self._ensure_schema()
        try:
            return self.db.reader().execute(statement, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"store read failed: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self._ensure_schema()
        with self.db.write() as c:
            yield c
