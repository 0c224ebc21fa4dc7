"""Alert rules evaluated as batches are stored, on one thread of their own.

`offer` (on the event loop, after each commit) only queues the batch — and only for an app
that has rules — so ingest never waits for a rule. The engine's thread takes everything queued,
joins each app's batches into one `RecordBlock`, and runs each rule's query over it once
(`core.batch_match`: a bytes.find or regex pass per term, no per-line Python for most
queries); the matches are then split back by batch, so every batch counts at the time it
arrived. Ten rules cost ingest a few per cent (benchmarks/bench_alerts.py).

State: the windows live in memory and are written to the store every `tick` seconds, at stop,
and — with the firing, in one transaction — whenever a rule fires: after a restart the same
window does not fire again; a crash loses at most `tick` seconds of counts. Absence rules are
checked every `tick` seconds.
"""

from __future__ import annotations

import bisect
import copy
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tuilogs.core.batch_match import RecordBlock, matching
from tuilogs.core.query import Query, QueryError, parse_query
from tuilogs.core.record import LogRecord

from ..store.alerts_interface import ABSENCE, AlertRule, AlertStore, Firing, RuleState
from ..store.interface import StoreError
from .windows import firing_message, observe, silent

log = logging.getLogger("tuilogs.server.alerts")

Fire = Callable[[AlertRule, Firing], None]  # called on the engine's thread


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: AlertRule
    query: Query


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
        self._rules: dict[str, list[_Compiled]] = {}
        self._states: dict[str, RuleState] = {}
        self._dirty: set[str] = set()
        self._pending: deque[tuple[str, list[LogRecord], float]] = deque()
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._busy = False
        self._reload = False
        self._stopping = False
        self._thread: threading.Thread | None = None
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
        self._flush(force=True)

    def _load(self) -> None:
        rules: dict[str, list[_Compiled]] = {}
        for rule in self.store.rules():
            try:
                rules.setdefault(rule.app, []).append(_Compiled(rule, parse_query(rule.query)))
            except QueryError as exc:  # stored by an older version with other rules
                log.warning("alert rule %s of %s cannot run: %s", rule.name, rule.app, exc)
        stored = self.store.states()
        states = {}
        for compiled in (c for group in rules.values() for c in group):
            rid = compiled.rule.id
            states[rid] = self._states.get(rid) or stored.get(rid) or RuleState(rid)
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
        """Every rule of `app` over its queued batches: one scan per rule over all of them."""
        rules = self._rules.get(app)
        if not rules:
            return
        records = batches[0][0] if len(batches) == 1 else [r for b, _ in batches for r in b]
        block = RecordBlock(records)
        ends = []
        total = 0
        for batch, _ in batches:
            total += len(batch)
            ends.append(total)
        self.batches += len(batches)
        for compiled in rules:
            found = matching(compiled.query, block)
            if not len(found):
                continue
            state = self._states[compiled.rule.id]
            start = 0
            for end, (_, at) in zip(ends, batches, strict=True):
                n = bisect.bisect_left(found, end, start) - start
                start += n
                if n:
                    self._dirty.add(state.rule_id)
                    if observe(compiled.rule, state, n, at):
                        self._fired(compiled.rule, state, at)

    def _check_silences(self) -> None:
        now = self.clock()
        for compiled in (c for group in self._rules.values() for c in group):
            rule = compiled.rule
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
