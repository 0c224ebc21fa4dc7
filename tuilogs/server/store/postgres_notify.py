"""The batches every router commits, as PostgreSQL announces them: `LISTEN` on a connection of
its own, on the router's event loop.

Each batch's statement sends `NOTIFY tuilogs_lines, 'APP LAST_ID'`, delivered when it commits
(in commit order, to every listener — this router's own batches included). Notifications
sent while the listener is not connected are lost, so on every (re)connection the listener
first LISTENs, then reads every app's newest id and hands that over (`on_connect`): whoever
uses it catches up from there, and anything committed later is notified. A connection that
has been quiet for `PING_INTERVAL` is asked a `select 1`, so one that died without closing is
noticed and replaced.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable

import psycopg

from .postgres_db import CONNECT_TIMEOUT, PostgresDatabase
from .postgres_sql import NOTIFY_CHANNEL

log = logging.getLogger("tuilogs.server.store")

PING_INTERVAL = 15.0
BACKOFF = (0.2, 10.0)  # seconds before reconnecting: first, at most
WARN_INTERVAL = 60.0

OnCommit = Callable[[str, int], None]
OnConnect = Callable[[dict[str, int]], None]


class CommitListener:
    """`run(on_commit, on_connect)` until cancelled; both callbacks run on the event loop."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self.connections = 0  # how many times it (re)connected
        self._conn: psycopg.AsyncConnection | None = None
        self._next_warning = 0.0

    async def run(self, on_commit: OnCommit, on_connect: OnConnect) -> None:
        attempt = 0
        while True:
            try:
                await self._listen(on_commit, on_connect)
            except (psycopg.Error, OSError) as exc:
                self._warn(exc)
            attempt = 0 if self._conn is not None else attempt + 1
            self._conn = None
            first, cap = BACKOFF
            await asyncio.sleep(min(cap, first * 2**attempt) * random.uniform(0.5, 1.0))

    async def _listen(self, on_commit: OnCommit, on_connect: OnConnect) -> None:
        conn = await psycopg.AsyncConnection.connect(
            self.db.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT
        )
        async with conn:
            await conn.execute(f"listen {NOTIFY_CHANNEL}")
            cur = await conn.execute("select name, last_id from tuilogs.apps")
            heads = {name: last for name, last in await cur.fetchall()}
            self._conn = conn
            self.connections += 1
            on_connect(heads)
            while True:
                async for note in conn.notifies(timeout=PING_INTERVAL):
                    app, _, last = note.payload.rpartition(" ")
                    if app and last.isdigit():
                        on_commit(app, int(last))
                await conn.execute("select 1")  # quiet for a while: is it still there?

    async def disconnect(self) -> None:
        """Drop the connection as a network failure would (tests: the catch-up after it)."""
        if self._conn is not None:
            await self._conn.close()

    def _warn(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now >= self._next_warning:
            self._next_warning = now + WARN_INTERVAL
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            log.warning(
                "listening for other routers' lines failed (%s); reconnecting",
                reason.replace(self.db.url, self.db.shown),
            )
