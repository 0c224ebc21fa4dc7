"""Fixtures: a real router on a free loopback port, its data under a per-test TUILOGS_HOME.

`make_router(**settings)` starts one with `api.Settings` overrides (e.g. `max_body`,
`session_ttl`, `syslog_port=0`); `router` is the default one. Both stop at teardown.
Helpers (`post_batch`, `frames_body`, `api_headers`, `rec`) are in `routerkit.py`.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from routerkit import api_headers

from tuilogs.server import paths
from tuilogs.server.main import RouterHandle, start_in_thread


@pytest.fixture
def tuilogs_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TUILOGS_HOME", str(home))
    return home


@pytest.fixture
def make_router(tuilogs_home) -> Callable[..., RouterHandle]:
    started: list[RouterHandle] = []

    def make(**settings) -> RouterHandle:
        handle = start_in_thread(**settings)
        started.append(handle)
        return handle

    yield make
    for handle in started:
        handle.stop()
    log = paths.log_path()
    if log.exists():
        text = log.read_text(encoding="utf-8", errors="replace")
        for handle in started:
            assert handle.token not in text, "the router logged its token"


@pytest.fixture
def router(make_router) -> RouterHandle:
    return make_router()


@pytest.fixture
def client(router) -> httpx.Client:
    with httpx.Client(base_url=router.base_url, headers=api_headers(router), timeout=30) as c:
        yield c
