"""The PostgreSQL store's background work (`PostgresStore.maintain`, `enforce_retention`): new
lines moved into the search index, day partitions made ahead, retention by dropping whole days.

Why it looks like this:

* **Search is indexed in the background.** A `pg_trgm` GIN index maintained by the inserting
  statement made PostgreSQL spend 62 µs of CPU per line (genlogs lines, two routers: 9.3 s
  for 150,000 lines, 0.9 s without the index) and capped ingest at ~11,000 lines/s, where
  the benchmark wants 50,000. So a batch goes into `recent`, a plain table with no search
  index, and this upkeep moves its lines into `lines` (indexed) a chunk at a time
  (`index_pending`: one statement that deletes them from `recent` and inserts them into
  `lines`, so every snapshot sees each line once, through the view `all_lines`). Searches scan
  `recent`, which stays small, and use the index for the rest: exact either way. While
  batches arrive the maintenance thread gives this a quarter of its time (maintenance.py), so
  the index catches up when ingest quiets down; several routers move different rows
  (`SKIP LOCKED`). `recent` is vacuumed every `VACUUM_INTERVAL` after moves, and today's
  partition analyzed after `ANALYZE_LINES` moved lines (or `ANALYZE_INTERVAL`): a million
  lines moved in before autovacuum got to them left the planner without statistics, and the
  newest page took 259 ms and a search 2.2 s instead of 80 ms and 37 ms (300,000 lines:
  296 → 80 ms, 741 → 37 ms).
* **Partitions ahead.** Lines go to the partition of the day they arrived (UTC, the database's
  clock). The days from today to `AHEAD_DAYS` ahead exist at all times, made by the first
  router whose upkeep notices one missing (under an advisory lock, so two routers do not race)
  as an empty table that is then attached: ATTACH takes a SHARE UPDATE EXCLUSIVE lock on
  `lines`, which neither moves nor reads wait for (CREATE TABLE … PARTITION OF would take an
  ACCESS EXCLUSIVE one). Lines of a day without a partition (a clock that jumped) get one.
* **Retention drops days.** By age: a day goes once all of it is older than
  `retention_seconds`. By size: while the lines and their indexes (`pg_total_relation_size`
  of every day, and of `recent`) exceed `retention_bytes`, the oldest day goes. A day is
  detached CONCURRENTLY (no lock that ingest or reads wait for; it waits for queries still
  reading it) then dropped, which gives its space back at once, with no dead rows to vacuum.
  The day being written is never dropped: **when one day alone is bigger than the budget**,
  the store keeps it (and the days ahead, which are empty) and logs a warning once a minute —
  that budget is smaller than a day of these apps' logs. Only one router does retention at
  a time (`pg_try_advisory_lock`); the frame ids and batch rows of dropped days go with them.
* **A hard cap** (`max_bytes`): past it, appends raise StoreFull (the drain answers 503 and
  Logplex retries) until retention has made room.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import time

import psycopg
from psycopg import sql

from .interface import StoreFull, Upkeep
from .postgres_db import PostgresDatabase
from .postgres_sql import TRIM_BATCHES_SQL

log = logging.getLogger("tuilogs.server.store")

AHEAD_DAYS = 2  # partitions exist from today to this many days ahead
PARTITION_CHECK_INTERVAL = 600.0  # seconds between checks that the days ahead exist
SIZE_CHECK_INTERVAL = 10.0  # seconds between measures of the lines' size (a catalog query)
MOVE_CHUNK = 2000  # lines moved into the search index per slice while ingest is busy
VACUUM_INTERVAL = 5.0  # seconds between vacuums of `recent` (after moves)
ANALYZE_LINES = 100_000  # lines moved into today's partition that call for an ANALYZE of it
ANALYZE_INTERVAL = 30.0  # seconds after which fewer lines moved call for one too
WARN_INTERVAL = 60.0
PARTITION_LOCK = 0x7475_696C_6F67_7302
RETENTION_LOCK = 0x7475_696C_6F67_7303
_DAY_NAME = re.compile(r"lines_(\d{8})")

PARTITIONS_SQL = """
select c.relname, i.inhdetachpending from pg_inherits i
join pg_class c on c.oid = i.inhrelid
where i.inhparent = 'tuilogs.lines'::regclass order by c.relname
"""
# The lines, and the builds' output (bounded per app; counted as on SQLite, dropped by their
# own bound, not by retention). Builds by their rows alone (heap and TOAST, 0 when empty): an
# empty table's indexes take pages that would count against a small budget before any build.
SIZE_SQL = """
select (coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)
        + pg_total_relation_size('tuilogs.recent')
        + (select coalesce(sum(pg_relation_size(c.oid)
                               + coalesce(pg_relation_size(nullif(c.reltoastrelid, 0)), 0)), 0)
           from pg_class c where c.oid in ('tuilogs.builds'::regclass,
                                           'tuilogs.build_lines'::regclass)))::bigint
from pg_inherits i where i.inhparent = 'tuilogs.lines'::regclass
"""
MOVE_SQL = """
with moved as (
    delete from tuilogs.recent where ctid = any(array(
        select ctid from tuilogs.recent limit %s for update skip locked))
    returning app_id, id, day, ts, source, dyno, message
)
insert into tuilogs.lines(app_id, id, day, ts, source, dyno, message) select * from moved
"""
TODAY_SQL = "select (now() at time zone 'utc')::date"


def partition_name(day: dt.date) -> str:
    return f"lines_{day:%Y%m%d}"


def partition_day(name: str) -> dt.date | None:
    m = _DAY_NAME.fullmatch(name)
    return dt.datetime.strptime(m[1], "%Y%m%d").date() if m else None


class PostgresUpkeep:
    """The upkeep of one `PostgresDatabase` (one per router; they coordinate by locks)."""

    def __init__(
        self,
        db: PostgresDatabase,
        *,
        retention_seconds: float | None,
        retention_bytes: int | None,
        max_bytes: int | None,
    ) -> None:
        self.db = db
        self.retention_seconds = retention_seconds
        self.retention_bytes = retention_bytes
        self.max_bytes = max_bytes
        self.full = False  # over `max_bytes`: appends raise StoreFull
        now = time.monotonic()
        self._next_partitions = now + PARTITION_CHECK_INTERVAL
        self._next_size = now
        self._next_vacuum = now
        self._moved = 0  # lines moved since the last vacuum of `recent`
        self._unanalyzed = 0  # lines moved since the last ANALYZE of today's partition
        self._next_analyze = now
        self._next_warning = 0.0

    # -- partitions ----------------------------------------------------------------------

    def ensure_partitions(self, conn: psycopg.Connection | None = None) -> int:
        """Make the days from today to AHEAD_DAYS ahead that do not exist; how many were made."""
        if conn is None:
            with self.db.conn() as c:
                return self.ensure_partitions(c)
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
            today = conn.execute(TODAY_SQL).fetchone()[0]
            have = {name for name, _ in conn.execute(PARTITIONS_SQL).fetchall()}
            made = 0
            for ahead in range(AHEAD_DAYS + 1):
                day = today + dt.timedelta(days=ahead)
                if partition_name(day) not in have:
                    self.make_partition(conn, day)
                    made += 1
        return made

    def make_partition(self, conn: psycopg.Connection, day: dt.date) -> None:
        """The partition of `day`: an empty table, attached (see the module docstring)."""
        table = sql.Identifier("tuilogs", partition_name(day))
        conn.execute(
            sql.SQL("create table if not exists {} (like tuilogs.lines including defaults)").format(
                table
            )
        )
        conn.execute(
            sql.SQL(
                "alter table tuilogs.lines attach partition {} for values from ({}) to ({})"
            ).format(table, sql.Literal(day), sql.Literal(day + dt.timedelta(days=1)))
        )

    def partitions(self, conn: psycopg.Connection) -> list[tuple[dt.date, str, bool]]:
        """(day, table, detach pending) of every day partition, oldest first."""
        out = []
        for name, pending in conn.execute(PARTITIONS_SQL).fetchall():
            day = partition_day(name)
            if day is not None:
                out.append((day, name, bool(pending)))
        return sorted(out)

    def lines_bytes(self) -> int:
        with self.db.conn() as conn:
            return conn.execute(SIZE_SQL).fetchone()[0]

    # -- the hard cap ----------------------------------------------------------------------

    def check_room(self) -> None:
        if self.full:
            raise StoreFull(f"the store is over its cap of {self.max_bytes} bytes")

    # -- upkeep slices ---------------------------------------------------------------------

    def maintain(self, busy: bool) -> Upkeep:
        """New lines into the search index (a small chunk while busy), the days ahead now
        and then, the size every SIZE_CHECK_INTERVAL (dropping the oldest days when over the
        budget), `recent` vacuumed after moves."""
        now = time.monotonic()
        worked = False
        if now >= self._next_partitions:
            self._next_partitions = now + PARTITION_CHECK_INTERVAL
            worked |= self.ensure_partitions() > 0
        if now >= self._next_size and (self.retention_bytes or self.max_bytes):
            self._next_size = now + SIZE_CHECK_INTERVAL
            worked |= self._retain_by_size() > 0
        chunk = MOVE_CHUNK if busy else MOVE_CHUNK * 4
        moved = self.index_pending(chunk)
        if self._moved and now >= self._next_vacuum:
            self._next_vacuum = now + VACUUM_INTERVAL
            self._moved = 0
            with self.db.conn() as conn:
                conn.execute("vacuum (skip_locked) tuilogs.recent")
        self._unanalyzed += moved
        if self._unanalyzed and (self._unanalyzed >= ANALYZE_LINES or now >= self._next_analyze):
            self._next_analyze = now + ANALYZE_INTERVAL
            self._unanalyzed = 0
            self._analyze_today()
        return Upkeep(worked=worked or moved > 0, more=moved >= chunk)

    def _analyze_today(self) -> None:
        """Statistics of today's partition, which the moves fill (see the module docstring)."""
        with self.db.conn() as conn:
            today = conn.execute(TODAY_SQL).fetchone()[0]
            table = sql.Identifier("tuilogs", partition_name(today))
            with contextlib.suppress(psycopg.errors.UndefinedTable):
                conn.execute(sql.SQL("analyze (skip_locked) {}").format(table))

    def index_pending(self, max_rows: int = MOVE_CHUNK * 4) -> int:
        """Move up to `max_rows` lines from `recent` into `lines` (the search index); how many."""
        with self.db.conn() as conn:
            try:
                moved = conn.execute(MOVE_SQL, (max_rows,)).rowcount
            except psycopg.errors.CheckViolation:  # a day without its partition: make it
                days = [row[0] for row in conn.execute("select distinct day from tuilogs.recent")]
                with conn.transaction():
                    conn.execute("select pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
                    have = {name for _, name, _ in self.partitions(conn)}
                    for day in days:
                        if partition_name(day) not in have:
                            self.make_partition(conn, day)
                moved = conn.execute(MOVE_SQL, (max_rows,)).rowcount
        self._moved += moved
        return moved

    # -- retention -------------------------------------------------------------------------

    def enforce_retention(self) -> int:
        """Drop the days older than `retention_seconds`, then the oldest while over
        `retention_bytes`; how many lines went."""
        return self._retain(by_age=True)

    def _retain_by_size(self) -> int:
        return self._retain(by_age=False)

    def _retain(self, by_age: bool) -> int:
        with self.db.conn() as conn:
            got = conn.execute("select pg_try_advisory_lock(%s)", (RETENTION_LOCK,)).fetchone()
            if not got[0]:
                return 0  # another router is at it
            try:
                deleted = self._finish_detaches(conn)
                if by_age and self.retention_seconds:
                    deleted += self._drop_older(conn, self.retention_seconds)
                deleted += self._drop_for_size(conn)
            finally:
                conn.execute("select pg_advisory_unlock(%s)", (RETENTION_LOCK,))
        if deleted:
            log.info("retention removed %d lines", deleted)
        return deleted

    def _finish_detaches(self, conn: psycopg.Connection) -> int:
        """A router that died between a concurrent detach's two steps left a day half-detached."""
        deleted = 0
        for _day, name, pending in self.partitions(conn):
            if pending:
                table = sql.Identifier("tuilogs", name)
                conn.execute(
                    sql.SQL("alter table tuilogs.lines detach partition {} finalize").format(table)
                )
                deleted += self._drop_table(conn, name)
        return deleted

    def _drop_older(self, conn: psycopg.Connection, seconds: float) -> int:
        cutoff = conn.execute(
            "select now() - make_interval(secs => %s)", (float(seconds),)
        ).fetchone()[0]
        deleted = 0
        for day, name, _ in self.partitions(conn):
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
            if end <= cutoff:
                deleted += self._drop_day(conn, name)
        return deleted

    def _drop_for_size(self, conn: psycopg.Connection) -> int:
        """While over the budget (or the cap), drop the oldest day that is not today's."""
        deleted = 0
        budget = min(b for b in (self.retention_bytes, self.max_bytes, 1 << 62) if b)
        today = conn.execute(TODAY_SQL).fetchone()[0]
        while True:
            used = conn.execute(SIZE_SQL).fetchone()[0]
            if self.max_bytes:
                self.full = used > self.max_bytes
            if used <= budget:
                return deleted
            old = [name for day, name, _ in self.partitions(conn) if day < today]
            if not old:
                self._warn_day_too_big(used, budget)
                return deleted
            deleted += self._drop_day(conn, old[0])

    def _warn_day_too_big(self, used: int, budget: int) -> None:
        now = time.monotonic()
        if now >= self._next_warning:
            self._next_warning = now + WARN_INTERVAL
            log.warning(
                "the store holds %d MB against a budget of %d MB, all of it today's lines:"
                " retention drops whole days and keeps the day being written (raise"
                " --retention-mb above a day of logs)",
                used >> 20,
                budget >> 20,
            )

    def _drop_day(self, conn: psycopg.Connection, name: str) -> int:
        """Detach a day without blocking ingest or reads, then drop it; its line count."""
        table = sql.Identifier("tuilogs", name)
        conn.execute(
            sql.SQL("alter table tuilogs.lines detach partition {} concurrently").format(table)
        )
        count = self._drop_table(conn, name)
        day = partition_day(name)
        if day is not None:  # frame ids of batches older than the oldest day kept
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
            conn.execute("delete from tuilogs.frames where received_at < %s", (end,))
            conn.execute(TRIM_BATCHES_SQL, (end,))
        return count

    def _drop_table(self, conn: psycopg.Connection, name: str) -> int:
        """Drop a detached day; how many lines it held."""
        table = sql.Identifier("tuilogs", name)
        with contextlib.suppress(psycopg.errors.UndefinedTable):
            count = conn.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0]
            conn.execute(sql.SQL("drop table {}").format(table))
            return count
        return 0
