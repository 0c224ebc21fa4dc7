"""Lines committed by any router, published to this router's tails in id order: exactly once,
without a gap (a store several routers share, whose `commit_feed` announces every commit).

Everything arrives as "app has committed lines up to id X" (`Router.lines_committed`): from this
router's own ingest, with the records in hand, and from the store's feed (PostgreSQL's NOTIFY),
with the id only. Per app, `published` is the last id handed to the hub. Ids count per app
without holes (`store/postgres.py`), so a batch whose first id is `published + 1` is the next
one and is published as it is; a batch further on means lines committed in between — another
router's, or one of ours whose worker thread came back later — and the missing lines are read
from the store by id (`lines(after=published)`) and published in order first. Nothing is read
for an app nobody tails: its cursor just moves on (a new tail reads its backlog from the store
and continues after the head it saw, log_sessions.py). When the feed was cut, every app's
newest id is compared with `published` on reconnection and the difference read, so missed
notifications cost no line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

import anyio.to_thread

from tuilogs.core.record import LogRecord

from .hub import Hub
from .store import LogStore, StoredLine, StoreError
from .tasks import cancel_and_wait

log = logging.getLogger("tuilogs.server")

PIECE_LINES = 2000  # lines per catch-up read
PIECE_BYTES = 512 * 1024  # message bytes per catch-up read, about
FIRST_CONNECT_WAIT = 30.0  # seconds `start` waits for the feed before serving anyway
RETRY_DELAY = 0.5  # seconds before a failed catch-up read is tried again


class CommitFeed(Protocol):
    """What a shared store offers (`PostgresStore.commit_feed()`)."""

    async def run(self, on_commit, on_connect) -> None: ...


def runs(lines: list[StoredLine]) -> list[tuple[int, list[LogRecord]]]:
    """`lines` as (first id, records) runs of consecutive ids (retention may leave holes)."""
    out: list[tuple[int, list[LogRecord]]] = []
    for line in lines:
        if out and out[-1][0] + len(out[-1][1]) == line.id:
            out[-1][1].append(line.record())
        else:
            out.append((line.id, [line.record()]))
    return out


class Fanout:
    """The hub's feeder for a shared store (see the module docstring); runs on the event loop."""

    def __init__(self, hub: Hub, store: LogStore, feed: CommitFeed) -> None:
        self.hub = hub
        self.store = store
        self.feed = feed
        self.published: dict[str, int] = {}
        self.ready = asyncio.Event()  # connected once: `published` holds every app's head
        self._targets: dict[str, int] = {}  # apps being caught up: the id to reach
        self._tasks: set[asyncio.Task] = set()
        self._runner: asyncio.Task | None = None
        self._announce: Callable[[str, int], None] = self.committed

    async def start(self, announce: Callable[[str, int], None] | None = None) -> None:
        """Listen; wait (a while) for the first connection, which says where each app is.

        `announce(app, last_id)` receives what the feed says (`Router.lines_committed`, which
        comes back to `committed`); by default `committed` itself."""
        self._announce = announce or self.committed
        self._runner = asyncio.create_task(self.feed.run(self._announce, self._connected))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.ready.wait(), FIRST_CONNECT_WAIT)
        if not self.ready.is_set():
            log.warning("not yet listening for other routers' lines; their tails wait for it")

    async def stop(self) -> None:
        await cancel_and_wait(self._runner, *self._tasks)

    def _connected(self, heads: dict[str, int]) -> None:
        if not self.ready.is_set():  # the start: no tail is waiting for anything older
            self.published.update(heads)
            self.ready.set()
            return
        for app, head in heads.items():  # a reconnection: catch up on what was missed
            self._announce(app, head)

    def committed(self, app: str, last_id: int, records: list[LogRecord] | None = None) -> None:
        """`app` has committed lines up to `last_id` (`records`: the last batch, when local)."""
        if app in self._targets:  # a catch-up is under way: it will read these too
            self._targets[app] = max(self._targets[app], last_id)
            return
        done = self.published.get(app)
        if done is None:
            # An app that appeared since the feed connected starts at 0; before that, our own
            # batches are the only ones we can know of.
            done = 0 if self.ready.is_set() or not records else last_id - len(records)
        if last_id <= done:
            return
        if records is not None and last_id - len(records) == done:
            self.hub.publish(app, done + 1, records)
            self.published[app] = last_id
            return
        self.published[app] = done
        if not self.hub.subscribers(app):
            self.published[app] = last_id
            return
        self._targets[app] = last_id
        task = asyncio.create_task(self._catch_up(app))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _catch_up(self, app: str) -> None:
        """Read and publish `app`'s lines after `published` up to its target, in order."""
        try:
            while (cursor := self.published[app]) < (target := self._targets[app]):
                if not self.hub.subscribers(app):
                    self.published[app] = target
                    break
                try:
                    lines = await anyio.to_thread.run_sync(self._read, app, cursor, target)
                except StoreError as exc:
                    log.warning("tails of %s wait: cannot read its new lines (%s)", app, exc)
                    await asyncio.sleep(RETRY_DELAY)
                    continue
                if not lines:  # gone already (retention): nothing to show
                    self.published[app] = target
                    break
                for first, records in runs(lines):
                    self.hub.publish(app, first, records)
                self.published[app] = lines[-1].id
        finally:
            self._targets.pop(app, None)

    def _read(self, app: str, cursor: int, target: int) -> list[StoredLine]:
        return self.store.lines(
            app, after=cursor, before=target + 1, limit=PIECE_LINES, max_bytes=PIECE_BYTES
        )
