"""The router's log store: the `LogStore` protocol (interface.py) and its SQLite implementation.

Callers import the protocol and its data types from here; only the code that opens a store
(the router, `tuilogs ingest` without a router) names an implementation.
"""

from .interface import (
    BUILD_STATUSES,
    MAX_BUILDS_PER_APP,
    Drain,
    LineStats,
    LogStore,
    StoredApp,
    StoredBuild,
    StoredLine,
    StoreError,
    StoreFull,
    Upkeep,
)

__all__ = [
    "BUILD_STATUSES",
    "MAX_BUILDS_PER_APP",
    "Drain",
    "LineStats",
    "LogStore",
    "StoreError",
    "StoreFull",
    "StoredApp",
    "StoredBuild",
    "StoredLine",
    "Upkeep",
]
