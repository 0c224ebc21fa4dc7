"""The store's background upkeep: one thread that indexes new lines and applies retention.

Indexing costs ~6x an insert and shares SQLite's single writer with ingest, so while batches
are arriving upkeep takes at most a quarter of the writer's time (small chunks, then a pause 3x
as long); the index catches up when ingest quiets down, and searches scan the not-yet-indexed
tail meanwhile. Measured: ingest with indexing inline ~40k lines/s, with this duty cycle
>100k lines/s. A store over its size limit says its work is urgent (`Upkeep.urgent`): then
slices follow one another without pauses, so that retention keeps pace with ingest. What one
slice does is the store's business (`LogStore.maintain`).
"""

from __future__ import annotations

import logging
import threading
import time

from .store import LogStore, StoreError, Upkeep

log = logging.getLogger("tuilogs.server")

BUSY_WINDOW = 0.25  # seconds since the last batch during which ingest counts as busy
ERROR_LOG_INTERVAL = 60.0  # the same failure (a full disk) is logged once a minute, not per slice


class Maintenance:
    """The upkeep thread of one store; `nudge()` after each stored batch, `stop()` at the end."""

    def __init__(self, store: LogStore, retention_interval: float) -> None:
        self.store = store
        self.retention_interval = retention_interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._last_append = 0.0
        self._last_error = ("", 0.0)
        self._thread = threading.Thread(target=self._run, name="tuilogs-store", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        """A batch was stored: ingest is busy, and there is something to index."""
        self._last_append = time.monotonic()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread (blocking: call from a worker thread)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _log_error(self, message: str) -> None:
        last, at = self._last_error
        now = time.monotonic()
        if message != last or now - at >= ERROR_LOG_INTERVAL:
            self._last_error = (message, now)
            log.error("store maintenance failed: %s", message)

    def _run(self) -> None:
        next_retention = time.monotonic()
        while not self._stop.is_set():
            busy = time.monotonic() - self._last_append < BUSY_WINDOW
            started = time.monotonic()
            upkeep = Upkeep(worked=False, more=False)
            try:
                if started >= next_retention:
                    next_retention = started + self.retention_interval
                    self.store.enforce_retention()
                upkeep = self.store.maintain(busy)
            except StoreError as exc:
                self._log_error(str(exc))
            except Exception:
                log.exception("store maintenance failed")
            took = time.monotonic() - started
            if upkeep.urgent:
                self._stop.wait(0.001)  # only a waiting writer goes first
            elif upkeep.worked and busy:
                self._stop.wait(min(1.0, took * 3))
            elif upkeep.more:
                self._stop.wait(0.002)  # let a waiting writer in between chunks
            else:
                self._wake.wait(min(0.5, self.retention_interval))
                self._wake.clear()
