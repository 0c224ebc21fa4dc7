"""Builds (an extension: `tuilogs build APP -- cmd` records a command's output as a build): the
contract (`BuildStore`, part of `LogStore`), and its one implementation for both stores.

Two tables beside the lines: `builds` (one row per build, `lines` counting its output) and
`build_lines` (the output, keyed by build and line number). A build's output is written by one
recorder, a batch per transaction, and read by followers that poll by line number. Each app
keeps its newest `MAX_BUILDS_PER_APP` builds: making one deletes those beyond, with their output,
which bounds what builds add to the store (retention by size counts them with everything else).

The statements are plain SQL that SQLite and PostgreSQL both run as written (no `limit -1`, no
`user` column: a reserved word there), with SQLite's `?` (`_sql` gives a store's own). So a
store supplies only what is its own (the hooks at the end of `BuildStore`): its transactions and
reads, and what several routers on one database must serialise where SQLite's single writer
needs nothing (`postgres_builds.py`).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

from .shared_sql import MAKE_APP_SQL

BUILD_STATUSES = ("pending", "succeeded", "failed")
MAX_BUILDS_PER_APP = 100  # older builds of an app, and their output, are deleted

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoredBuild:
    """A recorded build (see `LogStore.create_build`).

    `status` is pending, succeeded or failed; `user` who ran it; `created_at` an API timestamp
    with microseconds (`2026-11-23T19:04:05.123456Z`), unique per app and increasing, which
    orders the app's builds; `updated_at` the last output, heartbeat or status change;
    `exit_code` the command's (None while pending, or when it never said); `lines` how many
    output lines are stored; `output_secret` the unguessable part of its output stream URL.
    """

    id: str
    app: str
    status: str
    user: str
    created_at: str
    updated_at: str
    source_version: str | None
    description: str | None
    exit_code: int | None
    lines: int
    output_secret: str


def builds_schema(lines_options: str = "") -> str:
    """The two tables, in the schema the connection names first; `lines_options` ends the
    output's table (SQLite: `without rowid`, so a build's lines sit together on disk)."""
    return f"""
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
) {lines_options};
"""


BUILD_COLS = (
    "id, app, status, user_email, created_at, updated_at, source_version, description, exit_code,"
    " lines, output_secret"
)
BUILD_SQL = f"select {BUILD_COLS} from builds where id = ?"
NEWEST_SQL = "select max(created_at) from builds where app = ?"
INSERT_SQL = f"insert into builds({BUILD_COLS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
# A build makes its app (with whole-second stamps, as the app's lines give them).
APP_SQL = (
    "insert into apps(name, created_at, updated_at) values (?, ?, ?) on conflict (name) do nothing"
)
CUT_SQL = "select created_at from builds where app = ? order by created_at desc limit 1 offset ?"
PRUNE_OUTPUT_SQL = (
    "delete from build_lines where build_id in"
    " (select id from builds where app = ? and created_at <= ?)"
)
PRUNE_SQL = "delete from builds where app = ? and created_at <= ?"
GREW_SQL = "update builds set lines = lines + ?, updated_at = ? where id = ?"
FINISH_SQL = "update builds set status = ?, exit_code = ?, updated_at = ? where id = ? and status = 'pending'"
BY_SECRET_SQL = f"select {BUILD_COLS} from builds where output_secret = ?"
OUTPUT_SQL = "select text from build_lines where build_id = ? and n > ? order by n limit ?"
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def build_stamp(when: datetime | None = None) -> str:
    """`created_at`/`updated_at` of a build: UTC with microseconds (`...T19:04:05.123456Z`)."""
    return (when or datetime.now(timezone.utc)).strftime(_STAMP)


def stamp_after(stamp: str) -> str:
    """The stamp one microsecond after `stamp`."""
    when = datetime.strptime(stamp, _STAMP).replace(tzinfo=timezone.utc)
    return build_stamp(when + timedelta(microseconds=1))


def upto_bytes(texts: Iterable[tuple[str]], max_bytes: int | None) -> list[str]:
    """The texts (rows of one column) up to the one that brings their size to `max_bytes`,
    stepping the rows no further: a page of long lines is not read whole."""
    out: list[str] = []
    total = 0
    for (text,) in texts:
        out.append(text)
        total += len(text)
        if max_bytes is not None and total >= max_bytes:
            break
    return out


class BuildStore(Protocol):
    """The build methods of `LogStore`. A build's output lines are numbered 1, 2, ... in the
    order stored; readers page by number. Several routers may serve one store: a follower of a
    running build polls `build` and `build_output`, so nothing here needs a notification."""

    ROW_LOCK = ""  # how a store locks a build's row it reads to update (PostgreSQL: for update)

    def create_build(
        self,
        app: str,
        *,
        user: str,
        source_version: str | None = None,
        description: str | None = None,
    ) -> StoredBuild:
        """A new pending build of `app` (the app exists from now on), with no output yet: a
        fresh UUID4 `id`, a fresh unguessable `output_secret` (at least 128 random bits),
        `created_at` = `updated_at` = now, or one microsecond after the app's newest build
        when the clock says otherwise (so the app's builds never share one). The app's
        builds beyond the newest `MAX_BUILDS_PER_APP` are deleted with their output, in the
        same transaction."""
        build_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(24)
        with self._build_write() as c:
            self._claim_app_builds(c, app)
            stamp = build_stamp()
            top = c.execute(self._sql(NEWEST_SQL), (app,)).fetchone()[0]
            if top is not None and top >= stamp:
                stamp = stamp_after(top)
            extra = (self._text(source_version), self._text(description), None, 0, secret)
            row = (build_id, app, "pending", self._text(user), stamp, stamp, *extra)
            c.execute(self._sql(INSERT_SQL), row)
            # The app, if new, with whole-second stamps, as its lines would give them.
            c.execute(self._sql(MAKE_APP_SQL), (app, stamp[:19] + "Z", stamp[:19] + "Z"))
            self._prune(c, app)
            build = self._build_row(c, build_id)
        assert build is not None
        return build

    def _prune(self, c: Any, app: str) -> None:
        """Delete the app's builds beyond its newest MAX_BUILDS_PER_APP, with their output."""
        cut = c.execute(self._sql(CUT_SQL), (app, MAX_BUILDS_PER_APP)).fetchone()
        if cut is not None:
            c.execute(self._sql(PRUNE_OUTPUT_SQL), (app, cut[0]))
            c.execute(self._sql(PRUNE_SQL), (app, cut[0]))

    def append_build_output(self, build_id: str, lines: Sequence[str]) -> StoredBuild | None:
        """Store `lines` after a pending build's output (numbered on from its `lines`), all or
        nothing, and set its `updated_at` to now, also for no lines (a heartbeat: the command
        still runs). A finished build is returned as it is, nothing stored; None when there
        is no such build. Raises StoreFull/StoreError as `append` does."""
        with self._build_write(room=bool(lines)) as c:
            build = self._build_row(c, build_id, self.ROW_LOCK)
            if build is None or build.status != "pending":
                return build
            if lines:
                self._add_output(c, build, lines)
            c.execute(self._sql(GREW_SQL), (len(lines), build_stamp(), build_id))
            return self._build_row(c, build_id)

    def finish_build(self, build_id: str, status: str, exit_code: int | None) -> StoredBuild | None:
        """Give a pending build its final `status` ("succeeded" or "failed"), its exit code
        and `updated_at` = now. The first end wins: a finished build is returned as it is (two
        routers ending one build, the recorder and a stale check, agree on one end). None
        when there is no such build."""
        if status not in ("succeeded", "failed"):
            raise ValueError(f"a build ends succeeded or failed, not {status!r}")
        with self._build_write() as c:
            c.execute(self._sql(FINISH_SQL), (status, exit_code, build_stamp(), build_id))
            return self._build_row(c, build_id)

    def builds(
        self, app: str, *, newest_first: bool = True, beyond: str | None = None, limit: int = 200
    ) -> list[StoredBuild]:
        """Up to `limit` builds of `app` in `created_at` order (newest first, or oldest
        first), only those strictly past `beyond` in that order (the `created_at` of the last
        build of the previous page)."""
        order, past = ("desc", "<") if newest_first else ("asc", ">")
        where, args = "app = ?", [app]
        if beyond is not None:
            where += f" and created_at {past} ?"
            args.append(beyond)
        sql = f"select {BUILD_COLS} from builds where {where} order by created_at {order} limit ?"
        rows = self._build_read(self._sql(sql), [*args, max(0, limit)], list)
        return [StoredBuild(*row) for row in rows]

    def build(self, build_id: str) -> StoredBuild | None:
        """The build with this id (of any app), or None."""
        return self._build_read(self._sql(BUILD_SQL), (build_id,), _one_build)

    def build_by_secret(self, secret: str) -> StoredBuild | None:
        """The build whose `output_secret` this is, or None."""
        return self._build_read(self._sql(BY_SECRET_SQL), (secret,), _one_build)

    def build_output(
        self, build_id: str, *, after: int = 0, limit: int = 2000, max_bytes: int | None = None
    ) -> list[str]:
        """The build's output lines numbered `after + 1` on, at most `limit`, and with
        `max_bytes` ending at the line that brings their size to it (at least one line), as
        `lines` reads stored lines. Empty: no more lines (yet)."""
        args = (build_id, after, max(0, limit))
        return self._build_read(
            self._sql(OUTPUT_SQL), args, lambda rows: upto_bytes(rows, max_bytes)
        )

    def _build_row(self, c: Any, build_id: str, lock: str = "") -> StoredBuild | None:
        row = c.execute(self._sql(f"{BUILD_SQL} {lock}"), (build_id,)).fetchone()
        return StoredBuild(*row) if row else None

    # -- what a store supplies -----------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        """`sql` with the store's placeholders for `?`."""
        ...

    def _text(self, text: str | None) -> str | None:
        """`text` as the store can hold it (PostgreSQL: no NUL)."""
        ...

    def _build_write(self, room: bool = False) -> AbstractContextManager[Any]:
        """A write transaction (its connection); `room`: it adds output, so a store with a
        size cap checks it first (StoreFull, as `append`)."""
        ...

    def _claim_app_builds(self, c: Any, app: str) -> None:
        """Inside `create_build`'s transaction, before it reads the app's newest build: wait
        for any other router making a build of `app`."""
        ...

    def _add_output(self, c: Any, build: StoredBuild, lines: Sequence[str]) -> None:
        """Insert `lines` as the build's output numbered on from `build.lines`."""
        ...

    def _build_read(self, sql: str, args: Sequence, take: Callable[[Iterator[Any]], T]) -> T:
        """`take` of the rows of `sql`, outside a write (StoreError when it cannot read)."""
        ...


def _one_build(rows: Iterable[tuple]) -> StoredBuild | None:
    row = next(iter(rows), None)
    return StoredBuild(*row) if row else None
