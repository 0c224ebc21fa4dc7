"""Alert rules evaluated as batches are stored, without slowing ingest.

`offer` (on the event loop, after each commit) only notes that an app has lines up to some id
— and only for an app that has rules. The engine's thread then has the matcher (a child
process following the store, `matcher.StoreMatcher`) match the app's new batches against every
rule at once, and moves each rule's window with the counts of each batch, at the time the
router received it (`windows`). A backlog is read whole, in blocks of up to 50,000 lines.

The thread gathers batches for `gather` seconds after the first before it evaluates them: it
runs in the router's process, and each time it wakes it takes the GIL from the event loop.
Woken for each batch of a burst, it cost the router ~15 % more CPU (bench_alerts.py with the
matcher reading nothing: +11 % ingest time); woken a few times a second, nothing measurable,
and the matcher reads larger blocks, which cost less a line.

State: the windows and each app's cursor (the last id evaluated) live in memory and are
written to the store every `tick` seconds and at stop; a firing is written with its rule's
state in one transaction before anyone is told. After a restart the rules go on from the
cursor, and a window that fired does not fire again; a crash loses at most `tick` seconds of
progress (those lines are counted again, in windows that already fired or not). Absence
rules are checked every `tick` seconds.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Protocol

from tuilogs.core.query import QueryError, parse_query

from ..store.alerts_interface import ABSENCE, AlertRule, AlertStore, Firing, RuleState
from ..store.interface import StoreError
from .matcher import Evaluation
from .windows import firing_message, observe, silent

log = logging.getLogger("tuilogs.server.alerts")

Fire = Callable[[AlertRule, Firing], None]  # called on the engine's thread


class Matcher(Protocol):
    def warm(self) -> None: ...

    def evaluate(self, app: str, after: int, queries: Sequence[str]) -> Evaluation: ...

    def close(self) -> None: ...


class AlertEngine:
    """The rules of every app, their states, and the thread that evaluates them."""

    def __init__(
        self,
        store: AlertStore,
        matcher: Matcher,
        fire: Fire,
        *,
        tick: float = 5.0,
        gather: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.matcher = matcher
        self.fire = fire
        self.tick = tick
        self.gather = gather
        self.clock = clock
        self._rules: dict[str, list[AlertRule]] = {}
        self._states: dict[str, RuleState] = {}
        self._cursors: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._dirty_cursors: set[str] = set()
        self._pending: dict[str, tuple[int, int]] = {}  # app: (first id, last id) not evaluated
        self._pending_lock = threading.Lock()
        self._wake = threading.Event()
        self._hurry = threading.Event()  # ends a gather: a rule changed, or stopping
        self._idle = threading.Condition()
        self._busy = False
        self._reload = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.batches = 0  # batches evaluated, for tests and status pages

    # -- lifecycle (blocking: from worker threads) ---------------------------------------------

    def start(self) -> None:
        self._cursors = self.store.cursors()
        self._load()
        self._thread = threading.Thread(target=self._run, name="tuilogs-alerts", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._hurry.set()
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
        # An app without rules is not followed: when it gets one again, its rules start from
        # the lines stored from then on, not from where an old rule stopped long ago.
        self._cursors = {app: c for app, c in self._cursors.items() if app in rules}
        if rules:
            self.matcher.warm()

    # -- from the event loop ---------------------------------------------------------------------

    def offer(self, app: str, ids: tuple[int, int]) -> None:
        """Lines `ids` (first, last) of `app` were stored (nothing to do for an app without
        rules)."""
        if app in self._rules:
            with self._pending_lock:
                known = self._pending.get(app)
                self._pending[app] = (known[0], ids[1]) if known else ids
            self._wake.set()

    def reload(self) -> None:
        """Take the stored rules again (after one was added or removed)."""
        self._reload = True
        self._hurry.set()  # its first batches must find the new rules loaded
        self._wake.set()

    def state(self, rule_id: str) -> RuleState | None:
        """A copy of a rule's current state."""
        state = self._states.get(rule_id)
        return copy.copy(state) if state is not None else None

    def wait_idle(self, timeout: float) -> bool:
        """Wait until everything offered so far was evaluated (tests, benchmarks)."""
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
            if self._wake.wait(max(0.0, next_tick - time.monotonic())) and self.gather:
                self._hurry.wait(self.gather)  # more batches come in meanwhile (module doc)
            self._wake.clear()
            if not self._stopping:
                self._hurry.clear()
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
        with self._pending_lock:
            taken, self._pending = self._pending, {}
        for app, (first, last) in taken.items():
            self._evaluate(app, first, last)

    def _evaluate(self, app: str, first: int, last: int) -> None:
        """The app's stored batches up to id `last`, from its cursor (or `first`) on."""
        rules = self._rules.get(app)
        if not rules:
            return
        cursor = self._cursors.get(app, first - 1)
        queries = [r.query for r in rules]
        while cursor < last and not self._stopping:
            cursor, batches = self.matcher.evaluate(app, cursor, queries)
            self._cursors[app] = cursor
            self._dirty_cursors.add(app)
            if not batches:
                break
            self.batches += len(batches)
            for at, counts in batches:
                for rule, n in zip(rules, counts, strict=True):
                    if n:
                        state = self._states[rule.id]
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
        """Write the states and cursors that changed since the last flush."""
        dirty, self._dirty = self._dirty, set()
        moved, self._dirty_cursors = self._dirty_cursors, set()
        states = [copy.copy(self._states[r]) for r in dirty if r in self._states]
        cursors = {app: self._cursors[app] for app in moved if app in self._cursors}
        try:
            self.store.save_states(states, cursors)
        except StoreError:
            self._dirty |= dirty
            self._dirty_cursors |= moved
            if not force:
                raise
