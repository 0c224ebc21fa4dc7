"""Fixtures for the drain panel and CLI: a REAL router on loopback (as tests/server does), and an
environment that cannot reach Heroku by accident (the router, `pclient` and `serve_asgi` come
from tests/conftest.py).

`frozen_drains` makes the router's drain ids, tokens and timestamps predictable, so snapshots
are stable: it swaps the store's clock and uuid4 (the router still runs for real over HTTP).
"""

from __future__ import annotations

import itertools
import time
import types
import uuid

import pytest

from tuilogs.server import store as store_module

APP = "myapp"
# Nothing listens on port 1: a connection there is refused at once, on every machine.
DEAD_API = "http://127.0.0.1:1"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No Heroku credentials, no ~/.netrc, UTC: the backend is whatever the test says."""
    for name in ("HEROKU_API_KEY", "HEROKU_HOST", "HEROKU_APP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def frozen_drains(monkeypatch) -> None:
    """Drains made from now on get ids/tokens 00000000-…-000000000001, 2, … and one date."""
    counter = itertools.count(1)
    fake_uuid = types.SimpleNamespace(
        uuid4=lambda: uuid.UUID(int=next(counter)), uuid5=uuid.uuid5, UUID=uuid.UUID
    )
    monkeypatch.setattr(store_module, "uuid", fake_uuid)
    monkeypatch.setattr(store_module, "now_iso", lambda: "2026-11-23T19:04:05Z")
