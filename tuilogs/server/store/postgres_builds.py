"""Builds in the PostgreSQL store: what `builds.BuildStore` asks of a store, in the schema
`tuilogs` (migration 4, `postgres_sql.py`; the pool's `search_path` finds the tables).

What several routers on one database add to the SQLite version, whose single writer needs none
of it:

* `create_build` reads the app's newest `created_at` and stores one after it, so two routers
  making builds of one app at once must not both read the same newest one. They take a
  transaction-scoped advisory lock keyed by the app's name (`BUILDS_LOCK`, `hashtext(app)`)
  rather than the lock on the app's row, which every batch of the app's lines takes
  (`APPEND_SQL`): making a build does not hold up the app's ingest. Two names hashing alike
  only wait for each other.
* `append_build_output` locks the build's row (`ROW_LOCK`) before it numbers the lines after
  the build's count, so two recorders of one build (a retried POST on another router) number
  on from each other, and a `finish_build` in between is seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg

from .builds import BuildStore, StoredBuild
from .postgres_db import PostgresDatabase
from .postgres_sql import clean
from .postgres_upkeep import PostgresUpkeep
from .shared_sql import for_psycopg

BUILDS_LOCK = 0x7462  # the first key of `pg_advisory_xact_lock(int, int)` for an app's builds
T = TypeVar("T")


class PostgresBuilds(BuildStore):
    """The build methods of `PostgresStore` (a mixin: it has the store's `db` and `upkeep`)."""

    db: PostgresDatabase
    upkeep: PostgresUpkeep
    ROW_LOCK = "for update"

    def _sql(self, sql: str) -> str:
        return for_psycopg(sql)

    def _text(self, text: str | None) -> str | None:
        return None if text is None else clean(text)

    @contextmanager
    def _build_write(self, room: bool = False) -> Iterator[psycopg.Connection]:
        if room:
            self.upkeep.check_room()  # as `append`: StoreFull over the cap
        with self.db.conn() as conn, conn.transaction():
            yield conn

    def _claim_app_builds(self, c: psycopg.Connection, app: str) -> None:
        c.execute("select pg_advisory_xact_lock(%s, hashtext(%s))", (BUILDS_LOCK, app))

    def _add_output(self, c: psycopg.Connection, build: StoredBuild, lines: Sequence[str]) -> None:
        c.execute(
            "insert into build_lines(build_id, n, text)"
            " select %s, %s + r.n, r.text from unnest(%s::text[]) with ordinality as r(text, n)",
            (build.id, build.lines, [clean(text) for text in lines]),
        )

    def _build_read(self, sql: str, args: Sequence, take: Callable[[Iterator[Any]], T]) -> T:
        with self.db.conn() as conn:
            return take(conn.execute(sql, args))
