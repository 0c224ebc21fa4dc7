"""`AlertStore` in the SQLite store's file: the tables of `alerts_sql.py`, written through the
store's one writer (`SQLiteDatabase.write`), read through each thread's reader.

Alerting writes little — a rule, a firing, the states of the rules every few seconds — so it
shares the log store's file and writer rather than opening a second database.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence

from . import alerts_sql as sql
from .alerts_interface import AlertRule, Firing, RuleState, SavedSearch
from .interface import StoreError
from .sqlite_db import SQLiteDatabase


class SQLiteAlertStore:
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

    # -- saved searches ----------------------------------------------------------------------

    def searches(self, app: str) -> list[SavedSearch]:
        return [SavedSearch(*row) for row in self._read(sql.SEARCHES, (app,))]

    def save_search(self, app: str, name: str, query: str) -> tuple[SavedSearch, bool]:
        self._ensure_schema()
        now = time.time()
        with self.db.write() as c:
            old = c.execute(sql.SEARCH, (app, name)).fetchone()
            c.execute(sql.UPSERT_SEARCH, (app, name, query, now, now))
            row = c.execute(sql.SEARCH, (app, name)).fetchone()
        return SavedSearch(*row), old is None

    def remove_search(self, app: str, name: str) -> SavedSearch | None:
        self._ensure_schema()
        with self.db.write() as c:
            row = c.execute(sql.SEARCH, (app, name)).fetchone()
            if row is not None:
                c.execute(sql.DELETE_SEARCH, (app, name))
        return SavedSearch(*row) if row else None

    # -- rules -------------------------------------------------------------------------------

    def rules(self, app: str | None = None) -> list[AlertRule]:
        rows = self._read(sql.RULES) if app is None else self._read(sql.APP_RULES, (app,))
        return [AlertRule(*row) for row in rows]

    def add_rule(self, rule: AlertRule) -> bool:
        self._ensure_schema()
        with self.db.write() as c:
            if c.execute(sql.RULE_NAMED, (rule.app, rule.name)).fetchone():
                return False
            c.execute(
                sql.INSERT_RULE,
                (
                    rule.id,
                    rule.app,
                    rule.name,
                    rule.query,
                    rule.kind,
                    rule.threshold,
                    rule.window,
                    rule.cooldown,
                    rule.webhook,
                    rule.created_at,
                ),
            )
        return True

    def remove_rule(self, app: str, ident: str) -> AlertRule | None:
        self._ensure_schema()
        with self.db.write() as c:
            row = c.execute(sql.RULE_BY_IDENT, (app, ident, ident)).fetchone()
            if row is None:
                return None
            c.execute(sql.DELETE_RULE, (row[0],))
            c.execute(sql.DELETE_STATE, (row[0],))
        return AlertRule(*row)

    # -- evaluation ----------------------------------------------------------------------------

    def states(self) -> dict[str, RuleState]:
        out = {}
        for rule_id, start, count, fired, last_fired, last_seen in self._read(sql.STATES):
            out[rule_id] = RuleState(rule_id, start, count, bool(fired), last_fired, last_seen)
        return out

    def cursors(self) -> dict[str, int]:
        return dict(self._read(sql.CURSORS))

    def save_states(self, states: Sequence[RuleState], cursors: dict[str, int]) -> None:
        if not states and not cursors:
            return
        self._ensure_schema()
        with self.db.write() as c:
            c.executemany(sql.UPSERT_STATE, [_state_row(s) for s in states])
            c.executemany(sql.UPSERT_CURSOR, list(cursors.items()))

    def record_firing(self, firing: Firing, state: RuleState) -> None:
        self._ensure_schema()
        with self.db.write() as c:
            c.execute(
                sql.INSERT_FIRING,
                (
                    firing.id,
                    firing.rule_id,
                    firing.app,
                    firing.rule_name,
                    firing.at,
                    firing.count,
                    firing.message,
                ),
            )
            c.execute(sql.UPSERT_STATE, _state_row(state))

    def firings(self, app: str, *, after: float = 0.0, limit: int = 100) -> list[Firing]:
        return [Firing(*row) for row in self._read(sql.FIRINGS, (app, after, limit))]


def _state_row(s: RuleState) -> tuple:
    return (s.rule_id, s.window_start, s.count, int(s.fired), s.last_fired, s.last_seen)
