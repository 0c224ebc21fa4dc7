"""Saved searches and alert rules through the router's API extensions (docs/api.md).

Heroku has neither: against it every call raises `Unsupported`, before any request, with a
sentence that says where they live. Answers come back as small models; a webhook's password
never does (the router masks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from .client import PlatformClient
from .errors import NotFound, Unsupported

ROUTER_ONLY = "saved searches and alert rules are kept by a tuilogs router, not by Heroku"


@dataclass(frozen=True)
class SavedSearch:
    """A named query of an app, as the router shows it."""

    name: str
    query: str

    @classmethod
    def from_json(cls, d: dict) -> SavedSearch:
        return cls(str(d["name"]), str(d["query"]))


@dataclass(frozen=True)
class AlertRule:
    """A rule as the router shows it, with where its window stands (`count`, `fired`)."""

    id: str
    name: str
    query: str
    kind: str
    threshold: int
    window: float
    cooldown: float
    webhook: str | None
    count: int
    fired: bool
    last_fired: str | None

    @classmethod
    def from_json(cls, d: dict) -> AlertRule:
        state = d.get("state") or {}
        return cls(
            str(d["id"]),
            str(d["name"]),
            str(d["query"]),
            str(d["kind"]),
            int(d["threshold"]),
            float(d["window"]),
            float(d["cooldown"]),
            d.get("webhook"),
            int(state.get("count") or 0),
            bool(state.get("fired")),
            state.get("last_fired"),
        )


@dataclass(frozen=True)
class AlertFiring:
    id: str
    rule: str
    at: float  # seconds since the epoch (the router's clock): the cursor for `firings(after=)`
    fired_at: str
    count: int
    message: str

    @classmethod
    def from_json(cls, d: dict) -> AlertFiring:
        return cls(
            str(d["id"]),
            str(d["rule"]["name"]),
            float(d["at"]),
            str(d["fired_at"]),
            int(d["count"]),
            str(d["message"]),
        )


class AlertsApi:
    """The alerting calls of one `PlatformClient` (thread-safe as the client is)."""

    def __init__(self, client: PlatformClient) -> None:
        self.client = client

    def _call(self, method: str, app: str, tail: str, **kw: object) -> object:
        if self.client.kind == "heroku":
            raise Unsupported(ROUTER_ONLY)
        return self.client.request(method, f"/apps/{quote(app, safe='')}/{tail}", app=app, **kw)  # type: ignore[arg-type]

    # -- saved searches ----------------------------------------------------------------------

    def searches(self, app: str) -> list[SavedSearch]:
        answer = self._call("GET", app, "saved-searches")
        return [SavedSearch.from_json(s) for s in answer]  # type: ignore[union-attr]

    def save_search(self, app: str, name: str, query: str) -> SavedSearch:
        tail = f"saved-searches/{quote(name, safe='')}"
        return SavedSearch.from_json(self._call("PUT", app, tail, json={"query": query}))  # type: ignore[arg-type]

    def remove_search(self, app: str, name: str) -> None:
        try:
            self._call("DELETE", app, f"saved-searches/{quote(name, safe='')}")
        except NotFound:
            raise NotFound(f"no saved search {name!r} on {app}", status=404) from None

    # -- alert rules -------------------------------------------------------------------------

    def rules(self, app: str) -> list[AlertRule]:
        return [AlertRule.from_json(d) for d in self._call("GET", app, "alert-rules")]  # type: ignore[union-attr]

    def add_rule(self, app: str, **fields: object) -> AlertRule:
        """`POST` a rule: name, query or search, kind, threshold, window, cooldown, webhook."""
        body = {k: v for k, v in fields.items() if v is not None}
        return AlertRule.from_json(self._call("POST", app, "alert-rules", json=body))  # type: ignore[arg-type]

    def remove_rule(self, app: str, ident: str) -> AlertRule:
        try:
            answer = self._call("DELETE", app, f"alert-rules/{quote(ident, safe='')}")
        except NotFound:
            raise NotFound(f"no alert rule {ident!r} on {app}", status=404) from None
        return AlertRule.from_json(answer)  # type: ignore[arg-type]

    def firings(self, app: str, *, after: float = 0.0, limit: int = 100) -> list[AlertFiring]:
        """The app's firings later than `after`, newest first."""
        params = {"after": repr(after), "limit": str(limit)}
        answer = self._call("GET", app, "alert-firings", params=params)
        return [AlertFiring.from_json(d) for d in answer]  # type: ignore[union-attr]
