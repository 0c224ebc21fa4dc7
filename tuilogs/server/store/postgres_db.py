"""One PostgreSQL database as the store uses it: a connection pool, errors turned into
`StoreError` / `StoreFull`, and the schema created or migrated at start under an advisory lock.

Several routers may start at once on one database: each takes `pg_advisory_lock(SCHEMA_LOCK)`
on a connection of its own before it looks at the schema's version, so one of them creates or
migrates it while the others wait, then find it current. Connections come from psycopg's pool
(autocommit: every statement that is not in an explicit transaction commits at once); each is
set to plan every statement for its arguments (`force_custom_plan`), so a prepared statement
still prunes partitions and sizes a search by its pattern.

The URL carries credentials (Heroku's `DATABASE_URL` does): it is never logged, and errors
that psycopg words with the connection string are reworded with `masked_url`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolTimeout

from tuilogs.core.drain_urls import mask_url

from .interface import StoreError, StoreFull
from .postgres_sql import MIGRATIONS, SCHEMA_LOCK, SCHEMA_VERSION, TRGM_INDEX

log = logging.getLogger("tuilogs.server.store")

POOL_MIN = 2
POOL_MAX = 16  # worker threads beyond this wait for a connection (POOL_WAIT seconds)
POOL_WAIT = 30.0
CONNECT_TIMEOUT = 10
_SECRET_KEYS = ("password", "passfile", "sslpassword", "sslkey")


def masked_url(url: str) -> str:
    """`url` fit for logs: the password (or a lone user) and secret query values masked."""
    shown = mask_url(url)
    parts = urlsplit(shown)
    if not parts.query:
        return shown
    query = [(k, "***" if k.lower() in _SECRET_KEYS else v) for k, v in parse_qsl(parts.query)]
    return parts._replace(query=urlencode(query, safe="*")).geturl()


def normalized_url(url: str) -> str:
    """`postgres://` (Heroku's spelling) as libpq's `postgresql://`."""
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://") :]
    return url


def _configure(conn: psycopg.Connection) -> None:
    conn.execute("set plan_cache_mode = force_custom_plan")
    # alerting's statements name no schema (alerts_sql.py: the same SQL runs on SQLite)
    conn.execute("set search_path to tuilogs, public")


def is_full(exc: BaseException) -> bool:
    return isinstance(exc, (pg_errors.DiskFull, pg_errors.OutOfMemory))


class PostgresDatabase:
    """The store's database: `conn()` lends a pooled connection for a few statements."""

    def __init__(self, url: str, *, pool_min: int = POOL_MIN, pool_max: int = POOL_MAX) -> None:
        self.url = normalized_url(url)
        self.shown = masked_url(self.url)
        self.trgm = False  # whether search has its pg_trgm index
        self._closed = False
        try:
            self._setup_schema()
        except psycopg.Error as exc:
            raise StoreError(f"cannot open {self.shown}: {self._reason(exc)}") from None
        self.pool = ConnectionPool(
            self.url,
            min_size=pool_min,
            max_size=max(pool_min, pool_max),
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
            configure=_configure,
            timeout=POOL_WAIT,
            name="tuilogs-store",
            open=False,
        )
        self.pool.open(wait=False)

    def _reason(self, exc: BaseException) -> str:
        """psycopg's message for `exc` without the connection string's secrets."""
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return text.replace(self.url, self.shown)

    def connect(self, **kwargs: object) -> psycopg.Connection:
        """A connection of its own (not from the pool): the listener's, the schema's."""
        return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT, **kwargs)

    def _setup_schema(self) -> None:
        with self.connect() as conn:
            conn.execute("select pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            try:
                self._migrate(conn)
                self.trgm = self._search_index(conn)
            finally:
                conn.execute("select pg_advisory_unlock(%s)", (SCHEMA_LOCK,))

    def _migrate(self, conn: psycopg.Connection) -> None:
        row = conn.execute(
            "select 1 from pg_tables where schemaname = 'tuilogs' and tablename = 'meta'"
        ).fetchone()
        version = 0
        if row:
            got = conn.execute("select value from tuilogs.meta where key = 'schema'").fetchone()
            version = got[0] if got else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.shown} holds a newer tuilogs schema ({version}) than this router"
                f" knows ({SCHEMA_VERSION}): upgrade tuilogs"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with conn.transaction():
                conn.execute(MIGRATIONS[target - 1])
                conn.execute(
                    "insert into tuilogs.meta(key, value) values ('schema', %s)"
                    " on conflict (key) do update set value = excluded.value",
                    (target,),
                )
            log.info("store schema of %s migrated to version %d", self.shown, target)

    def _search_index(self, conn: psycopg.Connection) -> bool:
        """The pg_trgm index for search; without the extension (and no right to create it)
        search scans, which stays exact."""
        try:
            conn.execute("create extension if not exists pg_trgm")
        except psycopg.Error as exc:
            log.warning("pg_trgm unavailable (%s); search scans the lines", self._reason(exc))
            return False
        opclass = conn.execute(
            "select quote_ident(n.nspname) || '.gin_trgm_ops' from pg_opclass o"
            " join pg_namespace n on n.oid = o.opcnamespace where o.opcname = 'gin_trgm_ops'"
            " limit 1"
        ).fetchone()[0]
        conn.execute(TRGM_INDEX.format(opclass=opclass))
        return True

    @contextlib.contextmanager
    def conn(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; psycopg's errors become StoreError (StoreFull for a full disk)."""
        if self._closed:
            raise StoreError("store is closed")
        try:
            with self.pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StoreError(f"no database connection within {POOL_WAIT:.0f} s") from exc
        except psycopg.Error as exc:
            if is_full(exc):
                raise StoreFull(f"the database is full: {self._reason(exc)}") from exc
            raise StoreError(f"database error: {self._reason(exc)}") from exc

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[psycopg.Connection]:
        """A pooled connection inside one read-only REPEATABLE READ transaction: every query
        sees the same committed lines."""
        with self.conn() as conn, conn.transaction():
            conn.execute("set transaction isolation level repeatable read, read only")
            yield conn

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(Exception):
            self.pool.close(timeout=5)
