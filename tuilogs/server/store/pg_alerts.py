"""`AlertStore` in PostgreSQL: the same tables and statements as SQLite (`alerts_sql.py`, with
psycopg's placeholders), over a psycopg 3 connection pool — the PostgreSQL log store's own.

For a team's router (several routers, one database) two things differ from one SQLite file:
rules, states and cursors are shared, so exactly one router should evaluate them at a time
(a lease, as drains have: the PostgreSQL store's business); and `save_search` tells new from
replaced by looking first, so two routers saving one name at the same instant may both say
"new" (the row is right either way).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import psycopg
from psycopg_pool import ConnectionPool

from . import alerts_sql as sql
from .alerts_interface import AlertRule, Firing, RuleState, SavedSearch
from .interface import StoreError

_ = sql.for_psycopg  # every statement, in psycopg's placeholders


class PostgresAlertStore:
    """An `AlertStore` over a psycopg `ConnectionPool` (thread-safe, blocking)."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        with self._tx() as c:
            for statement in sql.SCHEMA:
                c.execute(statement)

    def _tx(self):
        """A connection in a transaction (committed when the block ends without error);
        psycopg errors become StoreError, as the SQLite store's do."""
        return _Transaction(self.pool)

    def _read(self, statement: str, args: Sequence[object] = ()) -> list[tuple]:
        with self._tx() as c:
            return c.execute(_(statement), args).fetchall()

    # -- saved searches ----------------------------------------------------------------------

    def searches(self, app: str) -> list[SavedSearch]:
        return [SavedSearch(*row) for row in self._read(sql.SEARCHES, (app,))]

    def save_search(self, app: str, name: str, query: str) -> tuple[SavedSearch, bool]:
        now = time.time()
        with self._tx() as c:
            old = c.execute(_(sql.SEARCH), (app, name)).fetchone()
            c.execute(_(sql.UPSERT_SEARCH), (app, name, query, now, now))
            row = c.execute(_(sql.SEARCH), (app, name)).fetchone()
        return SavedSearch(*row), old is None

    def remove_search(self, app: str, name: str) -> SavedSearch | None:
        with self._tx() as c:
            row = c.execute(_(sql.SEARCH), (app, name)).fetchone()
            if row is not None:
                c.execute(_(sql.DELETE_SEARCH), (app, name))
        return SavedSearch(*row) if row else None

    # -- rules -------------------------------------------------------------------------------

    def rules(self, app: str | None = None) -> list[AlertRule]:
        rows = self._read(sql.RULES) if app is None else self._read(sql.APP_RULES, (app,))
        return [AlertRule(*row) for row in rows]

    def add_rule(self, rule: AlertRule) -> bool:
        with self._tx() as c:
            if c.execute(_(sql.RULE_NAMED), (rule.app, rule.name)).fetchone():
                return False
            c.execute(
                _(sql.INSERT_RULE),
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
        with self._tx() as c:
            row = c.execute(_(sql.RULE_BY_IDENT), (app, ident, ident)).fetchone()
            if row is None:
                return None
            c.execute(_(sql.DELETE_RULE), (row[0],))
            c.execute(_(sql.DELETE_STATE), (row[0],))
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
        with self._tx() as c, c.cursor() as cur:
            if states:
                cur.executemany(_(sql.UPSERT_STATE), [_state_row(s) for s in states])
            if cursors:
                cur.executemany(_(sql.UPSERT_CURSOR), list(cursors.items()))

    def record_firing(self, firing: Firing, state: RuleState) -> None:
        with self._tx() as c:
            c.execute(
                _(sql.INSERT_FIRING),
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
            c.execute(_(sql.UPSERT_STATE), _state_row(state))

    def firings(self, app: str, *, after: float = 0.0, limit: int = 100) -> list[Firing]:
        return [Firing(*row) for row in self._read(sql.FIRINGS, (app, after, limit))]


class _Transaction:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self._cm = None

    def __enter__(self) -> psycopg.Connection:
        try:
            self._cm = self.pool.connection()
            return self._cm.__enter__()  # committed on a clean exit, rolled back otherwise
        except psycopg.Error as exc:
            raise StoreError(f"store unavailable: {exc}") from exc

    def __exit__(self, *exc: object) -> None:
        assert self._cm is not None
        try:
            self._cm.__exit__(*exc)
        except psycopg.Error as err:
            raise StoreError(f"store write failed: {err}") from err
        if exc[1] is not None and isinstance(exc[1], psycopg.Error):
            raise StoreError(f"store failed: {exc[1]}") from exc[1]  # type: ignore[misc]


def _state_row(s: RuleState) -> tuple:
    return (s.rule_id, s.window_start, s.count, int(s.fired), s.last_fired, s.last_seen)
