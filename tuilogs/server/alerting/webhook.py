"""Telling a webhook that a rule fired: Slack-compatible JSON (`{"text": ...}`), POSTed with
a timeout and retried with backoff on 408, 429, 5xx and connection failures (any other 4xx
gives up at once), a bounded number of times: an alert late by minutes is still worth having,
one retried for hours is noise.

Where a webhook may point is the drain forwarder's rule (`drain_targets.TargetPolicy`): its
host is resolved, every address checked, and the request goes to the checked address with the
name in `Host` and as TLS SNI, so DNS cannot turn a webhook into a request to the cloud's
metadata service or, on a public router, to a private network.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx

from tuilogs.core.backoff import Backoff
from tuilogs.core.drain_urls import mask_url, split_userinfo

from ..drain_targets import CheckedResolver, TargetPolicy, TargetRefused
from ..tasks import cancel_and_wait

log = logging.getLogger("tuilogs.server.alerts")

USER_AGENT = "tuilogs-alerts"
_RETRY_STATUS = frozenset((408, 429))

Report = Callable[[str, str], None]  # (app, message) into the app's log


class WebhookNotifier:
    """Delivers firings to webhooks from the event loop; one task per notification."""

    def __init__(
        self,
        targets: TargetPolicy,
        report: Report,
        *,
        timeout: float = 10.0,
        attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
    ) -> None:
        self.targets = targets
        self.report = report
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = Backoff(backoff_base, backoff_max)
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        )
        self._tasks: set[asyncio.Task] = set()
        self.delivered = 0  # counters, for tests and status pages
        self.failed = 0

    def send(self, app: str, url: str, text: str) -> None:
        """Start delivering `text` to `url` (call on the event loop)."""
        task = asyncio.get_running_loop().create_task(self.deliver(app, url, text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deliver(self, app: str, url: str, text: str) -> bool:
        """POST `{"text": text}` until it is accepted or the attempts run out."""
        shown = mask_url(url)
        bare, credentials = split_userinfo(url)
        target = httpx.URL(bare)
        host = target.raw_host.decode("ascii")
        port = target.port or (443 if target.scheme == "https" else 80)
        resolver = CheckedResolver(self.targets, host, port, syslog=False)
        extensions = {"sni_hostname": host} if target.scheme == "https" else {}
        auth = httpx.BasicAuth(*credentials) if credentials else None
        problem = ""
        for attempt in range(1, self.attempts + 1):
            try:
                address = await resolver.address()
                resp = await self.client.post(
                    target.copy_with(host=str(address)),
                    json={"text": text},
                    headers={"Host": target.netloc.decode("ascii")},
                    auth=auth,
                    extensions=extensions,
                )
            except TargetRefused as exc:
                problem = f"is not an allowed webhook target: {exc}"
                break
            except (httpx.HTTPError, OSError, asyncio.TimeoutError) as exc:
                log.info("alert webhook %s: %r", shown, exc)
                problem = "could not deliver"
            else:
                if 200 <= resp.status_code < 300:
                    self.delivered += 1
                    return True
                problem = f"answered HTTP {resp.status_code}"
                if resp.status_code < 500 and resp.status_code not in _RETRY_STATUS:
                    break
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff.delay(attempt - 1))
        self.failed += 1
        self.report(app, f"Alert webhook {shown} {problem}; notification dropped")
        return False

    async def aclose(self) -> None:
        await cancel_and_wait(*self._tasks)
        await self.client.aclose()
