"""What the explorer is told when it is built: attributes down, never read back from the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuilogs.core.query import Query
    from tuilogs.core.redact import Redactor
    from tuilogs.core.timerange import TimeRange
    from tuilogs.platform.builds import Build
    from tuilogs.platform.client import PlatformClient


@dataclass(frozen=True)
class FollowedApp:
    """The app whose logs are shown, and the client that reaches it (enables the drain panel)."""

    client: PlatformClient
    name: str


@dataclass(frozen=True)
class ExplorerOptions:
    """What the command line asks of the explorer, handed down when it is built."""

    sources: tuple[str, ...] = ()
    dynos: tuple[str, ...] = ()
    query: Query | None = None  # parsed once, by the command line
    backend_reason: str = ""  # why this backend (Heroku, a running router, an embedded one)
    app: FollowedApp | None = None
    build: Build | None = None  # open this build's output over the app's logs (`--build`)
    redaction: Redactor | None = None  # `--redact`: exports start redacted, with these rules
    time_range: TimeRange | None = None  # --since/--until (a filter; for routers also server-side)
