"""Log drains through the API: CRUD, URL validation, loops refused, forwarders kept in step."""

from __future__ import annotations

import socket
import time
from urllib.parse import quote

import httpx
import pytest

from tuilogs.server.wire import app_id

from kit.routerkit import post_batch, rec

pytestmark = pytest.mark.stores("sqlite", "postgres")


def test_drains_crud(router, client):
    url = "https://user:secret@logs.example.com:8443/in"
    resp = client.post("/apps/myapp/log-drains", json={"url": url})
    assert resp.status_code == 201, resp.text
    drain = resp.json()
    assert set(drain) == {"addon", "app", "created_at", "id", "token", "updated_at", "url"}
    assert drain["addon"] is None
    assert drain["app"] == {"id": app_id("myapp"), "name": "myapp"}
    assert drain["token"].startswith("d.") and len(drain["token"]) == 38
    assert drain["url"] == url
    assert client.get("/apps/myapp/log-drains").json() == [drain]
    for ident in (drain["id"], quote(url, safe=""), drain["token"]):
        got = client.get(f"/apps/myapp/log-drains/{ident}")
        assert got.status_code == 200 and got.json()["id"] == drain["id"]
    dup = client.post("/apps/myapp/log-drains", json={"url": url})
    assert dup.status_code == 422 and dup.json()["id"] == "invalid_params"
    removed = client.delete(f"/apps/myapp/log-drains/{quote(url, safe='')}")
    assert removed.status_code == 200 and removed.json()["id"] == drain["id"]
    missing = client.delete(f"/apps/myapp/log-drains/{drain['token']}")
    assert missing.status_code == 404 and missing.json()["id"] == "not_found"
    assert client.get("/apps/myapp/log-drains").json() == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "https://",
        "https:///path",
        "example.com",
        "syslog://host",  # no port
        "syslog://host:99999",
        "https://exa mple.com/",
        "https://exa\u200bmple.com/",  # httpx refuses it: it would break every forwarder
        "http://evil.example\\@127.0.0.1/",  # parsers disagree on the host
        "",
        5,
        None,
    ],
)
def test_drain_url_validation(router, client, url):
    resp = client.post("/apps/myapp/log-drains", json={"url": url})
    assert resp.status_code == 422
    body = resp.json()
    assert body["id"] == "invalid_params" and body["message"]


@pytest.mark.parametrize(
    "url", ["http://h.example/x", "syslog://h.example:514", "syslog+tls://h.example:6514"]
)
def test_drain_url_schemes(router, client, url):
    assert client.post("/apps/myapp/log-drains", json={"url": url}).status_code == 201


def test_drain_to_itself_is_refused(router, client):
    url = router.drain_url("myapp")
    resp = client.post("/apps/myapp/log-drains", json={"url": url})
    assert resp.status_code == 422 and "loop" in resp.json()["message"]


def test_drains_sync_forwarders_and_deliver_to_another_router(make_router, tmp_path):
    a = make_router()
    b = make_router(db_path=tmp_path / "b.sqlite3")
    with httpx.Client(base_url=a.base_url, headers={"Authorization": f"Bearer {a.token}"}) as c:
        drain = c.post("/apps/src/log-drains", json={"url": b.drain_url("copy")}).json()
        assert list(a.router.forwarders.forwarders) == [drain["id"]]
        records = [rec(f"fwd {i}", dyno="web.2") for i in range(20)]
        assert post_batch(a, "src", records).status_code == 204
        deadline = time.monotonic() + 10
        while b.store.count("copy") < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [x.record() for x in b.store.since("copy", 0)] == records
        c.delete(f"/apps/src/log-drains/{drain['id']}")
        assert a.router.forwarders.forwarders == {}


def test_failing_drain_reports_into_the_apps_own_log(router, client):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    url = f"http://user:hunter2@127.0.0.1:{dead}/in"
    assert client.post("/apps/myapp/log-drains", json={"url": url}).status_code == 201
    post_batch(router, "myapp", [rec("to a dead drain")])
    deadline = time.monotonic() + 10
    reports: list = []
    while not reports and time.monotonic() < deadline:
        time.sleep(0.1)
        reports = [x for x in router.store.since("myapp", 0) if x.dyno == "logplex"]
    assert reports, "no heroku[logplex] line"
    assert reports[0].source == "heroku" and "L1" in reports[0].message
    assert "hunter2" not in reports[0].message
