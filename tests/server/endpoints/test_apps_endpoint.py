"""`GET /apps` and `GET /apps/{name-or-id}`."""

from __future__ import annotations

import pytest

from tuilogs.server.wire import app_id

from kit.routerkit import post_batch, rec

pytestmark = pytest.mark.stores("sqlite", "postgres")


def test_apps(router, client):
    assert client.get("/apps").json() == []
    assert client.get("/apps/myapp").status_code == 404
    assert client.get("/apps/myapp").json()["id"] == "not_found"
    post_batch(router, "myapp", [rec("a")])
    apps = client.get("/apps").json()
    assert [a["name"] for a in apps] == ["myapp"]
    app = client.get("/apps/myapp").json()
    assert app["id"] == app_id("myapp") == apps[0]["id"]
    assert app["generation"]["name"] == "cedar"
    assert {"created_at", "updated_at", "name", "id"} <= set(app)
    assert client.get(f"/apps/{app['id']}").json()["name"] == "myapp"
