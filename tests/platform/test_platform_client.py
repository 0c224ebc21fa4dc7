"""PlatformClient against the real router on loopback: apps, sessions, drains, errors, masking."""

from __future__ import annotations

import gc
import socket

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tuilogs import __version__
from tuilogs.core.drain_urls import mask_url, validate_drain_url
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.errors import (
    AppNotFound,
    Forbidden,
    InvalidRequest,
    NetworkError,
    NotFound,
    PlatformError,
    RateLimited,
    ServerError,
    Unauthorized,
    Unsupported,
)
from tuilogs.platform.models import LogDrain, LogPage

from kit.routerkit import post_batch, rec


def seed(router, app="myapp", n=5):
    records = [rec(f"m{i}", dyno=["web.1", "worker.1"][i % 2]) for i in range(n)]
    assert post_batch(router, app, records).status_code == 204
    return records


def test_apps_and_app(router, pclient):
    seed(router)
    apps = pclient.apps()
    assert [a["name"] for a in apps] == ["myapp"]
    assert pclient.app("myapp")["name"] == "myapp"


def test_headers_sent(serve_asgi):
    seen = {}

    async def apps(request: Request):
        seen.update(request.headers)
        return JSONResponse([])

    served = serve_asgi(Starlette(routes=[Route("/apps", apps)]))
    with PlatformClient(served.base_url, "tok-SECRET") as c:
        assert c.apps() == []
    assert seen["accept"] == "application/vnd.heroku+json; version=3"
    assert seen["authorization"] == "Bearer tok-SECRET"
    assert seen["user-agent"] == f"tuilogs/{__version__} httpx/{httpx.__version__}"
    assert "tok-SECRET" not in repr(c)


def test_unknown_app_is_not_found(pclient):
    with pytest.raises(AppNotFound) as e:
        pclient.app("nope")
    assert (e.value.status, e.value.app) == (404, "nope")
    assert "no app named nope" in e.value.message
    assert e.value.final


def test_wrong_token_is_unauthorized_with_fix(router):
    with PlatformClient(router.base_url, "wrong-SECRET") as c, pytest.raises(Unauthorized) as e:
        c.apps()
    assert e.value.status == 401 and e.value.final
    assert "heroku login" in e.value.message and "tuilogs token" in e.value.message
    assert "wrong-SECRET" not in str(e.value) and router.token not in str(e.value)


def test_connection_refused_names_the_host():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with (
        PlatformClient(f"http://127.0.0.1:{port}", "t-SECRET", timeout=5) as c,
        pytest.raises(NetworkError) as e,
    ):
        c.apps()
    assert e.value.status is None and not e.value.final
    assert f"127.0.0.1:{port}" in e.value.message
    assert "t-SECRET" not in e.value.message


def test_dns_failure_names_the_host():
    with (
        PlatformClient("https://no-such-host.invalid", "t", timeout=5) as c,
        pytest.raises(NetworkError) as e,
    ):
        c.apps()
    assert "no-such-host.invalid" in e.value.message


def test_log_session_sse_and_plain(router, pclient):
    records = seed(router)
    with pclient.stream(pclient.create_log_session("myapp", lines=3).logplex_url) as s:
        got = [line for batch in s for line in batch]
        assert s.sse and s.last_id == "5"
    assert got == [r.line() for r in records[-3:]]
    # A plain-text reader (no SSE): ask the router without the event-stream Accept header.
    url = pclient.create_log_session("myapp", lines=2, dyno="web").logplex_url
    text = httpx.get(url).text
    assert text.splitlines() == [r.line() for r in records if r.dyno == "web.1"][-2:]


def test_session_is_single_use(router, pclient):
    seed(router)
    session = pclient.create_log_session("myapp", lines=1)
    assert session.id and session.created_at and session.logplex_url not in repr(session)
    url = session.logplex_url
    with pclient.stream(url) as s:
        list(s)
    with pytest.raises(NotFound) as e, pclient.stream(url):
        pass
    assert "expired" in e.value.message
    assert url.rsplit("/", 1)[1] not in e.value.message  # the session secret stays out


def test_heroku_clamps_lines():
    c = PlatformClient("https://api.heroku.com", "t")
    assert c.kind == "heroku"
    assert (c.clamp_lines(0), c.clamp_lines(100), c.clamp_lines(5000)) == (1, 100, 1500)
    with pytest.raises(Unsupported):
        c.log_lines("myapp")
    with pytest.raises(Unsupported):
        c.create_log_session("myapp", after=5)
    local = PlatformClient("http://127.0.0.1:1", "t")
    assert local.kind == "local" and local.clamp_lines(5000) == 5000


def test_session_filters_and_422(router, pclient):
    seed(router)
    with pytest.raises(InvalidRequest) as e:
        pclient.request("POST", "/apps/myapp/log-sessions", json={"lines": "many"})
    assert e.value.status == 422
    assert "lines must be an integer" in e.value.message


def test_drains_crud(router, pclient):
    seed(router)
    url = "https://user:drain-SECRET@drains.example.test:8443/logs"
    drain = pclient.add_log_drain("myapp", url)
    assert isinstance(drain, LogDrain)
    assert drain.url == url and drain.token.startswith("d.")
    assert (drain.app, drain.addon) == ("myapp", None) and drain.created_at
    assert "drain-SECRET" not in repr(drain)
    assert [d.id for d in pclient.log_drains("myapp")] == [drain.id]
    assert pclient.log_drain("myapp", drain.token).id == drain.id
    # Same URL again: the API's own 422 message comes through.
    with pytest.raises(InvalidRequest) as e:
        pclient.add_log_drain("myapp", url)
    assert e.value.status == 422
    assert e.value.message == "Url has already been taken."
    # Remove by URL (url-encoded in the path), by token, by id.
    assert pclient.remove_log_drain("myapp", url).id == drain.id
    d2 = pclient.add_log_drain("myapp", "syslog+tls://logs.example.test:6514")
    d3 = pclient.add_log_drain("myapp", "http://logs.example.test/x")
    assert pclient.remove_log_drain("myapp", d2.token).id == d2.id
    assert pclient.remove_log_drain("myapp", d3.id).id == d3.id
    assert pclient.log_drains("myapp") == []
    with pytest.raises(NotFound) as e:
        pclient.remove_log_drain("myapp", url)
    assert not isinstance(e.value, AppNotFound)
    assert e.value.message == "no such log drain on myapp"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://logs.example.test", "must use https://, http://, syslog:// or syslog+tls://"),
        ("https://", "has no host"),
        ("syslog://logs.example.test", "needs a port"),
        ("https://u:p w@host/x", "whitespace"),
        ("", "non-empty"),
    ],
)
def test_drain_url_validated_before_sending(pclient, url, why):
    assert why in (validate_drain_url(url) or "")
    before = pclient.log_drains("myapp")
    with pytest.raises(InvalidRequest) as e:
        pclient.add_log_drain("myapp", url)
    assert e.value.status is None
    assert why in e.value.message
    assert pclient.log_drains("myapp") == before


def test_invalid_drain_message_masks_password():
    msg = validate_drain_url("syslog://user:pw-SECRET@host.example")
    assert msg is not None and "pw-SECRET" not in msg and "***" in msg


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://user:pass@host.example:8443/p?q=1", "https://user:***@host.example:8443/p?q=1"),
        ("https://token-only@host.example/d", "https://***@host.example/d"),
        ("syslog+tls://h.example:6514", "syslog+tls://h.example:6514"),
        ("https://u:p@[::1]:5170/drains/a", "https://u:***@[::1]:5170/drains/a"),
        ("http://[::1", "<invalid url>"),
    ],
)
def test_mask_url(url, masked):
    assert mask_url(url) == masked


def test_log_lines_pages(router, pclient):
    records = seed(router, n=30)
    page = pclient.log_lines("myapp", limit=10)
    assert isinstance(page, LogPage)
    assert [x["message"] for x in page.lines] == [r.message for r in records[-10:]]
    assert (page.first_id, page.last_id, page.head_id, page.total) == (21, 30, 30, None)
    older = pclient.log_lines("myapp", limit=10, before=page.first_id, total=True)
    assert [x["message"] for x in older.lines] == [r.message for r in records[-20:-10]]
    assert older.total == 30
    web = pclient.log_lines("myapp", limit=100, dyno="web", q="m1")
    assert {x["dyno"] for x in web.lines} == {"web.1"}
    empty = pclient.log_lines("myapp", before=1)
    assert (empty.lines, empty.first_id, empty.last_id, empty.head_id) == ([], None, None, 30)


def test_answers_are_freed_at_once_not_at_the_next_full_collection(router, pclient):
    # History pages are ~1 MB each: were answers left to the cyclic collector, paging a
    # million lines would hold on to a hundred of them.
    post_batch(router, "myapp", [rec(f"line {i}") for i in range(50)])
    gc.collect()
    gc.disable()
    try:
        for _ in range(5):
            assert len(pclient.log_lines("myapp", limit=50).lines) == 50
        with pytest.raises(AppNotFound):
            pclient.log_lines("nosuchapp")
        alive = [o for o in gc.get_objects() if isinstance(o, httpx.Response)]
    finally:
        gc.enable()
    assert alive == []


def test_log_lines_unsupported_when_route_missing(serve_asgi):
    async def missing(request: Request):
        return JSONResponse(
            {"id": "not_found", "message": "The requested API endpoint was not found."},
            status_code=404,
        )

    served = serve_asgi(Starlette(routes=[Route("/apps/{app}/log-lines", missing)]))
    with PlatformClient(served.base_url, "t") as c, pytest.raises(Unsupported) as e:
        c.log_lines("myapp")
    assert e.value.message == f"127.0.0.1:{served.port} has no history paging"


def test_rate_limited_and_server_errors(serve_asgi):
    async def limited(request: Request):
        return JSONResponse(
            {"id": "rate_limit", "message": "Too many."},
            status_code=429,
            headers={"Retry-After": "7", "RateLimit-Remaining": "0"},
        )

    async def broken(request: Request):
        return JSONResponse({"id": "internal", "message": "boom"}, status_code=500)

    async def forbidden(request: Request):
        return JSONResponse(
            {"id": "forbidden", "message": "You do not have access."}, status_code=403
        )

    served = serve_asgi(
        Starlette(
            routes=[
                Route("/apps", limited),
                Route("/apps/b", broken),
                Route("/apps/f", forbidden),
            ]
        )
    )
    with PlatformClient(served.base_url, "t") as c:
        with pytest.raises(RateLimited) as e:
            c.apps()
        assert (e.value.retry_after, e.value.rate_limit_remaining) == (7.0, 0)
        assert "retry in 7 s" in e.value.message and not e.value.final
        with pytest.raises(ServerError) as e:
            c.app("b")
        assert e.value.status == 500 and "boom" in e.value.message
        with pytest.raises(Forbidden) as e:
            c.app("f")
        assert "You do not have access." in e.value.message


def test_server_messages_never_echo_secrets(serve_asgi):
    async def echo(request: Request):
        auth = request.headers.get("authorization", "")
        body = await request.json()
        return JSONResponse(
            {"id": "invalid_params", "message": f"Bad {body['url']} for {auth}"}, status_code=422
        )

    served = serve_asgi(Starlette(routes=[Route("/apps/a/log-drains", echo, methods=["POST"])]))
    with PlatformClient(served.base_url, "tok-SECRET") as c, pytest.raises(PlatformError) as e:
        c.add_log_drain("a", "https://user:pw-SECRET@drain.example/x")
    assert "SECRET" not in str(e.value) and "SECRET" not in repr(e.value)
    assert "https://***@drain.example/x" in e.value.message


def test_mask_text():
    from tuilogs.core.drain_urls import mask_text

    text = "see syslog+tls://tok:en@h.example:6514 and https://a@b.example/ ok http://c.example/"
    assert mask_text(text) == (
        "see syslog+tls://***@h.example:6514 and https://***@b.example/ ok http://c.example/"
    )
    assert mask_text("Bearer abc123456", "abc123456") == "Bearer ***"
