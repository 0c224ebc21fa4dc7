"""Numbers from the network are ASCII digits within bounds, or a 4xx with a JSON error.

`str.isdigit()` (and `int()`) accept `²`, `٣` and other Unicode digits, and `int()` refuses
more than 4,300 digits with a ValueError: `limit=²`, a 5,000-digit `before` and
`Logplex-Msg-Count: \\xb2` all answered 500 with a traceback in the log.
"""

from __future__ import annotations

import pytest

from kit.rawhttp import raw_request
from kit.routerkit import frames_body, post_batch, rec

HUGE = "9" * 5000
NOT_ASCII_DIGITS = ["²", "٣", "߀", "１", "1²", "⁵"]
BAD_NUMBERS = [*NOT_ASCII_DIGITS, HUGE, "1" + "0" * 30, "-1", "1.5", "0x10", "1e3", " ", "+5"]


def short(value: str) -> str:
    return f"{len(value)} digits" if len(value) > 40 else ascii(value)


@pytest.fixture
def seeded(router):
    assert post_batch(router, "myapp", [rec("seed")]).status_code == 204


@pytest.mark.parametrize("name", ["before", "after", "limit"])
@pytest.mark.parametrize("value", BAD_NUMBERS, ids=short)
def test_history_query_numbers(router, api, seeded, no_tracebacks, name, value):
    resp = api.get("/apps/myapp/log-lines", params={name: value})
    assert resp.status_code == 422, resp.text
    assert resp.json()["id"] == "invalid_params" and name in resp.json()["message"]


@pytest.mark.parametrize("name", ["lines", "after"])
@pytest.mark.parametrize("value", BAD_NUMBERS, ids=short)
def test_log_session_numbers_as_strings(router, api, seeded, no_tracebacks, name, value):
    resp = api.post("/apps/myapp/log-sessions", json={name: value})
    assert resp.status_code == 422, resp.text
    assert resp.json()["id"] == "invalid_params"


def test_log_session_numbers_beyond_what_json_parses(router, api, seeded, no_tracebacks):
    for raw in (b'{"lines": ' + HUGE.encode() + b"}", b'{"after": -' + HUGE.encode() + b"}"):
        resp = api.post("/apps/myapp/log-sessions", content=raw)
        assert resp.status_code in (400, 422), resp.text
        assert resp.json()["id"] in ("bad_request", "invalid_params")


def test_in_range_numbers_still_work(router, api, seeded):
    assert api.get("/apps/myapp/log-lines", params={"limit": " 5 ", "after": "0"}).is_success
    resp = api.post("/apps/myapp/log-sessions", json={"lines": "10"})
    assert resp.status_code == 201


@pytest.mark.parametrize("value", BAD_NUMBERS, ids=short)
@pytest.mark.parametrize("header", ["Logplex-Msg-Count", "Tuilogs-Hops"])
def test_drain_number_headers(router, drain_auth, no_tracebacks, header, value):
    body = frames_body([rec("counted")])
    headers = [drain_auth, ("Content-Type", "application/logplex-1"), (header, value)]
    resp = raw_request(router.base_url, "POST", "/drains/myapp", headers, body)
    assert resp.status == 400, resp.body
    assert resp.json()["id"] == "bad_request" and header in resp.json()["message"]


@pytest.mark.parametrize("value", ["²", HUGE, "-1", "1 1", "0x10"], ids=short)
def test_drain_content_length(router, drain_auth, no_tracebacks, value):
    headers = [drain_auth, ("Content-Length", value)]
    body = frames_body([rec("x")])
    resp = raw_request(
        router.base_url, "POST", "/drains/myapp", headers, body, content_length=False
    )
    assert resp.status == 400  # refused by the HTTP parser before the app
