"""Drain forwarders over a real store, driven as the router drives them (`forwarding`).

Drains are added to the store and the manager takes their leases (`add_drain`); lines are
appended to the store and the app's forwarders woken (`commit`), as `Router.lines_committed`
does. Reports (L10, L13, L14) are collected instead of being stored.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tuilogs.core.record import LogRecord
from tuilogs.server.forward import ForwarderManager
from tuilogs.server.store import Drain, LogStore
from tuilogs.server.store.postgres import PostgresStore
from tuilogs.server.store.sqlite import SQLiteStore

from kit import pg_days
from kit.waiting import until

TS = "2026-11-23T19:00:00.000001+00:00"
FAST = dict(backoff_base=0.02, backoff_max=0.05, report_interval=0.0, timeout=2.0)


def recs(n: int, start: int = 0, dyno: str = "web.1") -> list[LogRecord]:
    return [LogRecord(TS, "app", dyno, f"line {i}") for i in range(start, start + n)]


class Reports(list):
    """The reports forwarders made: (app, record)."""

    def __call__(self, app: str, record: LogRecord) -> None:
        self.append((app, record))

    def messages(self) -> list[str]:
        return [r.message for _, r in self]

    async def wait(self, n: int = 1, timeout: float = 10.0) -> list[str]:
        """The messages, once there are at least `n`."""
        await until(lambda: len(self) >= n, timeout)
        return self.messages()


def remove_upto(store: LogStore, upto: int) -> int:
    """Retention removes the lines with id <= `upto`, on either store (how many went)."""
    if isinstance(store, PostgresStore):
        return pg_days.remove_upto(store, upto)
    assert isinstance(store, SQLiteStore)
    return store.upkeep.delete_upto(upto)


@dataclass
class Forwarding:
    store: LogStore
    manager: ForwarderManager
    reports: Reports

    async def add_drain(self, url: str, app: str = "myapp") -> Drain:
        drain = await asyncio.to_thread(self.store.add_drain, app, url)
        assert drain is not None
        await self.manager.refresh()
        return drain

    async def remove_drain(self, drain: Drain) -> None:
        await asyncio.to_thread(self.store.remove_drain, drain.app, drain.id)
        await self.manager.refresh()

    async def commit(
        self, app: str, records: list[LogRecord], hops: int = 0
    ) -> tuple[int, int] | None:
        ids = await asyncio.to_thread(self.store.append, app, records, None, hops)
        self.manager.wake(app)
        return ids


@contextlib.asynccontextmanager
async def forwarding(
    path: Path, store: LogStore | None = None, **options: object
) -> AsyncIterator[Forwarding]:
    """A started `ForwarderManager` (fast backoff, reports collected) over `store`, or over a
    new SQLite store at `path`; stopped (and a store it made closed) at the end."""
    own = store is None
    if store is None:
        store = SQLiteStore(path / "forwarding.sqlite3")
    reports = Reports()
    manager = ForwarderManager(store, reports, **{**FAST, **options})
    await manager.start()
    try:
        yield Forwarding(store, manager, reports)
    finally:
        await manager.aclose(timeout=0)
        if own:
            store.close()
