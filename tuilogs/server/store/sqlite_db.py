"""One SQLite database file as the store uses it: WAL, one writer, a reader per thread.

SQLite allows one writer at a time, so every write goes through one connection under a lock
(`write`), in a transaction whose SQLite errors become `StoreError` / `StoreFull`. Readers
never block the writer in WAL mode; each thread gets its own read-only connection (`reader`,
`snapshot` for several queries that must agree). The WAL is copied back by explicit passive
checkpoints (`checkpoint`, from the upkeep thread) instead of inside whichever commit crosses
the threshold, so no ingest commit pays for it.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from .interface import StoreError, StoreFull
from .sqlite_sql import FTS_SCHEMA, SCHEMA, SCHEMA_VERSION

log = logging.getLogger("tuilogs.server.store")

_NO_PAGE_LIMIT = 1073741823  # SQLite's default max_page_count


def _is_full(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL or "full" in str(exc).lower()


class SQLiteDatabase:
    """The store's file: schema, connections, transactions, size cap (thread-safe)."""

    def __init__(self, path: str | Path, *, durability: str = "normal", fts: bool = True) -> None:
        self.path = Path(path)
        self._sync = "FULL" if durability == "full" else "NORMAL"
        self._wlock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = self._connect()
        self.writer.execute("pragma wal_autocheckpoint=0")  # see `checkpoint`
        self._ckpt: sqlite3.Connection | None = None
        self.writer.executescript(SCHEMA)
        if self.writer.execute("pragma user_version").fetchone()[0] == 0:
            self.writer.execute(f"pragma user_version={SCHEMA_VERSION}")  # for future migrations
        self.fts = fts and self._try_fts()
        self.page_size = self.writer.execute("pragma page_size").fetchone()[0]
        self.max_bytes: int | None = None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        conn.execute("pragma journal_mode=wal")
        conn.execute(f"pragma synchronous={self._sync}")
        conn.execute("pragma busy_timeout=30000")
        return conn

    def _try_fts(self) -> bool:
        try:
            self.writer.execute(FTS_SCHEMA)
            return True
        except sqlite3.OperationalError as exc:  # SQLite without FTS5 or trigram (< 3.34)
            log.warning("full-text index unavailable (%s); search scans the table", exc)
            return False

    def reader(self) -> sqlite3.Connection:
        """This thread's read-only connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreError("store is closed")
            conn = self._connect()
            conn.execute("pragma query_only=1")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """This thread's reader inside one read transaction (one consistent view)."""
        conn = self.reader()
        conn.execute("begin")
        try:
            yield conn
        finally:
            conn.execute("commit")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction under the writer lock; SQLite errors become StoreError/Full."""
        with self._wlock:
            if self._closed:
                raise StoreError("store is closed")
            conn = self.writer
            try:
                conn.execute("begin immediate")
                yield conn
                conn.execute("commit")
            except BaseException as exc:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("rollback")
                if isinstance(exc, sqlite3.Error):
                    if _is_full(exc):
                        raise StoreFull(f"database or disk is full ({self.path})") from exc
                    raise StoreError(f"store write failed: {exc}") from exc
                raise

    def meta(self, key: str) -> int:
        """A counter kept in the `meta` table (0 when unset); read with the writer."""
        row = self.writer.execute("select value from meta where key = ?", (key,)).fetchone()
        return row[0] if row else 0

    def set_max_bytes(self, max_bytes: int | None) -> None:
        """A hard cap on the database size: beyond it writes fail with `StoreFull`."""
        with self._wlock:
            self.max_bytes = max_bytes
            pages = (max_bytes // self.page_size) if max_bytes else _NO_PAGE_LIMIT
            self.writer.execute(f"pragma max_page_count={max(int(pages), 1)}")

    def checkpoint(self, mode: str = "PASSIVE") -> None:
        """Move WAL content into the database file; PASSIVE never blocks ingest."""
        if self._ckpt is None:
            self._ckpt = self._connect()
        self._ckpt.execute(f"pragma wal_checkpoint({mode})")

    def used_bytes(self) -> int:
        conn = self.reader()
        pages = conn.execute("pragma page_count").fetchone()[0]
        free = conn.execute("pragma freelist_count").fetchone()[0]
        return (pages - free) * self.page_size

    def integrity_check(self) -> str:
        return self.reader().execute("pragma integrity_check").fetchone()[0]

    def close(self) -> None:
        self._closed = True
        with self._wlock:
            with contextlib.suppress(sqlite3.Error):
                self.writer.execute("pragma optimize")
                self.writer.execute("pragma wal_checkpoint(TRUNCATE)")
            self.writer.close()
        if self._ckpt is not None:
            self._ckpt.close()
        with self._readers_lock:
            for conn in self._readers:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._readers.clear()
