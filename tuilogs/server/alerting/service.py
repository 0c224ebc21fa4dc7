"""Alerting as one router runs it: the store, the engine and the webhook notifier, started and
stopped with the router, and what a firing does — a `heroku[tuilogs]` line in the app's own
log and, for a rule with a webhook, a Slack-compatible POST.

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
from ..store.alerts_interface import AlertRule, AlertStore, Firing
from .engine import AlertEngine, Matcher
from .webhook import WebhookNotifier
from .windows import NOTICE

Report = Callable[[str, LogRecord], None]  # Router._report: into the app's own log


class Alerting:
    """A router's alert rules: `offer` each stored batch; `reload` after a rule changed."""

    def __init__(
        self,
        store: AlertStore,
        matcher: Matcher,
        settings: Settings,
        report: Report,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.store = store
        self.loop = loop
        self._report = report
        self.notifier = WebhookNotifier(
            TargetPolicy.from_settings(settings),
            self._report_problem,
            timeout=settings.alert_timeout,
            attempts=settings.alert_attempts,
            backoff_base=settings.alert_backoff,
        )
        self.engine = AlertEngine(store, matcher, self._on_firing, tick=settings.alert_tick)

    def start(self) -> None:
        """Load the rules and start evaluating (blocking: from a worker thread)."""
        self.engine.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self.engine.stop)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.notifier.aclose(), 5)

    def offer(self, app: str, ids: tuple[int, int]) -> None:
        self.engine.offer(app, ids)

    def reload(self) -> None:
        self.engine.reload()

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
