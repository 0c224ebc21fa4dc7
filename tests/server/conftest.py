"""Fixtures: a real router on a free loopback port, its data under a per-test TUILOGS_HOME.

`make_router(**settings)` starts one with `api.Settings` overrides (e.g. `max_body`,
`session_ttl`, `syslog_port=0`); `router` is the default one. Both stop at teardown.
Helpers (`post_batch`, `frames_body`, `api_headers`, `rec`) are in `routerkit.py`.
"""

from __future__ import annotations

import httpx
import pytest

from kit.routerkit import api_headers


@pytest.fixture
def client(router) -> httpx.Client:
    with httpx.Client(base_url=router.base_url, headers=api_headers(router), timeout=30) as c:
        yield c
