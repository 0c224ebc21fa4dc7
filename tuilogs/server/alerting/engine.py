"""Alert rules evaluated as batches are stored, on one thread of their own.

`offer` (on the event loop, after each commit) only queues the batch — and only for an app
that has rules — so ingest never waits for a rule. The engine's thread takes everything queued,
joins each app's batches into one block of bytes, and has a child process run every rule's
query over it once (`matcher.MatchProcess`: the explorer's query code, off the router's GIL);
the counts come back per batch, so every batch counts at the time it arrived. A backlog is
taken whole, so the blocks grow when ingest outruns matching instead of falling further behind.

State: the windows live in memory and are written to the store every `tick` seconds, at stop,
and — with the firing, in one transaction — whenever a rule fires: after a restart the same
window does not fire again; a crash loses at most `tick` seconds of counts. Absence rules are
checked every `tick` seconds.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable

from tuilogs.core.batch_match import block_bytes
from tuilogs.core.query import QueryError, parse_query
from tuilogs.core.record import LogRecord

from ..store.alerts_interface import ABSENCE, AlertRule, AlertStore, Firing, RuleState
from ..store.interface import StoreError
from .matcher import MatchProcess
from .windows import firing_message, observe, silent

log = logging.getLogger("tuilogs.server.alerts")

Fire = Callable[[AlertRule, Firing], None]  # called on the engine's thread


class AlertEngine:
    """The rules of every app, their states, and the thread that evaluates them."""

    def __init__(
        self,
        store: AlertStore,
        fire: Fire,
        *,
        tick: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.fire = fire
        self.tick = tick
        self.clock = clock
        self._rules: dict[str, list[AlertRule]] = {}
        self._states: dict[str, RuleState] = {}
        self._dirty: set[str] = set()
        self._pending: deque[tuple[str, list[LogRecord], float]] = deque()
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._busy = False
        self._reload = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.matcher = MatchProcess()
        self.batches = 0  # batches evaluated, for tests and status pages

    # -- lifecycle (blocking: from worker threads) ---------------------------------------------

    def start(self) -> None:
        self._load()
        self._thread = threading.Thread(target=self._run, name="tuilogs-alerts", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
        self.matcher.close()
        self._flush(force=True)

    def _load(self) -> None:
        rules: dict[str, list[AlertRule]] = {}
        for rule in self.store.rules():
            try:
                parse_query(rule.query)
            except QueryError as exc:  # stored by an older version with other rules
                log.warning("alert rule %s of %s cannot run: %s", rule.name, rule.app, exc)
                continue
            rules.setdefault(rule.app, []).append(rule)
        stored = self.store.states()
        states = {}
        for rule in (r for group in rules.values() for r in group):
            states[rule.id] = self._states.get(rule.id) or stored.get(rule.id) or RuleState(rule.id)
        self._rules, self._states = rules, states

    # -- from the event loop ---------------------------------------------------------------------

    def offer(self, app: str, records: list[LogRecord]) -> None:
        """Queue a stored batch for the app's rules (nothing to do for an app without)."""
        if app in self._rules and records:
            self._pending.append((app, records, self.clock()))
            self._wake.set()

    def reload(self) -> None:
        """Take the stored rules again (after one was added or removed)."""
        self._reload = True
        self._wake.set()

    def state(self, rule_id: str) -> RuleState | None:
        """A copy of a rule's current state."""
        state = self._states.get(rule_id)
        return copy.copy(state) if state is not None else None

    def wait_idle(self, timeout: float) -> bool:
        """Wait until everything queued so far was evaluated (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending or self._busy or self._reload:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.05))
        return True

    # -- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        next_tick = time.monotonic() + self.tick
        while not self._stopping:
            self._wake.wait(max(0.0, next_tick - time.monotonic()))
            self._wake.clear()
            with self._idle:
                self._busy = True
            try:
                self._step()
                if time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + self.tick
                    self._check_silences()
                    self._flush()
            except StoreError as exc:
                log.error("alert rules: the store failed: %s", exc)
            except Exception:
                log.exception("alert rules: evaluation failed")
            finally:
                with self._idle:
                    self._busy = False
                    self._idle.notify_all()

    def _step(self) -> None:
        if self._reload:
            self._reload = False
            self._load()
        taken: dict[str, list[tuple[list[LogRecord], float]]] = {}
        while self._pending:
            app, records, at = self._pending.popleft()
            taken.setdefault(app, []).append((records, at))
        for app, batches in taken.items():
            self._evaluate(app, batches)

    def _evaluate(self, app: str, batches: list[tuple[list[LogRecord], float]]) -> None:
        """Every rule of `app` over its queued batches: one block, one pass per rule."""
        rules = self._rules.get(app)
        if not rules:
            return
        records = batches[0][0] if len(batches) == 1 else [r for b, _ in batches for r in b]
        ends, total = [], 0
        for batch, _ in batches:
            total += len(batch)
            ends.append(total)
        counts = self.matcher.counts([r.query for r in rules], block_bytes(records), ends)
        self.batches += len(batches)
        for rule, per_batch in zip(rules, counts, strict=True):
            state = self._states[rule.id]
            for n, (_, at) in zip(per_batch, batches, strict=True):
                if n:
                    self._dirty.add(rule.id)
                    if observe(rule, state, n, at):
                        self._fired(rule, state, at)

    def _check_silences(self) -> None:
        now = self.clock()
        for rule in (r for group in self._rules.values() for r in group):
            if rule.kind == ABSENCE and silent(rule, self._states[rule.id], now):
                self._fired(rule, self._states[rule.id], now)

    def _fired(self, rule: AlertRule, state: RuleState, at: float) -> None:
        firing = Firing(
            uuid.uuid4().hex,
            rule.id,
            rule.app,
            rule.name,
            at,
            state.count if rule.kind != ABSENCE else 0,
            firing_message(rule, state),
        )
        self.store.record_firing(firing, state)
        self._dirty.discard(rule.id)
        log.info("%s: %s", rule.app, firing.message)
        try:
            self.fire(rule, firing)
        except Exception:
            log.exception("alert %s of %s: notifying failed", rule.name, rule.app)

    def _flush(self, force: bool = False) -> None:
        """Write the states that changed since the last flush."""
        dirty, self._dirty = self._dirty, set()
        states = [self._states[r] for r in dirty if r in self._states]
        try:
            self.store.save_states([copy.copy(s) for s in states])
        except StoreError:
            self._dirty |= dirty
            if not force:
                raise
