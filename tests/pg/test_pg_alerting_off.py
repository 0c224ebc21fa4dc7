"""A router on PostgreSQL runs no alert rules yet (they need one router evaluating at a time,
fed by every router's batches): it starts cleanly, keeps saved searches in the shared database
(every router of the team sees them), lists no firings, and answers the rule endpoints with a
501 that says why, through the Platform client too."""

from __future__ import annotations

import httpx
import pytest

from tuilogs.platform.alerts import AlertsApi
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.errors import PlatformError

from kit.routerkit import api_headers, post_batch, rec

pytestmark = pytest.mark.stores("postgres")

APP = "shop"


def client(router) -> httpx.Client:
    return httpx.Client(base_url=router.base_url, headers=api_headers(router), timeout=30)


def test_saved_searches_are_shared_and_rules_answer_501(make_router):
    first, second = make_router(), make_router()
    post_batch(first, APP, [rec("GET / 200")])
    with client(first) as a, client(second) as b:
        put = a.put(f"/apps/{APP}/saved-searches/errors", json={"query": "level>=error"})
        assert put.status_code == 201, put.text
        assert [s["query"] for s in b.get(f"/apps/{APP}/saved-searches").json()] == ["level>=error"]
        assert b.get(f"/apps/{APP}/alert-firings").json() == []
        for resp in (
            a.get(f"/apps/{APP}/alert-rules"),
            a.post(f"/apps/{APP}/alert-rules", json={"name": "e", "query": "level>=error"}),
            a.delete(f"/apps/{APP}/alert-rules/e"),
        ):
            assert resp.status_code == 501, resp.text
            body = resp.json()
            assert body["id"] == "not_implemented"
            assert "need the SQLite store" in body["message"]
        assert b.delete(f"/apps/{APP}/saved-searches/errors").status_code == 200
        assert a.get(f"/apps/{APP}/saved-searches").json() == []
    with (
        PlatformClient(first.base_url, first.token, kind="local", timeout=10) as pc,
        pytest.raises(PlatformError) as caught,
    ):
        AlertsApi(pc).rules(APP)
    assert caught.value.status == 501 and "SQLite store" in caught.value.message


def test_the_alert_tables_live_in_the_tuilogs_schema(make_router, postgres_url):
    import psycopg

    router = make_router()
    with client(router) as c:
        assert c.put(f"/apps/{APP}/saved-searches/x", json={"query": "x"}).status_code == 201
    with psycopg.connect(postgres_url) as conn:
        found = conn.execute(
            "select schemaname from pg_tables where tablename = 'saved_searches'"
        ).fetchall()
    assert found == [("tuilogs",)]
