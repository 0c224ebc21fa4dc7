"""What the commands that only call the API share (`drains`, `alerts`): the backend chosen as
for the explorer (`resolve_backend`), one client for the call, and a failure said in one line
on stderr, heroku-style."""

from __future__ import annotations

import sys
from collections.abc import Callable

from tuilogs.platform.client import PlatformClient
from tuilogs.platform.credentials import resolve_backend
from tuilogs.platform.errors import PlatformError

from .command import quiet_on_closed_pipe

NO_BACKEND = (
    "no Heroku credentials and no local router running: set HEROKU_API_KEY (or `heroku login`), "
    "start one with `tuilogs serve`, or pass --api URL"
)


def call_api(
    prog: str, app: str | None, api: str | None, call: Callable[[PlatformClient], int]
) -> int:
    """`call(client)` against the backend for `app` (and `--api`), and its exit status; 1, said
    on stderr as `prog: why`, when there is no backend or the API refuses. Unlike the explorer,
    a command never starts a router of its own: it would hold nothing to show."""
    backend = resolve_backend(app, api)
    if backend.base_url is None:
        print(f"{prog}: {NO_BACKEND}", file=sys.stderr)
        return 1
    try:
        with backend.client(timeout=30) as client:
            return quiet_on_closed_pipe(lambda: call(client))
    except PlatformError as exc:
        print(f"{prog}: {exc.message}", file=sys.stderr)
        return 1
