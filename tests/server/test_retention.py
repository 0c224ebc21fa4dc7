"""Retention enforced by a running router, and where the router keeps its files."""

from __future__ import annotations

import time

from tuilogs.core import locations as paths

from kit.routerkit import post_batch, rec


def test_paths_follow_tuilogs_home(tuilogs_home):
    assert paths.data_dir() == tuilogs_home / "data"
    assert paths.config_dir() == tuilogs_home / "config"
    assert paths.store_path().parent == tuilogs_home / "data"


def test_router_enforces_size_retention(make_router):
    r = make_router(retention_bytes=600_000, maintenance_interval=0.2)
    for b in range(20):
        assert (
            post_batch(r, "myapp", [rec(f"{b} {i} " + "y" * 300) for i in range(200)]).status_code
            == 204
        )
    deadline = time.monotonic() + 10
    while r.store.used_bytes() > 600_000 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert r.store.used_bytes() <= 600_000
    kept = r.store.since("myapp", 0, 100_000)
    assert kept and kept[-1].id == 4000  # the newest stay, the oldest went
    assert kept[0].id > 1
    assert r.store.integrity_check() == "ok"
