"""The team's log store: PostgreSQL, shared by any number of routers.

Why it looks like this:

* **Ids count per app, in commit order.** Ids are the resume cursor, so a reader must never
  see id N+1 of an app before id N. A sequence alone does not give that (two writers take 7
  and 8, the one with 8 commits first, a tail reads 8 and resumes after it: 7 is lost). Each
  batch is stored by one statement (`postgres_sql.APPEND_SQL`) that advances the app's
  counter (`apps.last_id`) and inserts the lines with the ids it took: the counter's row stays
  locked until the statement commits, so the next batch of that app, on any router, waits for
  the commit and takes the ids after it. Batches of different apps do not wait for each
  other. Ids are unique and consecutive within an app (a rolled-back batch takes none), which
  also lets a router see from a batch's first id whether it missed one (`server/fanout.py`).
  The alternative, a per-app `pg_advisory_xact_lock` plus a separate counter, measured
  slower (benchmarks/bench_team.py, `ids`): it is one more lock and one more row per batch.
* **A batch is one statement**, so one round trip and one commit: the frame id is claimed
  first (a unique key: a retry on any router waits for the first attempt and then inserts
  nothing), then the counter, then the lines (an `unnest` of arrays), and a `NOTIFY` with the
  app and its last id that PostgreSQL sends when the transaction commits — so a notification
  always names committed lines.
* **Search** is a case-insensitive substring (`ILIKE`), served by a `pg_trgm` GIN index that
  the upkeep maintains in the background: batches land in `recent` (no search index) and
  move into `lines` (day partitions, indexed) a chunk at a time; reads see both through the
  view `all_lines`, exact whether a line was moved yet or not (`postgres_upkeep.py` says why,
  with the figures).
* **Lines are partitioned by the day they arrived** (UTC): retention drops whole days, which
  frees space at once and leaves no dead rows to vacuum; see `postgres_upkeep.py`.
* Text cannot hold NUL in PostgreSQL: a NUL in a line is stored as U+FFFD, as is a lone
  surrogate (a JSON sender's `\\ud800`).

* **Drains are forwarded from a cursor under a lease** (`postgres_drains.py`), as on SQLite:
  one router at a time per drain, cut by the stored batches (`tuilogs.batches`, one row per
  batch, written by the same statement), so a router taking over sends the same deliveries
  with the same frame ids (`server/drain_cursor.py`).

Beyond the `LogStore` protocol: `commit_feed()` (the committed batches of every router, for
`server/fanout.py`) and `used_bytes()`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import psycopg

from tuilogs.core.record import LogRecord, api_timestamp

from .interface import Drain, LineQuery, LineStats, LogStore, StoredApp, StoredBatch, StoredLine
from .postgres_builds import PostgresBuilds
from .postgres_db import PostgresDatabase
from .postgres_drains import PostgresDrains
from .postgres_notify import CommitListener
from .postgres_sql import (
    ADD_REDACTIONS_SQL,
    APP_ID_SQL,
    APPEND_SQL,
    BATCHES_SQL,
    NOTIFY_CHANNEL,
    POSTGRES,
    REDACTIONS_SQL,
    clean,
)
from .postgres_upkeep import PostgresUpkeep
from .shared_sql import LINE_COLS, like_pattern

log = logging.getLogger("tuilogs.server.store")


class PostgresStore(PostgresBuilds, LogStore):
    """The store in a PostgreSQL database (`url`); thread-safe, one pool per router.

    A `LogStore` (the methods' contracts are documented there), with this difference allowed
    by it: `tail_bounds` answers the app's own newest id as the head (ids count per app).
    """

    def __init__(
        self,
        url: str,
        *,
        retention_seconds: float | None = None,
        retention_bytes: int | None = None,
        max_bytes: int | None = None,
        durability: str = "normal",
        pool_min: int = 2,
        pool_max: int = 16,
    ) -> None:
        self.db = PostgresDatabase(url, pool_min=pool_min, pool_max=pool_max)
        self.url = self.db.shown
        self.durability = durability  # commits are durable as the database is configured
        self.upkeep = PostgresUpkeep(
            self.db,
            retention_seconds=retention_seconds,
            retention_bytes=retention_bytes,
            max_bytes=max_bytes,
        )
        self.upkeep.ensure_partitions()
        self.leases = PostgresDrains(self.db)  # the drains' rows, which hold their leases
        self._app_ids: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"PostgresStore({self.url!r})"

    def close(self) -> None:
        self.db.close()

    def used_bytes(self) -> int:
        """What the lines and builds occupy with their indexes (`pg_total_relation_size`)."""
        return self.upkeep.lines_bytes()

    def commit_feed(self) -> CommitListener:
        """The batches every router commits, as (app, last id), for `server/fanout.py`."""
        return CommitListener(self.db)

    # -- ingest --------------------------------------------------------------------------

    def store_batch(
        self, app: str, records: Sequence[LogRecord], frame_id: str | None, hops: int
    ) -> tuple[int, int] | None:
        """Store a batch in one statement (see the module docstring); its (first, last) ids,
        or None for a retried frame id."""
        self.upkeep.check_room()
        n = len(records)
        params = {
            "app": app,
            "frame": None if frame_id is None else clean(frame_id),
            "stamp": api_timestamp(),
            "n": n,
            "ts": [clean(r.timestamp) for r in records],
            "source": [clean(r.source) for r in records],
            "dyno": [clean(r.dyno) for r in records],
            "message": [clean(r.message) for r in records],
            "channel": NOTIFY_CHANNEL,
            "hops": hops,
        }
        with self.db.conn() as conn:
            row = conn.execute(APPEND_SQL, params).fetchone()
        if row is None:
            return None
        last = row[0]
        return last - n + 1, last

    # -- reads ---------------------------------------------------------------------------

    def _app_id(self, conn: psycopg.Connection, app: str) -> tuple[int, int] | None:
        """(app id, last id) of `app` as this connection sees it, None for an unknown app."""
        row = conn.execute(APP_ID_SQL, (app,)).fetchone()
        return (row[0], row[1]) if row else None

    def _known_id(self, conn: psycopg.Connection, app: str) -> int | None:
        """The app's id (they never change: cached), None for an unknown app."""
        found = self._app_ids.get(app)
        if found is None:
            row = self._app_id(conn, app)
            if row is None:
                return None
            found = self._app_ids[app] = row[0]
        return found

    def head_id(self) -> int:
        with self.db.conn() as conn:
            return conn.execute("select coalesce(max(last_id), 0) from tuilogs.apps").fetchone()[0]

    def _where(self, app_id: int, query: LineQuery) -> tuple[str, list]:
        """The WHERE clause and arguments of `query`, its search an ILIKE (module doc)."""
        where, args = POSTGRES.line_filters(query, "app_id", app_id)
        if query.q:
            where += " and message ilike %s"
            args.append(like_pattern(query.q))
        return where, args

    def tail_start(
        self, query: LineQuery, n: int, after: int, before: int | None
    ) -> tuple[int, int]:
        with self.db.snapshot() as conn:
            found = self._app_id(conn, query.app)
            if found is None:
                return after, 0
            app_id, head = found
            upper = head + 1 if before is None else min(before, head + 1)
            if n <= 0 or upper <= after + 1:
                return max(after, upper - 1), head
            where, args = self._where(app_id, query)
            sql = (
                f"select id from tuilogs.all_lines where {where} and id > %s and id < %s"
                " order by id desc offset %s limit 1"
            )
            row = conn.execute(sql, [*args, after, upper, n - 1]).fetchone()
        return (after if row is None else row[0] - 1), head

    def read_lines(
        self, query: LineQuery, after: int, before: int, limit: int, max_bytes: int | None
    ) -> list[StoredLine]:
        with self.db.conn() as conn:
            app_id = self._known_id(conn, query.app)
            if app_id is None:
                return []
            where, args = self._where(app_id, query)
            sql = (
                f"select {LINE_COLS} from tuilogs.all_lines where {where}"
                " and id > %s and id < %s order by id limit %s"
            )
            args += [after, before, limit]
            if max_bytes is not None:
                # Stop at the line that brings the messages to `max_bytes` (octet_length reads
                # a stored value's size without fetching it): a piece of 500 KB lines is not
                # read whole.
                sql = (
                    f"select {LINE_COLS} from (select {LINE_COLS}, sum(octet_length(message))"
                    " over (order by id rows unbounded preceding) - octet_length(message) as b"
                    f" from ({sql}) x) y where b < %s order by id"
                )
                args.append(max(1, max_bytes))
            rows = conn.execute(sql, args).fetchall()
        return [StoredLine(*row) for row in rows]

    def count(self, app: str | None = None) -> int:
        with self.db.conn() as conn:
            if app is None:
                return conn.execute("select count(*) from tuilogs.all_lines").fetchone()[0]
            app_id = self._known_id(conn, app)
            if app_id is None:
                return 0
            sql = "select count(*) from tuilogs.all_lines where app_id = %s"
            return conn.execute(sql, (app_id,)).fetchone()[0]

    def stats(self, app: str) -> LineStats:
        with self.db.conn() as conn:
            app_id = self._known_id(conn, app)
            if app_id is None:
                return LineStats.tally([])
            sql = (
                "select source, dyno, count(*), min(id), max(id) from tuilogs.all_lines"
                " where app_id = %s group by source, dyno"
            )
            return LineStats.tally(conn.execute(sql, (app_id,)).fetchall())

    def apps(self) -> list[StoredApp]:
        sql = "select name, created_at, updated_at from tuilogs.apps order by name"
        with self.db.conn() as conn:
            return [StoredApp(*row) for row in conn.execute(sql).fetchall()]

    def app(self, name: str) -> StoredApp | None:
        sql = "select name, created_at, updated_at from tuilogs.apps where name = %s"
        with self.db.conn() as conn:
            row = conn.execute(sql, (name,)).fetchone()
        return StoredApp(*row) if row else None

    # -- drains (postgres_drains.py) -----------------------------------------------------

    def drains(self, app: str | None = None) -> list[Drain]:
        return self.leases.drains(app)

    def find_drain(self, app: str, ident: str) -> Drain | None:
        return self.leases.find(app, ident)

    def add_drain(self, app: str, url: str) -> Drain | None:
        return self.leases.add(Drain.new(app, url))

    def delete_drain(self, drain_id: str) -> None:
        with self.db.conn() as conn:
            conn.execute("delete from tuilogs.drains where id = %s", (drain_id,))

    def stored_batches(self, app: str, after: int, limit: int = 100) -> list[StoredBatch]:
        with self.db.conn() as conn:
            rows = conn.execute(BATCHES_SQL, (app, after, limit)).fetchall()
        return [StoredBatch(*row) for row in rows]

    # -- redaction counts ----------------------------------------------------------------

    def add_redactions(self, app: str, counts: Mapping[str, int]) -> None:
        rows = [(app, rule, n) for rule, n in sorted(counts.items()) if n]
        if not rows:
            return
        with self.db.conn() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(ADD_REDACTIONS_SQL, rows)

    def redactions(self, app: str) -> dict[str, int]:
        with self.db.conn() as conn:
            return dict(conn.execute(REDACTIONS_SQL, (app,)).fetchall())
