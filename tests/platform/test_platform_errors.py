"""Typed Platform errors: every answer and transport failure becomes the right class, with a
message a person can act on and no secret in it. (End to end against real servers:
test_platform_client.py and test_platform_stream.py.)"""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from tuilogs.platform.errors import (
    FIX_401,
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
    error_from_response,
    host_of,
    network_error,
    retry_after_seconds,
)

URL = "https://api.example.test:8443/apps/myapp/log-sessions"
TOKEN = "tok-0123456789-SECRET"


def answer(status: int, body: object = None, **headers: str) -> httpx.Response:
    """A real httpx answer to a request on URL (what the client classifies)."""
    kwargs = {"json": body} if body is not None else {}
    return httpx.Response(status, headers=headers, request=httpx.Request("POST", URL), **kwargs)


@pytest.mark.parametrize(
    ("kind", "final"),
    [
        (Unauthorized, True),
        (Forbidden, True),
        (NotFound, True),
        (InvalidRequest, True),
        (Unsupported, True),
        (RateLimited, False),
        (ServerError, False),
        (NetworkError, False),
    ],
)
def test_final_says_whether_retrying_can_help(kind, final):
    error = kind("why", status=None)
    assert isinstance(error, PlatformError) and error.final is final
    assert str(error) == error.message == "why"


def test_app_not_found_is_a_not_found_naming_the_app():
    error = error_from_response(answer(404, {"id": "not_found", "resource": "app"}), "myapp")
    assert isinstance(error, AppNotFound) and isinstance(error, NotFound) and error.final
    assert (error.app, error.status) == ("myapp", 404)
    assert error.message == "no app named myapp on api.example.test:8443"
    assert repr(error) == "AppNotFound(404, 'no app named myapp on api.example.test:8443')"
    # Heroku's own wording, without a `resource` field, means the same.
    said = answer(404, {"id": "not_found", "message": "Couldn't find that app."})
    assert isinstance(error_from_response(said, "myapp"), AppNotFound)


def test_other_404s_are_not_found_with_what_the_server_said():
    error = error_from_response(answer(404, {"id": "not_found", "message": "No route."}), "myapp")
    assert type(error) is NotFound
    assert error.message == "api.example.test:8443: not found: No route."
    bare = error_from_response(answer(404))  # no JSON: the reason phrase
    assert bare.message == "api.example.test:8443: not found: Not Found"


def test_401_says_how_to_fix_it():
    error = error_from_response(answer(401, {"id": "unauthorized", "message": TOKEN}), token=TOKEN)
    assert isinstance(error, Unauthorized) and error.status == 401
    assert error.message == f"api.example.test:8443: {FIX_401}"


def test_403_and_422_quote_the_server_with_secrets_masked():
    said = f"Bad https://user:pw-SECRET@drain.example/x for Bearer {TOKEN}"
    error = error_from_response(answer(422, {"message": said}), token=TOKEN)
    assert isinstance(error, InvalidRequest)
    assert error.message == "Bad https://***@drain.example/x for Bearer ***"
    denied = error_from_response(answer(403, {"message": "You do not have access."}))
    assert isinstance(denied, Forbidden)
    assert denied.message == "api.example.test:8443: forbidden: You do not have access."


def test_429_and_503_say_when_to_come_back():
    limited = error_from_response(
        answer(429, {}, **{"Retry-After": "7", "RateLimit-Remaining": "0"})
    )
    assert isinstance(limited, RateLimited) and not limited.final
    assert (limited.retry_after, limited.rate_limit_remaining) == (7.0, 0)
    assert (
        limited.message
        == "api.example.test:8443: rate limited; retry in 7 s (RateLimit-Remaining: 0)"
    )
    busy = error_from_response(answer(503, {"message": "disk full"}, **{"Retry-After": "2.5"}))
    assert isinstance(busy, ServerError) and busy.retry_after == 2.5
    assert busy.message == "api.example.test:8443: unavailable (disk full); retry in 3 s"


def test_5xx_and_odd_statuses():
    boom = error_from_response(answer(500, {"message": "boom"}))
    assert isinstance(boom, ServerError) and boom.status == 500
    assert boom.message == "api.example.test:8443: server error 500: boom"
    conflict = error_from_response(answer(409))
    assert isinstance(conflict, InvalidRequest)
    assert conflict.message == "api.example.test:8443: HTTP 409: Conflict"


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after_seconds("7") == 7.0 and retry_after_seconds(" 1.5 ") == 1.5
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    later = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= retry_after_seconds(later) <= 60
    assert retry_after_seconds(email.utils.formatdate(0, usegmt=True)) == 0.0


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"),
         "cannot connect to api.example.test:8443: connection refused"),
        (httpx.ConnectError("[Errno -2] Name or service not known"),
         "cannot resolve api.example.test (DNS lookup failed)"),
        (httpx.ConnectError("unreachable"), "cannot connect to api.example.test:8443"),
        (httpx.ReadTimeout("timed out"), "api.example.test:8443 stopped sending within 5 s (timeout)"),
        (httpx.RemoteProtocolError("peer closed"),
         "connection to api.example.test:8443 failed (RemoteProtocolError)"),
    ],
)  # fmt: skip
def test_network_errors_name_the_host_only(exc, message):
    error = network_error(exc, "https://user:pw-SECRET@api.example.test:8443/s/secret", 5)
    assert isinstance(error, NetworkError) and error.status is None
    assert error.message == message


def test_host_of_never_shows_userinfo_or_path():
    assert host_of("https://user:pw@h.example:5170/log-sessions/secret") == "h.example:5170"
    assert host_of("https://h.example/x") == "h.example"
    assert host_of("http://[::1") == "?"
