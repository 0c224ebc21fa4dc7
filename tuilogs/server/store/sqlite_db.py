"""One SQLite database file as the store uses it: WAL, one writer, a reader per thread.

SQLite allows one writer at a time, so every write goes through one connection under a lock
(`write`), in a transaction whose SQLite errors become `StoreError` / `StoreFull`. Readers
never block the writer in WAL mode; each thread gets its own read-only connection (`reader`,
`snapshot` for several queries that must agree).

The journal and the file are kept small by the upkeep thread (`sqlite_upkeep.py`), never by
whichever commit crosses a threshold: passive checkpoints copy the WAL back without stopping
ingest, and `reset_wal` starts it over. The database is in `auto_vacuum=incremental` mode so
that freed pages can be given back (`vacuum`); a file made before that (or by another tool) is
converted by one VACUUM when opened. The files hold logs and drain tokens: they are created
0600 and older ones are made so. Opened on a disk too full even for the WAL's index, the file
is served read-only (`immutable`), writes fail with `StoreFull`, and `reopen` takes writes
again once there is room.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from .interface import StoreError, StoreFull
from .sqlite_fts import fts_available
from .sqlite_sql import SCHEMA, SCHEMA_VERSION, add_missing_columns

log = logging.getLogger("tuilogs.server.store")

_NO_PAGE_LIMIT = 1073741823  # SQLite's default max_page_count
_INCREMENTAL = 2  # pragma auto_vacuum
JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024  # a reset WAL is cut back to this
_FILE_SUFFIXES = ("", "-wal", "-shm", "-journal")
FULL_BELOW = 1 << 20  # bytes free under which a failing open is put down to a full disk


def _is_full(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL or "full" in str(exc).lower()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def make_private(path: Path) -> None:
    """The database and its journals readable by their owner only: create the file 0600 (SQLite
    gives the WAL and SHM the database's mode) and narrow files an older version left 0644."""
    for suffix in _FILE_SUFFIXES:
        p = path.with_name(path.name + suffix)
        with contextlib.suppress(OSError):
            if p.stat().st_mode & 0o077:
                os.chmod(p, 0o600)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _disk_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < FULL_BELOW
    except OSError:
        return False


def _convert_to_incremental_vacuum(conn: sqlite3.Connection, path: Path) -> None:
    """A database without incremental auto-vacuum keeps its largest size forever; one VACUUM
    (it needs about twice the file's size free) converts it."""
    if conn.execute("pragma auto_vacuum").fetchone()[0] == _INCREMENTAL:
        return
    size = _size(path)
    free = shutil.disk_usage(path.parent).free
    if free < 2 * size + (64 << 20):
        log.warning(
            "%s keeps its largest size until converted, which needs %d MB free (%d MB are)",
            path,
            (2 * size >> 20) + 64,
            free >> 20,
        )
        return
    log.info("converting %s (%d MB) to give freed space back: once", path, size >> 20)
    try:
        conn.execute("vacuum")
        conn.execute("pragma wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        log.warning("could not convert %s (%s); it keeps its largest size", path, exc)


def _try_fts(conn: sqlite3.Connection) -> bool:
    try:
        return fts_available(conn)
    except sqlite3.OperationalError as exc:  # SQLite without FTS5 or trigram (< 3.34)
        log.warning("full-text index unavailable (%s); search scans the table", exc)
        return False


class SQLiteDatabase:
    """The store's file: schema, connections, transactions, size cap (thread-safe)."""

    def __init__(self, path: str | Path, *, durability: str = "normal", fts: bool = True) -> None:
        self.path = Path(path)
        self.wal_path = self.path.with_name(self.path.name + "-wal")
        self._sync = "FULL" if durability == "full" else "NORMAL"
        self._want_fts = fts
        self._wlock = threading.Lock()
        self._turnstile = threading.Lock()  # see `_writer_lock`
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._generation = 0  # readers made before a reopen are replaced
        self._closed = False
        self._ckpt: sqlite3.Connection | None = None
        self.writer: sqlite3.Connection | None = None
        self.read_only = ""  # why the store takes no writes now ("": it does)
        self.max_bytes: int | None = None
        self.page_size = 4096
        self.path.parent.mkdir(parents=True, exist_ok=True)
        make_private(self.path)
        try:
            self._open_writer()
        except sqlite3.Error as exc:
            if not (_disk_full(self.path) and _size(self.path) > 0):
                raise StoreError(f"cannot open {self.path}: {exc}") from exc
            # WAL mode needs room for its index (-shm) even to read. Started on a full disk,
            # serve what is stored from the database file alone; writes are a 503 (Logplex
            # retries) until the upkeep thread finds space again (`reopen`).
            self.read_only = f"the disk is full ({exc})"
            log.error("%s: %s; serving it read-only until space is freed", self.path, exc)
            conn = self.reader()
            self.page_size = conn.execute("pragma page_size").fetchone()[0]
            sql = "select 1 from sqlite_master where name = 'fts_parts'"
            self.fts = fts and conn.execute(sql).fetchone() is not None

    def _open_writer(self) -> None:
        """Open the writer: WAL mode, incremental vacuum, the schema, the full-text index."""
        conn = self._connect(first=True)
        try:
            conn.execute("pragma wal_autocheckpoint=0")  # the upkeep thread checkpoints
            _convert_to_incremental_vacuum(conn, self.path)
            conn.executescript(SCHEMA)
            add_missing_columns(conn)
            if conn.execute("pragma user_version").fetchone()[0] == 0:
                conn.execute(f"pragma user_version={SCHEMA_VERSION}")  # for future migrations
            self.fts = self._want_fts and _try_fts(conn)
            self.page_size = conn.execute("pragma page_size").fetchone()[0]
            if self.max_bytes:
                pages = self.max_bytes // self.page_size
                conn.execute(f"pragma max_page_count={max(int(pages), 1)}")
        except BaseException:
            conn.close()
            raise
        self.writer = conn

    def reopen(self) -> bool:
        """After a start on a full disk: take writes again if there is room now."""
        with self._wlock:
            if not self.read_only or self._closed:
                return not self.read_only
            try:
                self._open_writer()
            except sqlite3.Error:
                return False
            self.read_only = ""
            self._generation += 1
        log.info("%s: there is room again; the store takes writes", self.path)
        return True

    def _connect(self, first: bool = False) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        if first:
            # Only takes effect before the first table exists, and before WAL mode is set.
            conn.execute(f"pragma auto_vacuum={_INCREMENTAL}")
        conn.execute("pragma journal_mode=wal")
        conn.execute(f"pragma synchronous={self._sync}")
        conn.execute("pragma busy_timeout=30000")
        conn.execute(f"pragma journal_size_limit={JOURNAL_SIZE_LIMIT}")
        return conn

    def _connect_reader(self) -> sqlite3.Connection:
        if self.read_only:
            # `immutable`: the database file alone, no WAL index, no locks. Lines still in a
            # WAL left by a crash are not seen until the store reopens.
            uri = self.path.resolve().as_uri() + "?immutable=1"
            return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        conn = self._connect()
        conn.execute("pragma query_only=1")
        return conn

    def reader(self) -> sqlite3.Connection:
        """This thread's read-only connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.generation != self._generation:
            with self._readers_lock:
                self._readers.remove(conn)
            conn.close()
            conn = None
        if conn is None:
            if self._closed:
                raise StoreError("store is closed")
            conn = self._connect_reader()
            self._local.conn, self._local.generation = conn, self._generation
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
    def _writer_lock(self, first: bool) -> Iterator[None]:
        """The writer lock; `first` to be let in before writers that have not reached it yet.

        Ingest from several connections keeps the lock busy, and a plain lock is not fair:
        retention and WAL resets waited behind batch after batch and fell behind (the store
        grew to 1.8 GB against `--retention-mb 500`). Every writer passes a turnstile first;
        a `first` writer holds it while it waits, so it gets the lock after the writers
        already waiting, and ingest takes turns with it instead of starving it.
        """
        if first:
            with self._turnstile:
                self._wlock.acquire()
        else:
            with self._turnstile:
                pass
            self._wlock.acquire()
        try:
            yield
        finally:
            self._wlock.release()

    @contextlib.contextmanager
    def write(self, first: bool = False) -> Iterator[sqlite3.Connection]:
        """A write transaction under the writer lock (`first`: see `_writer_lock`); SQLite
        errors become StoreError/Full."""
        with self._writer_lock(first):
            if self._closed:
                raise StoreError("store is closed")
            conn = self.writer
            if conn is None:
                raise StoreFull(f"{self.read_only}: {self.path} is read-only until space is freed")
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
        conn = self.writer or self.reader()
        row = conn.execute("select value from meta where key = ?", (key,)).fetchone()
        return row[0] if row else 0

    def set_max_bytes(self, max_bytes: int | None) -> None:
        """A hard cap on the database size: beyond it writes fail with `StoreFull`."""
        with self._wlock:
            self.max_bytes = max_bytes
            pages = (max_bytes // self.page_size) if max_bytes else _NO_PAGE_LIMIT
            if self.writer is not None:
                self.writer.execute(f"pragma max_page_count={max(int(pages), 1)}")

    # -- the journal and free space ------------------------------------------------------

    def checkpoint(self, mode: str = "PASSIVE") -> None:
        """Move WAL content into the database file; PASSIVE never blocks ingest."""
        if self.read_only:
            return
        try:
            if self._ckpt is None:
                self._ckpt = self._connect()
            self._ckpt.execute(f"pragma wal_checkpoint({mode})").fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"checkpoint failed: {exc}") from exc

    def reset_wal(self, wait: float, truncate: bool = False) -> bool:
        """Copy the rest of the WAL back and start it over; whether that happened.

        Passive checkpoints alone never get there while commits keep coming (each leaves new
        frames behind), so this holds the writer lock: no commit of this process can slip in,
        and readers get `wait` seconds to move off the old WAL. Run a passive checkpoint first
        and little is left to copy here. `truncate` also cuts the file to zero (when idle);
        otherwise the next commit reuses it from the start (cut to `JOURNAL_SIZE_LIMIT`).
        """
        mode = "TRUNCATE" if truncate else "RESTART"
        with self._writer_lock(first=True):
            writer = self.writer
            if self._closed or writer is None:
                return False
            writer.execute(f"pragma busy_timeout={max(1, int(wait * 1000))}")
            try:
                busy, _, _ = writer.execute(f"pragma wal_checkpoint({mode})").fetchone()
            except sqlite3.Error as exc:
                raise StoreError(f"checkpoint failed: {exc}") from exc
            finally:
                writer.execute("pragma busy_timeout=30000")
        return busy == 0

    def wal_bytes(self) -> int:
        return _size(self.wal_path)

    def file_bytes(self) -> int:
        """What the store occupies on disk: the database file and its WAL."""
        return _size(self.path) + self.wal_bytes()

    def used_bytes(self) -> int:
        """The database's pages in use (its file size minus the free pages)."""
        conn = self.reader()
        pages = conn.execute("pragma page_count").fetchone()[0]
        free = conn.execute("pragma freelist_count").fetchone()[0]
        return (pages - free) * self.page_size

    def free_pages(self) -> int:
        return self.reader().execute("pragma freelist_count").fetchone()[0]

    def vacuum(self, pages: int) -> int:
        """Give up to `pages` free pages back to the file system; how many were."""
        with self.write() as c:
            before = c.execute("pragma freelist_count").fetchone()[0]
            # One page per statement: Python's sqlite3 steps `incremental_vacuum(N)` only once.
            for _ in range(min(pages, before)):
                c.execute("pragma incremental_vacuum(1)")
            after = c.execute("pragma freelist_count").fetchone()[0]
        return before - after

    def integrity_check(self) -> str:
        return self.reader().execute("pragma integrity_check").fetchone()[0]

    def close(self) -> None:
        self._closed = True
        with self._wlock:
            if self.writer is not None:
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
