"""Builds in the PostgreSQL store: the `LogStore` build methods (interface.py says what each must
do), the twin of `sqlite_builds.py` in the schema `tuilogs` (migration 4, `postgres_sql.py`).

What several routers on one database add to the SQLite version, whose single writer needs none
of it:

* `create_build` reads the app's newest `created_at` and stores one after it, so two routers
  making builds of one app at once must not both read the same newest one. They take a
  transaction-scoped advisory lock keyed by the app's name (`BUILDS_LOCK`, `hashtext(app)`)
  rather than the lock on the app's row, which every batch of the app's lines takes
  (`APPEND_SQL`): making a build does not hold up the app's ingest. Two names hashing alike
  only wait for each other.
* `append_build_output` locks the build's row (`select ... for update`) before it numbers the
  lines after the build's count, so two recorders of one build (a retried POST on another
  router) number on from each other, and a `finish_build` in between is seen.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

import psycopg

from .interface import MAX_BUILDS_PER_APP, StoredBuild
from .postgres_db import PostgresDatabase
from .postgres_sql import clean
from .postgres_upkeep import PostgresUpkeep
from .sqlite_builds import BUILD_COLS, build_stamp, stamp_after

BUILDS_LOCK = 0x7462  # the first key of `pg_advisory_xact_lock(int, int)` for an app's builds


class PostgresBuilds:
    """The build methods of `PostgresStore` (a mixin: it has the store's `db` and `upkeep`)."""

    db: PostgresDatabase
    upkeep: PostgresUpkeep

    def _build_row(
        self, conn: psycopg.Connection, build_id: str, lock: str = ""
    ) -> StoredBuild | None:
        sql = f"select {BUILD_COLS} from tuilogs.builds where id = %s {lock}"
        row = conn.execute(sql, (build_id,)).fetchone()
        return StoredBuild(*row) if row else None

    def create_build(
        self,
        app: str,
        *,
        user: str,
        source_version: str | None = None,
        description: str | None = None,
    ) -> StoredBuild:
        build_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(24)
        with self.db.conn() as conn, conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s, hashtext(%s))", (BUILDS_LOCK, app))
            stamp = build_stamp()
            newest = conn.execute(
                "select max(created_at) from tuilogs.builds where app = %s", (app,)
            )
            top = newest.fetchone()[0]
            if top is not None and top >= stamp:
                stamp = stamp_after(top)
            conn.execute(
                f"insert into tuilogs.builds({BUILD_COLS})"
                " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (build_id, app, "pending", clean(user), stamp, stamp)
                + (_maybe(source_version), _maybe(description), None, 0, secret),
            )
            conn.execute(
                "insert into tuilogs.apps(name, created_at, updated_at) values (%s, %s, %s)"
                " on conflict (name) do nothing",
                (app, stamp[:19] + "Z", stamp[:19] + "Z"),
            )
            self._prune(conn, app)
            build = self._build_row(conn, build_id)
        assert build is not None
        return build

    def _prune(self, conn: psycopg.Connection, app: str) -> None:
        """Delete the app's builds beyond its newest MAX_BUILDS_PER_APP, with their output."""
        cut = conn.execute(
            "select created_at from tuilogs.builds where app = %s"
            " order by created_at desc limit 1 offset %s",
            (app, MAX_BUILDS_PER_APP),
        ).fetchone()
        if cut is None:
            return
        conn.execute(
            "delete from tuilogs.build_lines where build_id in"
            " (select id from tuilogs.builds where app = %s and created_at <= %s)",
            (app, cut[0]),
        )
        conn.execute(
            "delete from tuilogs.builds where app = %s and created_at <= %s", (app, cut[0])
        )

    def append_build_output(self, build_id: str, lines: Sequence[str]) -> StoredBuild | None:
        if lines:
            self.upkeep.check_room()  # as `append`: StoreFull over the cap
        with self.db.conn() as conn, conn.transaction():
            build = self._build_row(conn, build_id, "for update")
            if build is None or build.status != "pending":
                return build
            if lines:
                conn.execute(
                    "insert into tuilogs.build_lines(build_id, n, text)"
                    " select %s, %s + r.n, r.text"
                    " from unnest(%s::text[]) with ordinality as r(text, n)",
                    (build_id, build.lines, [clean(text) for text in lines]),
                )
            conn.execute(
                "update tuilogs.builds set lines = lines + %s, updated_at = %s where id = %s",
                (len(lines), build_stamp(), build_id),
            )
            return self._build_row(conn, build_id)

    def finish_build(self, build_id: str, status: str, exit_code: int | None) -> StoredBuild | None:
        if status not in ("succeeded", "failed"):
            raise ValueError(f"a build ends succeeded or failed, not {status!r}")
        with self.db.conn() as conn, conn.transaction():
            conn.execute(
                "update tuilogs.builds set status = %s, exit_code = %s, updated_at = %s"
                " where id = %s and status = 'pending'",
                (status, exit_code, build_stamp(), build_id),
            )
            return self._build_row(conn, build_id)

    def builds(
        self, app: str, *, newest_first: bool = True, beyond: str | None = None, limit: int = 200
    ) -> list[StoredBuild]:
        order, past = ("desc", "<") if newest_first else ("asc", ">")
        where, args = "app = %s", [app]
        if beyond is not None:
            where += f" and created_at {past} %s"
            args.append(beyond)
        sql = (
            f"select {BUILD_COLS} from tuilogs.builds where {where}"
            f" order by created_at {order} limit %s"
        )
        with self.db.conn() as conn:
            rows = conn.execute(sql, [*args, max(0, limit)]).fetchall()
        return [StoredBuild(*row) for row in rows]

    def build(self, build_id: str) -> StoredBuild | None:
        with self.db.conn() as conn:
            return self._build_row(conn, build_id)

    def build_by_secret(self, secret: str) -> StoredBuild | None:
        sql = f"select {BUILD_COLS} from tuilogs.builds where output_secret = %s"
        with self.db.conn() as conn:
            row = conn.execute(sql, (secret,)).fetchone()
        return StoredBuild(*row) if row else None

    def build_output(
        self, build_id: str, *, after: int = 0, limit: int = 2000, max_bytes: int | None = None
    ) -> list[str]:
        sql = (
            "select text from tuilogs.build_lines where build_id = %s and n > %s"
            " order by n limit %s"
        )
        out: list[str] = []
        total = 0
        with self.db.conn() as conn:
            for (text,) in conn.execute(sql, (build_id, after, max(0, limit))):
                out.append(text)
                total += len(text)
                if max_bytes is not None and total >= max_bytes:
                    break
        return out


def _maybe(text: str | None) -> str | None:
    return None if text is None else clean(text)
