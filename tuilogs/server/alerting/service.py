"""Alerting as one router runs it: the store, the engine and the webhook notifier, started and
stopped with the router, and what a firing does — a `heroku[tuilogs]` line in the app's own
log and, for a rule with a webhook, a Slack-compatible POST.

On SQLite the router evaluates its own rules from its start. On PostgreSQL one router of the
team evaluates every router's lines, under a lease (`team.TeamAlerting`, a subclass): the
engine, the windows, the notices and the webhook are these, whichever store.

The rules never count their own notices (`matcher`), so a rule such as `level>=error`
cannot keep itself firing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from tuilogs.core.record import LogRecord, log_timestamp

from ..drain_targets import TargetPolicy
from ..settings import Settings
from ..store.alerts_interface import AlertRule, AlertStore, Firing, RuleState
from .engine import AlertEngine, Matcher
from .webhook import WebhookNotifier
from .windows import NOTICE

Report = Callable[[str, LogRecord], None]  # Router._report: into the app's own log

RELOAD_WAIT = 2.0  # seconds a rule's change waits for the engine (busy with a backlog: less)


class Alerting:
    """A router's alert rules: `committed` after each batch; `reload` after a rule changed."""

    def __init__(
        self,
        store: AlertStore,
        matcher: Callable[[], Matcher],
        settings: Settings,
        report: Report,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.store = store
        self.settings = settings
        self.loop = loop
        self._matcher = matcher  # a new matcher for each engine
        self._report = report
        self.notifier = WebhookNotifier(
            TargetPolicy.from_settings(settings),
            self._report_problem,
            timeout=settings.alert_timeout,
            attempts=settings.alert_attempts,
            backoff_base=settings.alert_backoff,
        )
        self.engine: AlertEngine | None = None  # while this router evaluates the rules

    async def start(self) -> None:
        """Load the rules and start evaluating."""
        await asyncio.to_thread(self._start_engine, self.store)

    def _start_engine(self, store: AlertStore) -> None:
        """Start an engine on `store`'s rules, states and cursors (blocking)."""
        engine = AlertEngine(store, self._matcher(), self._on_firing, tick=self.settings.alert_tick)
        engine.start()
        self.engine = engine

    def _stop_engine(self) -> None:
        """Stop evaluating, saving the states and cursors (blocking)."""
        engine, self.engine = self.engine, None
        if engine is not None:
            engine.stop()

    async def stop(self) -> None:
        await asyncio.to_thread(self._stop_engine)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.notifier.aclose(), 5)

    def committed(self, app: str, last_id: int, records: list[LogRecord] | None) -> None:
        """`app` stored lines up to `last_id` (`Router.lines_committed`; `records`: the batch,
        when this router stored it). A router on its own store sees all its batches here."""
        if records and self.engine is not None:
            self.engine.offer(app, (last_id - len(records) + 1, last_id))

    def reload(self) -> None:
        """A rule was added or removed here: take the stored rules again, waiting (a while)
        until the engine has them, so lines stored after the answer count (blocking)."""
        engine = self.engine
        if engine is not None:
            engine.reload()
            engine.wait_idle(RELOAD_WAIT)

    def states(self, rules: list[AlertRule]) -> dict[str, RuleState]:
        """Where each rule stands: live from the engine when this router evaluates, else as
        last stored (blocking)."""
        engine = self.engine
        if engine is not None:
            return {r.id: engine.state(r.id) or RuleState(r.id) for r in rules}
        stored = self.store.states()
        return {r.id: stored.get(r.id) or RuleState(r.id) for r in rules}

    def _notice(self, app: str, message: str) -> None:
        self._report(app, LogRecord(log_timestamp(), *NOTICE, message))

    def _report_problem(self, app: str, message: str) -> None:
        self._notice(app, message)

    def _on_firing(self, rule: AlertRule, firing: Firing) -> None:
        """On the engine's thread: tell the app's log, and the webhook if the rule has one."""
        self._notice(rule.app, firing.message)
        if rule.webhook:
            text = f"[{rule.app}] {firing.message}"
            with contextlib.suppress(RuntimeError):  # the loop closed: the router is stopping
                self.loop.call_soon_threadsafe(self.notifier.send, rule.app, rule.webhook, text)
