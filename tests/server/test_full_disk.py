"""A full disk (simulated with SQLite's page cap) is a 503 with JSON, logged, never a crash."""

from __future__ import annotations

import httpx

from tuilogs.core import locations as paths

from kit.routerkit import post_batch, rec


def test_full_store_answers_503_and_keeps_serving(make_router):
    r = make_router(max_db_bytes=400_000)
    statuses = []
    for b in range(60):
        resp = post_batch(r, "myapp", [rec(f"{b} " + "x" * 400) for _ in range(100)])
        statuses.append(resp.status_code)
        if resp.status_code == 503:
            break
    assert statuses[0] == 204
    assert statuses[-1] == 503, statuses
    body = resp.json()
    assert body["id"] == "service_unavailable" and "full" in body["message"]
    assert resp.headers["Retry-After"]
    stored = r.store.count("myapp")
    assert stored == 100 * (len(statuses) - 1)  # whole batches only

    headers = {"Authorization": f"Bearer {r.token}"}
    assert httpx.get(f"{r.base_url}/apps/myapp", headers=headers).status_code == 200
    page = httpx.get(f"{r.base_url}/apps/myapp/log-lines", headers=headers).json()
    assert len(page["lines"]) == 100

    # Space comes back (here: the cap is lifted): ingest resumes, Logplex's retry lands.
    r.store.set_max_bytes(None)
    assert post_batch(r, "myapp", [rec("after")]).status_code == 204
    assert r.store.integrity_check() == "ok"
    log = paths.log_path().read_text()
    assert "database or disk is full" in log
    assert r.token not in log
