"""`AlertStore` written once over the portable SQL of `alerts_sql.py`: what each method reads
and writes, in which transaction. `SQLiteAlertStore` and `PostgresAlertStore` say only how a
statement is read, how a write transaction is had, and their placeholders.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from . import alerts_sql as sql
from .alerts_interface import AlertRule, Firing, RuleState, SavedSearch


class PortableAlertStore:
    """The `AlertStore` methods; a subclass gives `_read`, `_write` and `_sql`."""

    def _read(self, statement: str, args: Sequence[object] = ()) -> list[tuple]:
        """The rows of one statement of `alerts_sql` (placeholders as written there)."""
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[Any]:
        """A write transaction: a DB-API cursor or connection (`execute`, `executemany`),
        committed when the block ends without error; errors become StoreError."""
        raise NotImplementedError

    def _sql(self, statement: str) -> str:
        """`statement` in the database's placeholders."""
        return statement

    def _guard(self, c: Any) -> None:
        """In a write of rule states: refuse it (StoreError) when this store may not write
        them (PostgreSQL: another router evaluates the rules)."""

    # -- saved searches ----------------------------------------------------------------------

    def searches(self, app: str) -> list[SavedSearch]:
        return [SavedSearch(*row) for row in self._read(sql.SEARCHES, (app,))]

    def save_search(self, app: str, name: str, query: str) -> tuple[SavedSearch, bool]:
        """Create or replace; new or not is read first, so on PostgreSQL two routers saving one
        name at the same instant may both say "new" (the row is right either way)."""
        now = time.time()
        with self._write() as c:
            old = c.execute(self._sql(sql.SEARCH), (app, name)).fetchone()
            c.execute(self._sql(sql.UPSERT_SEARCH), (app, name, query, now, now))
            row = c.execute(self._sql(sql.SEARCH), (app, name)).fetchone()
        return SavedSearch(*row), old is None

    def remove_search(self, app: str, name: str) -> SavedSearch | None:
        with self._write() as c:
            row = c.execute(self._sql(sql.SEARCH), (app, name)).fetchone()
            if row is not None:
                c.execute(self._sql(sql.DELETE_SEARCH), (app, name))
        return SavedSearch(*row) if row else None

    # -- rules -------------------------------------------------------------------------------

    def rules(self, app: str | None = None) -> list[AlertRule]:
        rows = self._read(sql.RULES) if app is None else self._read(sql.APP_RULES, (app,))
        return [AlertRule(*row) for row in rows]

    def add_rule(self, rule: AlertRule) -> bool:
        with self._write() as c:
            if c.execute(self._sql(sql.RULE_NAMED), (rule.app, rule.name)).fetchone():
                return False
            c.execute(self._sql(sql.INSERT_RULE), _rule_row(rule))
        return True

    def remove_rule(self, app: str, ident: str) -> AlertRule | None:
        with self._write() as c:
            row = c.execute(self._sql(sql.RULE_BY_IDENT), (app, ident, ident)).fetchone()
            if row is None:
                return None
            c.execute(self._sql(sql.DELETE_RULE), (row[0],))
            c.execute(self._sql(sql.DELETE_STATE), (row[0],))
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
        with self._write() as c:
            self._guard(c)
            if states:
                c.executemany(self._sql(sql.UPSERT_STATE), [_state_row(s) for s in states])
            if cursors:
                c.executemany(self._sql(sql.UPSERT_CURSOR), list(cursors.items()))

    def record_firing(self, firing: Firing, state: RuleState) -> None:
        with self._write() as c:
            self._guard(c)
            c.execute(self._sql(sql.INSERT_FIRING), _firing_row(firing))
            c.execute(self._sql(sql.UPSERT_STATE), _state_row(state))

    def firings(self, app: str, *, after: float = 0.0, limit: int = 100) -> list[Firing]:
        return [Firing(*row) for row in self._read(sql.FIRINGS, (app, after, limit))]


def _rule_row(r: AlertRule) -> tuple:
    return (
        r.id,
        r.app,
        r.name,
        r.query,
        r.kind,
        r.threshold,
        r.window,
        r.cooldown,
        r.webhook,
        r.created_at,
    )


def _firing_row(f: Firing) -> tuple:
    return (f.id, f.rule_id, f.app, f.rule_name, f.at, f.count, f.message)


def _state_row(s: RuleState) -> tuple:
    return (s.rule_id, s.window_start, s.count, int(s.fired), s.last_fired, s.last_seen)
