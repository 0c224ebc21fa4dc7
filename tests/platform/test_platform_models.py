"""The API's answers as models: fields read tolerantly, malformed answers as ServerError, no
secret in a repr. (Built from real answers: test_platform_client.py.)"""

from __future__ import annotations

import json

import pytest

from tuilogs.platform.errors import ServerError
from tuilogs.platform.models import Addon, LogDrain, LogPage, LogSession

# A drain as Heroku sends it (more fields than the router; key order kept for --json).
HEROKU_DRAIN = {
    "addon": {"id": "a1", "name": "papertrail-acute-12345", "app": {"id": "x", "name": "myapp"}},
    "app": {"id": "x", "name": "myapp"},
    "created_at": "2026-11-23T19:04:05Z",
    "id": "9f1c",
    "token": "d.0b6c",
    "updated_at": "2026-11-23T19:04:05Z",
    "url": "syslog+tls://user:pw-SECRET@logs.papertrailapp.com:12345",
    "extra": [1, 2],
}


def test_log_session():
    session = LogSession.from_json(
        {"id": "s1", "logplex_url": "https://logs.example/s/secret-1", "created_at": "2026"}
    )
    assert (session.id, session.logplex_url, session.created_at, session.updated_at) == (
        "s1",
        "https://logs.example/s/secret-1",
        "2026",
        None,
    )
    assert "secret-1" not in repr(session)
    # A stand-in server may send the URL alone.
    assert LogSession.from_json({"logplex_url": "http://h/s"}).id is None


@pytest.mark.parametrize("answer", [None, [], {"id": "s1"}, {"logplex_url": ""}])
def test_a_session_without_a_url_is_a_server_error(answer):
    with pytest.raises(ServerError, match="^the log session has no logplex_url$"):
        LogSession.from_json(answer)


def test_log_drain_fields_raw_and_repr():
    drain = LogDrain.from_json(HEROKU_DRAIN)
    assert (drain.id, drain.token, drain.app, drain.created_at) == (
        "9f1c",
        "d.0b6c",
        "myapp",
        "2026-11-23T19:04:05Z",
    )
    assert drain.addon == Addon("a1", "papertrail-acute-12345")
    assert drain.url == HEROKU_DRAIN["url"]
    assert json.dumps(dict(drain.raw)) == json.dumps(HEROKU_DRAIN)  # as sent, in its order
    assert "pw-SECRET" not in repr(drain) and "user:***@" in repr(drain)


def test_log_drain_missing_fields():
    drain = LogDrain.from_json({"url": "https://x.example", "addon": None, "token": ""})
    assert (drain.id, drain.url, drain.token, drain.addon, drain.app) == (
        None,
        "https://x.example",
        None,
        None,
        None,
    )
    assert LogDrain.from_json({"addon": {}}).addon is None
    assert LogDrain.from_json({}).url == ""


def test_drain_lists_skip_what_is_not_a_drain():
    drains = LogDrain.list_from_json([HEROKU_DRAIN, "junk", None, {"url": "http://h/x"}])
    assert [d.url for d in drains] == [HEROKU_DRAIN["url"], "http://h/x"]
    with pytest.raises(ServerError, match="not a list of drains"):
        LogDrain.list_from_json({"url": "http://h/x"})


def test_drains_compare_by_their_fields_not_by_the_raw_object():
    one = LogDrain.from_json(dict(HEROKU_DRAIN))
    again = LogDrain.from_json({**HEROKU_DRAIN, "extra": "changed"})
    assert one == again


def test_log_page():
    lines = [{"id": 7, "timestamp": "t", "source": "app", "dyno": "web.1", "message": "m"}]
    page = LogPage.from_json(
        {"lines": lines, "first_id": 7, "last_id": 7, "head_id": "9", "total": 12}
    )
    assert (page.lines, page.first_id, page.last_id, page.head_id, page.total) == (
        lines,
        7,
        7,
        9,
        12,
    )
    empty = LogPage.from_json({"lines": [], "first_id": None, "last_id": None, "head_id": 9})
    assert (empty.lines, empty.first_id, empty.total) == ([], None, None)


@pytest.mark.parametrize(
    "answer", [None, [], {"lines": "x"}, {"lines": [], "first_id": "abc"}, {"lines": {}}]
)
def test_a_malformed_page_is_a_server_error(answer):
    with pytest.raises(ServerError, match="not a page of lines"):
        LogPage.from_json(answer)
