"""The SQLite store's background work, a short slice at a time (`SQLiteStore.maintain`): fold
new lines into the search index, keep the files within `retention_bytes`, keep the WAL small
and give freed pages back to the file system.

Why it looks like this (benchmarks/bench_wal.py: 5 minutes of back-to-back ingest at ~90k
lines/s from four connections):

* **The WAL.** A passive checkpoint copies the WAL into the database without stopping ingest,
  but the WAL only starts over once a checkpoint has copied *all* of it, which never happens
  while commits keep coming: it grew 32-42 MB/s, 5.6 GB in two minutes. So once it passes
  `WAL_RESET_BYTES` a passive checkpoint does the copying and `reset_wal` finishes under the
  writer lock (a few milliseconds of ingest) and starts it over; when ingest is quiet it is
  truncated to nothing. Measured: at most 49 MB.
* **Retention by size counts the disk.** Lines are kept within `retention_bytes` less a
  reserve for the WAL (5 %, at most `WAL_RESET_BYTES`), checked on every slice rather than
  once a minute. Over the limit, trimming is urgent: the upkeep thread deletes chunk after
  chunk without its usual pauses, taking turns with ingest for the writer; rows only, as the
  search index goes by whole partitions (sqlite_fts.py), ~270k lines/s. Should a sender still
  outrun it, past `OVER_SHARE` of the budget each append waits (up to `ROOM_WAIT`) for
  retention. Run once a minute, with re-tokenising index deletes, it fell behind: 2.8 GB on
  disk for `--retention-mb 5`, 1.8 GB for 500; now at most 73 MB and 527 MB, and within 5 %
  under the limit at rest.
* **Space goes back.** The database is in incremental auto-vacuum mode; free pages are handed
  back a slice at a time. While ingest is busy new lines reuse free pages anyway, so only a
  large surplus (a quarter of the file) is returned then.
"""

from __future__ import annotations

import logging
import threading
import time

from .interface import Upkeep
from .sqlite_db import SQLiteDatabase
from .sqlite_drains import TRIM_BATCHES_SQL
from .sqlite_fts import drop_upto, index_range, part_bytes, stale_bytes
from .sqlite_sql import HEAD_SQL

log = logging.getLogger("tuilogs.server.store")

CHECKPOINT_INTERVAL = 0.5  # seconds between passive checkpoints
WAL_RESET_BYTES = 16 * 1024 * 1024  # start the WAL over beyond this
RESET_WAIT = 0.2  # seconds readers get to leave the old WAL
WAL_RESERVE_SHARE = 0.05  # of retention_bytes, kept free for the WAL
KEEP_SHARE = 0.95  # retention trims to this share of its budget
OVER_SHARE = 1.10  # beyond this share of its budget, ingest waits for retention
ROOM_WAIT = 1.0  # seconds an append waits for retention, at most
TRIM_CHUNK = 5_000  # lines per delete transaction (~10 ms of the writer)
MAX_RETENTION_CHUNKS = 100  # per `enforce_retention` call
VACUUM_PAGES = 2048  # pages given back per slice
WARN_INTERVAL = 60.0
REOPEN_INTERVAL = 2.0  # seconds between attempts to take writes again after a full disk


class SQLiteUpkeep:
    """The upkeep of one `SQLiteDatabase`; `fts_upto` is how far the search index reaches."""

    def __init__(
        self,
        db: SQLiteDatabase,
        *,
        retention_seconds: float | None,
        retention_bytes: int | None,
        index_chunk: int,
    ) -> None:
        self.db = db
        self.retention_seconds = retention_seconds
        self.retention_bytes = retention_bytes
        self.index_chunk = index_chunk
        self.fts_upto = db.meta("fts_upto") if db.fts else 0
        self._next_checkpoint = time.monotonic()
        self._next_warning = 0.0
        self._next_reopen = 0.0
        # Cleared while the store is far over its budget: `append` waits for it (a while).
        self.room = threading.Event()
        self.room.set()

    def maintain(self, busy: bool) -> Upkeep:
        """The journal first (cheap to check), then one chunk of retention, free space or
        indexing; with nothing left to do and ingest quiet, the WAL is given back. A store
        opened read-only on a full disk only looks for room to reopen."""
        if self.db.read_only:
            now = time.monotonic()
            if now >= self._next_reopen:
                self._next_reopen = now + REOPEN_INTERVAL
                if self.db.reopen():
                    self.fts_upto = self.db.meta("fts_upto") if self.db.fts else 0
            return Upkeep(worked=False, more=False)
        reset = self._journal()
        trimmed = self._trim(TRIM_CHUNK)
        if trimmed:  # over the limit: nothing else until under it (indexing doomed lines is waste)
            return Upkeep(worked=True, more=True, urgent=True)
        vacuumed = self._vacuum(busy)
        chunk = self.index_chunk if busy else self.index_chunk * 2
        indexed = self.index_pending(chunk)
        more = bool(vacuumed) or indexed >= chunk
        if not (more or busy) and self.db.wal_bytes() > 0:
            self.db.checkpoint()
            self.db.reset_wal(RESET_WAIT, truncate=True)
        return Upkeep(worked=reset or bool(vacuumed or indexed), more=more)

    # -- the WAL -------------------------------------------------------------------------

    def _journal(self) -> bool:
        """A passive checkpoint now and then; past `WAL_RESET_BYTES`, a reset."""
        now = time.monotonic()
        wal = self.db.wal_bytes()
        if wal > WAL_RESET_BYTES:
            self._next_checkpoint = now + CHECKPOINT_INTERVAL
            self.db.checkpoint()
            if not self.db.reset_wal(RESET_WAIT) and wal > 4 * WAL_RESET_BYTES:
                self._warn("the WAL is %d MB: a reader keeps it from starting over", wal >> 20)
            return True
        if now >= self._next_checkpoint:
            self._next_checkpoint = now + CHECKPOINT_INTERVAL
            self.db.checkpoint()
        return False

    def _warn(self, msg: str, *args: object) -> None:
        now = time.monotonic()
        if now >= self._next_warning:
            self._next_warning = now + WARN_INTERVAL
            log.warning(msg, *args)

    # -- retention -----------------------------------------------------------------------

    def budget(self) -> int | None:
        """Bytes the lines may use: `retention_bytes` less the WAL's reserve (None: no cap)."""
        if not self.retention_bytes:
            return None
        reserve = min(WAL_RESET_BYTES, int(self.retention_bytes * WAL_RESERVE_SHARE))
        return self.retention_bytes - reserve

    def _trim(self, chunk: int) -> int:
        """Delete one chunk of the oldest lines if the pages in use exceed the budget; far
        over it, make ingest wait (`room`)."""
        budget = self.budget()
        if budget is None:
            return 0
        used = self.db.used_bytes()
        if used > budget and self.db.fts:
            used -= stale_bytes(self.db.reader())
        if used <= budget:
            self.room.set()
            return 0
        # Two subqueries: `min(id), max(id)` in one select scans the whole table.
        sql = "select (select min(id) from lines), (select max(id) from lines)"
        lo, hi = self.db.reader().execute(sql).fetchone()
        if lo is None:
            self.room.set()
            return 0
        if used > budget * OVER_SHARE:
            self.room.clear()
        # Drop the oldest share that brings the store under KEEP_SHARE of its budget.
        share = min(1.0, (used - budget * KEEP_SHARE) / used)
        cutoff = lo + max(1, int((hi - lo + 1) * share)) - 1
        return self._delete_chunk(cutoff, chunk)

    def _delete_chunk(self, cutoff: int, chunk: int) -> int:
        """Delete up to `chunk` of the oldest lines with id <= `cutoff` in one transaction."""
        lo = self.db.reader().execute("select min(id) from lines").fetchone()[0]
        if lo is None or lo > cutoff:
            return 0
        hi = min(cutoff, lo + chunk - 1)
        with self.db.write(first=True) as c:
            # Rows only: their index entries go with their partition (sqlite_fts.py).
            n = c.execute("delete from lines where id >= ? and id <= ?", (lo, hi)).rowcount
            if self.db.fts:
                drop_upto(c, hi)
            c.execute(TRIM_BATCHES_SQL, (hi,))  # but those holding a drain's cursor
            c.execute(
                "insert into meta(key, value) values ('id_floor', ?)"
                " on conflict(key) do update set value = max(value, excluded.value)",
                (hi,),
            )
        return n

    def delete_upto(self, cutoff: int) -> int:
        """Delete lines with id <= cutoff, oldest first, in short transactions."""
        deleted = 0
        while n := self._delete_chunk(cutoff, TRIM_CHUNK):
            deleted += n
            self._journal()
        return deleted

    def enforce_retention(self) -> int:
        deleted = 0
        if self.retention_seconds:
            cutoff_time = time.time() - self.retention_seconds
            sql = "select max(last_id) from batches where received_at < ?"
            row = self.db.reader().execute(sql, (cutoff_time,)).fetchone()
            if row and row[0]:
                deleted += self.delete_upto(row[0])
        for _ in range(MAX_RETENTION_CHUNKS):  # the rest is `maintain`'s (urgent) work
            if not (n := self._trim(TRIM_CHUNK)):
                break
            deleted += n
            self._journal()
        if deleted:
            log.info("retention removed %d lines", deleted)
        return deleted

    # -- free space ----------------------------------------------------------------------

    def _vacuum(self, busy: bool) -> int:
        """Give free pages back: all of them when idle (a slice at a time), only a large
        surplus while busy."""
        free = self.db.free_pages()
        if free == 0 or (busy and free * self.db.page_size * 4 < self.db.file_bytes()):
            return 0
        return self.db.vacuum(VACUUM_PAGES)

    # -- the search index ----------------------------------------------------------------

    def index_pending(self, max_rows: int | None = None) -> int:
        """Fold up to `max_rows` not-yet-indexed lines into the FTS index; how many ids the
        index moved past (lines retention already removed are skipped, not indexed)."""
        if not self.db.fts:
            return 0
        chunk = max_rows or self.index_chunk
        top = self.db.reader().execute(HEAD_SQL).fetchone()[0]
        if top <= self.fts_upto:
            return 0
        with self.db.write() as c:
            lowest = c.execute("select coalesce(min(id), 0) from lines").fetchone()[0]
            start = max(self.db.meta("fts_upto"), lowest - 1)
            end = max(min(top, start + chunk), start)
            if end > start:
                index_range(c, start, end, part_bytes(self.budget()))
            c.execute(
                "insert into meta(key, value) values ('fts_upto', ?)"
                " on conflict(key) do update set value = excluded.value",
                (end,),
            )
        done = end - self.fts_upto
        self.fts_upto = end
        return done
