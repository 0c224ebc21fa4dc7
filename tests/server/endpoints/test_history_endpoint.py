"""The history extensions: `log-lines` (paging by id, filters, search) and `log-stats`."""

from __future__ import annotations

import pytest

from kit.routerkit import post_batch, rec

pytestmark = pytest.mark.stores("sqlite", "postgres")


def test_log_lines_paging_and_search(router, client):
    records = [
        rec(f"line {i} {'ERROR' if i % 10 == 0 else 'ok'}", f"web.{i % 2 + 1}") for i in range(300)
    ]
    post_batch(router, "myapp", records)
    page = client.get("/apps/myapp/log-lines", params={"limit": 50}).json()
    assert [x["id"] for x in page["lines"]] == list(range(251, 301))
    assert page["first_id"] == 251 and page["last_id"] == 300 and page["head_id"] == 300
    assert set(page["lines"][0]) == {"id", "timestamp", "source", "dyno", "message"}
    older = client.get("/apps/myapp/log-lines", params={"before": 251, "limit": 50}).json()
    assert older["last_id"] == 250
    newer = client.get("/apps/myapp/log-lines", params={"after": 10, "limit": 5}).json()
    assert [x["id"] for x in newer["lines"]] == [11, 12, 13, 14, 15]
    hits = client.get(
        "/apps/myapp/log-lines", params={"q": "error", "dyno": "web.1", "limit": 1000, "total": 1}
    ).json()
    assert [x["message"] for x in hits["lines"]] == [f"line {i} ERROR" for i in range(0, 300, 10)]
    assert hits["total"] == 300
    empty = client.get("/apps/myapp/log-lines", params={"source": "heroku"}).json()
    assert empty == {"lines": [], "first_id": None, "last_id": None, "head_id": 300}
    bad = client.get("/apps/myapp/log-lines", params={"limit": "many"})
    assert bad.status_code == 422 and bad.json()["id"] == "invalid_params"


def test_log_stats(router, client):
    post_batch(router, "myapp", [rec("a", "web.1"), rec("b", "router", "heroku"), rec("c")])
    stats = client.get("/apps/myapp/log-stats").json()
    assert stats["lines"] == 3
    assert stats["sources"] == {"app": 2, "heroku": 1}
    assert stats["dynos"] == {"web.1": 2, "router": 1}
