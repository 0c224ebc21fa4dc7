"""The router's log store: the `LogStore` protocol (interface.py), its implementations, and
`open_store`, which picks one by URL.

* `sqlite:///path/to/logs.sqlite3` (or a plain path; the default is the file in the data
  directory): one file, one router (`sqlite.py`).
* `postgresql://user:password@host:5432/db` (Heroku's `DATABASE_URL` spells it `postgres://`):
  one database shared by any number of routers (`postgres.py`).

Callers import the protocol and its data types from here; only the code that opens a store
(the router, `tuilogs ingest` without a router) names an implementation. psycopg is imported
only when a PostgreSQL store is opened.
"""

from __future__ import annotations

from pathlib import Path

from .builds import BUILD_STATUSES, MAX_BUILDS_PER_APP, StoredBuild
from .interface import (
    Drain,
    DrainLease,
    LineQuery,
    LineStats,
    LogStore,
    StoredApp,
    StoredBatch,
    StoredLine,
    StoreError,
    StoreFull,
    Upkeep,
)

__all__ = [
    "BUILD_STATUSES",
    "MAX_BUILDS_PER_APP",
    "Drain",
    "DrainLease",
    "LineQuery",
    "LineStats",
    "LogStore",
    "StoreError",
    "StoreFull",
    "StoredApp",
    "StoredBuild",
    "StoredBatch",
    "StoredLine",
    "Upkeep",
    "is_postgres_url",
    "open_store",
    "sqlite_path",
]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and url.startswith(POSTGRES_SCHEMES)


def sqlite_path(url: str) -> Path:
    """The file a `sqlite:///path` URL (or a plain path) names; ValueError for other URLs."""
    if url.startswith("sqlite://"):
        path = url[len("sqlite://") :]
        if not path or path == "/":
            raise ValueError(f"store URL {url!r} names no file: sqlite:///path/to/file")
        return Path(path)
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise ValueError(
            f"store URL scheme {scheme!r} is not supported: sqlite:///path or postgresql://…"
        )
    return Path(url)


def open_store(
    url: str,
    *,
    retention_seconds: float | None = None,
    retention_bytes: int | None = None,
    max_bytes: int | None = None,
    durability: str = "normal",
) -> LogStore:
    """The store `url` names (see the module docstring), with these limits; raises StoreError
    when it cannot be opened and ValueError for a URL of no known kind."""
    limits = {
        "retention_seconds": retention_seconds,
        "retention_bytes": retention_bytes,
        "max_bytes": max_bytes,
        "durability": durability,
    }
    if is_postgres_url(url):
        from .postgres import PostgresStore

        return PostgresStore(url, **limits)
    from .sqlite import SQLiteStore

    return SQLiteStore(sqlite_path(url), **limits)
