"""`client`: an httpx client of the `router` fixture's Platform API, with its token.

The router fixtures live in tests/conftest.py: `router` (a real router on a free loopback
port, its data under a per-test TUILOGS_HOME) and `make_router(**settings)` for one with
`server.settings.Settings` overrides (e.g. `max_body`, `session_ttl`, `syslog_port=0`); both
stop at teardown. Helpers (`post_batch`, `frames_body`, `api_headers`, `rec`) are in
`kit/routerkit.py`.
"""

from __future__ import annotations

import httpx
import pytest

from kit.routerkit import api_headers


@pytest.fixture
def client(router) -> httpx.Client:
    with httpx.Client(base_url=router.base_url, headers=api_headers(router), timeout=30) as c:
        yield c
