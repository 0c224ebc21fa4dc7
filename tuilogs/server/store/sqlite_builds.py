"""Builds in the SQLite store: the `LogStore` build methods (interface.py says what each must do).

Two tables beside the lines: `builds` (one row per build, `lines` counting its output) and
`build_lines` (the output, keyed by build and line number, without rowid so a build's lines sit
together on disk). A build's output is written by one recorder, a batch per transaction, and
read by followers that poll by line number, so the single writer needs nothing more. Each app
keeps its newest `MAX_BUILDS_PER_APP` builds: making one deletes those beyond, with their output,
which bounds what builds add to the store (retention by size counts them with everything else).

The statements are plain SQL that PostgreSQL runs as written (no `limit -1`, no `user` column:
a reserved word there), so a PostgreSQL twin differs in little: `%s` for `?`, its schema's
names, `without rowid` left out, and two routers serialised where this single writer needs
nothing: `create_build` per app (a lock on the app's row, or an advisory lock, around reading
the newest `created_at`) and `append_build_output` per build (`select ... for update`).
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from .interface import MAX_BUILDS_PER_APP, StoredBuild, StoreError
from .sqlite_db import SQLiteDatabase

log = logging.getLogger("tuilogs.server.store")

BUILDS_SCHEMA = """
create table if not exists builds(
    id text primary key,
    app text not null,
    status text not null,
    user_email text not null,
    created_at text not null,
    updated_at text not null,
    source_version text,
    description text,
    exit_code integer,
    lines integer not null default 0,
    output_secret text not null unique
);
create index if not exists builds_app_created on builds(app, created_at);
create table if not exists build_lines(
    build_id text not null,
    n integer not null,
    text text not null,
    primary key(build_id, n)
) without rowid;
"""
BUILD_COLS = (
    "id, app, status, user_email, created_at, updated_at, source_version, description, exit_code,"
    " lines, output_secret"
)
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def build_stamp(when: datetime | None = None) -> str:
    """`created_at`/`updated_at` of a build: UTC with microseconds (`...T19:04:05.123456Z`)."""
    return (when or datetime.now(timezone.utc)).strftime(_STAMP)


def stamp_after(stamp: str) -> str:
    """The stamp one microsecond after `stamp`."""
    when = datetime.strptime(stamp, _STAMP).replace(tzinfo=timezone.utc)
    return build_stamp(when + timedelta(microseconds=1))


class SQLiteBuilds:
    """The build methods of `SQLiteStore` (a mixin: it has the store's `db`)."""

    db: SQLiteDatabase

    def _create_build_tables(self) -> None:
        """Make the tables (at open; a store opened read-only on a full disk has none yet, and
        its build reads answer StoreError until it takes writes)."""
        if self.db.writer is None:
            return
        try:
            with self.db.write() as c:
                for statement in BUILDS_SCHEMA.split(";"):
                    if statement.strip():
                        c.execute(statement)
        except StoreError as exc:  # a full disk: the lines are still served
            log.error("%s: no tables for builds (%s)", self.db.path, exc)

    def _build_read(self, sql: str, args: Sequence) -> list[tuple]:
        try:
            return self.db.reader().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read builds: {exc}") from exc

    def _build_row(self, c: sqlite3.Connection, build_id: str) -> StoredBuild | None:
        row = c.execute(f"select {BUILD_COLS} from builds where id = ?", (build_id,)).fetchone()
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
        with self.db.write() as c:
            stamp = build_stamp()
            newest = c.execute("select max(created_at) from builds where app = ?", (app,))
            top = newest.fetchone()[0]
            if top is not None and top >= stamp:
                stamp = stamp_after(top)
            c.execute(
                f"insert into builds({BUILD_COLS}) values (?,?,?,?,?,?,?,?,?,?,?)",
                (build_id, app, "pending", user, stamp, stamp, source_version, description)
                + (None, 0, secret),
            )
            c.execute(
                "insert into apps(name, created_at, updated_at) values (?,?,?)"
                " on conflict(name) do nothing",
                (app, stamp[:19] + "Z", stamp[:19] + "Z"),
            )
            self._prune(c, app)
            build = self._build_row(c, build_id)
        assert build is not None
        return build

    def _prune(self, c: sqlite3.Connection, app: str) -> None:
        """Delete the app's builds beyond its newest MAX_BUILDS_PER_APP, with their output."""
        cut = c.execute(
            "select created_at from builds where app = ? order by created_at desc limit 1 offset ?",
            (app, MAX_BUILDS_PER_APP),
        ).fetchone()
        if cut is None:
            return
        c.execute(
            "delete from build_lines where build_id in"
            " (select id from builds where app = ? and created_at <= ?)",
            (app, cut[0]),
        )
        c.execute("delete from builds where app = ? and created_at <= ?", (app, cut[0]))

    def append_build_output(self, build_id: str, lines: Sequence[str]) -> StoredBuild | None:
        with self.db.write() as c:
            build = self._build_row(c, build_id)
            if build is None or build.status != "pending":
                return build
            c.executemany(
                "insert into build_lines(build_id, n, text) values (?,?,?)",
                [(build_id, n, text) for n, text in enumerate(lines, build.lines + 1)],
            )
            c.execute(
                "update builds set lines = lines + ?, updated_at = ? where id = ?",
                (len(lines), build_stamp(), build_id),
            )
            return self._build_row(c, build_id)

    def finish_build(self, build_id: str, status: str, exit_code: int | None) -> StoredBuild | None:
        if status not in ("succeeded", "failed"):
            raise ValueError(f"a build ends succeeded or failed, not {status!r}")
        with self.db.write() as c:
            c.execute(
                "update builds set status = ?, exit_code = ?, updated_at = ?"
                " where id = ? and status = 'pending'",
                (status, exit_code, build_stamp(), build_id),
            )
            return self._build_row(c, build_id)

    def builds(
        self, app: str, *, newest_first: bool = True, beyond: str | None = None, limit: int = 200
    ) -> list[StoredBuild]:
        order, past = ("desc", "<") if newest_first else ("asc", ">")
        where, args = "app = ?", [app]
        if beyond is not None:
            where += f" and created_at {past} ?"
            args.append(beyond)
        sql = f"select {BUILD_COLS} from builds where {where} order by created_at {order} limit ?"
        return [StoredBuild(*row) for row in self._build_read(sql, [*args, max(0, limit)])]

    def build(self, build_id: str) -> StoredBuild | None:
        rows = self._build_read(f"select {BUILD_COLS} from builds where id = ?", (build_id,))
        return StoredBuild(*rows[0]) if rows else None

    def build_by_secret(self, secret: str) -> StoredBuild | None:
        sql = f"select {BUILD_COLS} from builds where output_secret = ?"
        rows = self._build_read(sql, (secret,))
        return StoredBuild(*rows[0]) if rows else None

    def build_output(
        self, build_id: str, *, after: int = 0, limit: int = 2000, max_bytes: int | None = None
    ) -> list[str]:
        sql = "select text from build_lines where build_id = ? and n > ? order by n limit ?"
        out: list[str] = []
        total = 0
        try:
            cursor = self.db.reader().execute(sql, (build_id, after, max(0, limit)))
            try:
                for (text,) in cursor:
                    out.append(text)
                    total += len(text)
                    if max_bytes is not None and total >= max_bytes:
                        break
            finally:
                cursor.close()  # an unfinished statement would pin the WAL
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read build output: {exc}") from exc
        return out
