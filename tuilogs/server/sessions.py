"""Log sessions: the single-use, expiring secrets behind each `logplex_url`.

A session is created by an authenticated `POST /apps/{app}/log-sessions` and redeemed once,
without a header, by `GET /log-sessions/{secret}`; as on Heroku, unused sessions expire.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field

from tuilogs.core.record import api_timestamp


@dataclass
class LogSession:
    app: str
    dyno: str | None
    source: str | None
    lines: int
    tail: bool
    after: int | None = None
    since: int | None = None  # a time range [since, until), epoch seconds (docs/api.md)
    until: int | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    created_at: str = field(default_factory=api_timestamp)
    expires: float = 0.0


class SessionManager:
    """Sessions by secret; claiming one removes it. Event-loop only (no locking needed)."""

    def __init__(self, ttl: float = 300.0, max_sessions: int = 10_000) -> None:
        self.ttl = ttl
        self.max_sessions = max_sessions
        self._by_secret: dict[str, LogSession] = {}

    def create(self, session: LogSession) -> LogSession:
        self.purge()
        if len(self._by_secret) >= self.max_sessions:
            # Oldest first: dicts keep insertion order.
            del self._by_secret[next(iter(self._by_secret))]
        session.expires = time.monotonic() + self.ttl
        self._by_secret[session.secret] = session
        return session

    def claim(self, secret: str) -> LogSession | None:
        """The session for this secret, once; None if unknown, used or expired."""
        session = self._by_secret.pop(secret, None)
        if session is None or session.expires < time.monotonic():
            return None
        return session

    def purge(self) -> None:
        now = time.monotonic()
        for secret in [s for s, v in self._by_secret.items() if v.expires < now]:
            del self._by_secret[secret]

    def __len__(self) -> int:
        return len(self._by_secret)
