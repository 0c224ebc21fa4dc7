"""`GET /apps/{app}/log-summary` on the wire: its JSON shape, its parameters, its errors."""

from __future__ import annotations

import pytest

from kit.routerkit import post_batch, rec

ROUTER_LINE = (
    'at=info method=GET path="/a" host=h request_id=r fwd="1.2.3.4" dyno=web.1 connect=1ms'
    " service={ms}ms status={status} bytes=1 protocol=https"
)


def test_shape_and_numbers(router, client):
    records = [
        rec(ROUTER_LINE.format(ms=ms, status=status), source="heroku", dyno="router")
        for ms, status in [(10, 200), (20, 200), (30, 503)]
    ]
    records.append(rec("Error R14 (Memory quota exceeded)", source="heroku", dyno="web.1"))
    records.append(rec("level=error msg=boom", dyno="web.1"))
    assert post_batch(router, "myapp", records).status_code == 204
    r = client.get("/apps/myapp/log-summary", params={"buckets": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["app"]["name"] == "myapp"
    assert body["lines"] == 5 and body["requests"] == 3
    assert body["bucket_seconds"] == 1 and body["series"]["2xx"] == [2]
    assert body["series"]["5xx"] == [1]
    assert body["paths_by_count"] == [{"path": "/a", "requests": 3, "p95_ms": 30}]
    assert body["codes"] == [{"code": "R14", "count": 1}]
    assert {"dyno": "web.1", "lines": 2, "errors": 2} in body["dynos"]
    assert {"dyno": "router", "lines": 3, "errors": 1} in body["dynos"]
    assert body["levels"] == [{"level": "error", "count": 1}, {"level": "none", "count": 0}]


def test_empty_app_filters_and_errors(router, client):
    assert post_batch(router, "myapp", [rec("hello")]).status_code == 204
    body = client.get("/apps/myapp/log-summary", params={"dyno": "router"}).json()
    assert body["lines"] == 0 and body["bucket_start"] is None and body["dynos"] == []
    assert client.get("/apps/nope/log-summary").status_code == 404


@pytest.mark.parametrize("buckets", ["0", "1001", "x", "²"])
def test_bad_buckets(router, client, buckets):
    assert post_batch(router, "myapp", [rec("hello")]).status_code == 204
    r = client.get("/apps/myapp/log-summary", params={"buckets": buckets})
    assert r.status_code in (400, 422)


def test_a_service_time_no_int32_holds_is_answered_not_a_500(router, client):
    """A forged router line with `service=99999999999ms` once stopped the summary with an
    OverflowError (a 500): it is counted, as the longest time there is."""
    line = ROUTER_LINE.format(ms=99999999999, status=200)
    records = [rec(line, source="heroku", dyno="router")] * 20
    assert post_batch(router, "myapp", records).status_code == 204
    r = client.get("/apps/myapp/log-summary")
    assert r.status_code == 200
    assert r.json()["paths_by_p95"] == [{"path": "/a", "requests": 20, "p95_ms": 2**31 - 1}]
