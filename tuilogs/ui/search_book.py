"""Where the explorer's saved searches live: the router for a router app (shared by everyone
using it), this machine for files, pipes and Heroku apps (`core.saved_searches`). One small
interface, so the panel does not care which; every call blocks (run it on a worker).
"""

from __future__ import annotations

from typing import Protocol

from tuilogs.core.saved_searches import FILES_SCOPE, LocalSearches
from tuilogs.platform.alerts import AlertFiring, AlertsApi
from tuilogs.ui.options import ExplorerOptions


class SearchBook(Protocol):
    where: str  # said in the panel: "router", "this machine"

    def searches(self) -> list[tuple[str, str]]: ...

    def save(self, name: str, query: str) -> None: ...

    def remove(self, name: str) -> None: ...

    def firings(self, limit: int = 5) -> list[AlertFiring]: ...


class RouterBook:
    """A router app's searches, and its recent alert firings."""

    where = "router (shared)"

    def __init__(self, api: AlertsApi, app: str) -> None:
        self.api, self.app = api, app

    def searches(self) -> list[tuple[str, str]]:
        return [(s.name, s.query) for s in self.api.searches(self.app)]

    def save(self, name: str, query: str) -> None:
        self.api.save_search(self.app, name, query)

    def remove(self, name: str) -> None:
        self.api.remove_search(self.app, name)

    def firings(self, limit: int = 5) -> list[AlertFiring]:
        return self.api.firings(self.app, limit=limit)


class LocalBook:
    """Searches on this machine; no alerts (rules run on a router)."""

    where = "this machine"

    def __init__(self, scope: str) -> None:
        self.local = LocalSearches(scope)

    def searches(self) -> list[tuple[str, str]]:
        return self.local.all()

    def save(self, name: str, query: str) -> None:
        self.local.save(name, query)

    def remove(self, name: str) -> None:
        self.local.remove(name)

    def firings(self, limit: int = 5) -> list[AlertFiring]:
        return []


def router_api(options: ExplorerOptions) -> AlertsApi | None:
    """The alerting API of the followed app's router (None for files and Heroku)."""
    app = options.app
    if app is None or app.client.kind == "heroku":
        return None
    return AlertsApi(app.client)


def book_for(options: ExplorerOptions) -> SearchBook:
    api = router_api(options)
    if api is not None and options.app is not None:
        return RouterBook(api, options.app.name)
    if options.app is not None:
        return LocalBook(f"app:{options.app.name}")
    return LocalBook(FILES_SCOPE)
