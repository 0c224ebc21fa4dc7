"""The router's log store: the `LogStore` protocol (interface.py) and its SQLite implementation.

Callers import the protocol and its data types from here; only the code that opens a store
(the router, `tuilogs ingest` without a router) names an implementation.
"""

from .interface import (
    Drain,
    DrainLease,
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
    "Drain",
    "DrainLease",
    "LineStats",
    "LogStore",
    "StoreError",
    "StoreFull",
    "StoredApp",
    "StoredBatch",
    "StoredLine",
    "Upkeep",
]
