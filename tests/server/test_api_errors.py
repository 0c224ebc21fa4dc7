"""Errors are JSON `{"id", "message"}` for every route, and hostile input never yields a 500."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kit.routerkit import post_batch, rec

pytestmark = pytest.mark.stores("sqlite", "postgres")


def test_unknown_routes_and_methods_are_json(router, client):
    resp = client.get("/nope")
    assert resp.status_code == 404 and resp.json()["id"] == "not_found"
    resp = client.put("/apps")
    assert resp.status_code == 405 and resp.json()["id"] == "method_not_allowed"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


session_keys = st.sampled_from(["dyno", "lines", "source", "tail", "after", "x"])
# Query values from all of Unicode, and numbers as clients get them wrong: digits that are not
# ASCII (`²`, `٣`: str.isdigit accepts them), signs, huge ones.
numberish = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.text(alphabet="0123456789²³¹٣۵߀１⁵-+ .e", min_size=1, max_size=40),
)
query_values = st.one_of(st.text(max_size=12), numberish)
HUGE = "9" * 5000


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.dictionaries(session_keys, st.one_of(json_values, numberish), max_size=5),
    params=st.dictionaries(
        st.sampled_from(["before", "after", "limit", "q", "dyno", "source", "total"]),
        query_values,
        max_size=4,
    ),
    drain=json_values,
)
@example(body={}, params={"limit": "²"}, drain=None)
@example(body={}, params={"before": "²"}, drain=None)
@example(body={"lines": HUGE}, params={"before": HUGE, "after": HUGE, "limit": HUGE}, drain=None)
@example(body={"after": HUGE, "lines": "٣"}, params={"after": "١"}, drain="http://127.1:1/x")
@example(body={"lines": "²"}, params={}, drain="http://[::ffff:169.254.169.254]/")
@example(body={}, params={"q": "\u200b"}, drain="http://ex\u200bample.com/")
def test_api_never_500s_on_hostile_input(router, client, body, params, drain):
    if router.store.count("myapp") == 0:
        post_batch(router, "myapp", [rec("seed")])
    resp = client.post("/apps/myapp/log-sessions", json=body)
    assert resp.status_code in (201, 422), resp.text
    if resp.status_code == 201:
        assert httpx.get(resp.json()["logplex_url"], timeout=5).status_code == 200 or body.get(
            "tail"
        )
    resp = client.get("/apps/myapp/log-lines", params=params)
    assert resp.status_code in (200, 422), resp.text
    resp = client.post("/apps/myapp/log-drains", json={"url": drain})
    assert resp.status_code in (201, 422), resp.text


def test_api_bodies_are_bounded_and_must_be_json_objects(router, client):
    post_batch(router, "myapp", [rec("seed")])
    assert client.post("/apps/myapp/log-sessions", content=b"[" * 100_000).status_code == 413
    assert client.post("/apps/myapp/log-sessions", content=b"[" * 50_000).status_code == 400
    assert client.post("/apps/myapp/log-sessions", content=b"[1]").status_code == 400
    for raw in (b'{"lines": NaN}', b'{"lines": Infinity}', b'{"after": -1e999}'):
        assert client.post("/apps/myapp/log-sessions", content=raw).status_code == 422
    resp = client.post("/apps/myapp/log-drains", content=b'{"url": NaN}')
    assert resp.status_code == 422
