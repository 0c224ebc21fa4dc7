"""Backend resolution: --api, HEROKU_HOST forms, HEROKU_API_KEY, ~/.netrc, the local router."""

from __future__ import annotations

import json
import os

import pytest

from tuilogs.core import locations
from tuilogs.platform.credentials import heroku_host_url, resolve_backend

KEY = "heroku-key-0123456789-SECRET"


@pytest.fixture
def netrc_file(tmp_path):
    path = tmp_path / "netrc"
    path.write_text(
        "machine api.heroku.com\n  login me@example.com\n  password netrc-SECRET-token\n"
        "machine api.example.org login x password example-SECRET\n"
    )
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def no_netrc(tmp_path):
    return tmp_path / "missing-netrc"


def test_heroku_api_key(tuilogs_home, no_netrc):
    b = resolve_backend("myapp", env={"HEROKU_API_KEY": KEY}, netrc_path=no_netrc)
    assert (b.kind, b.base_url, b.token) == ("heroku", "https://api.heroku.com", KEY)
    assert b.reason == "HEROKU_API_KEY is set → https://api.heroku.com"
    assert KEY not in repr(b)


def test_netrc(tuilogs_home, netrc_file):
    b = resolve_backend("myapp", env={}, netrc_path=netrc_file)
    assert (b.kind, b.base_url, b.token) == (
        "heroku",
        "https://api.heroku.com",
        "netrc-SECRET-token",
    )
    assert "netrc" in b.reason
    assert "SECRET" not in repr(b) and "SECRET" not in b.reason


def test_api_key_wins_over_netrc(tuilogs_home, netrc_file):
    b = resolve_backend("myapp", env={"HEROKU_API_KEY": KEY}, netrc_path=netrc_file)
    assert b.token == KEY


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("example.org", "https://api.example.org"),
        ("api.example.org", "https://api.example.org"),
        ("https://api.example.org:8443", "https://api.example.org:8443"),
        ("http://10.1.2.3:5170/", "http://10.1.2.3:5170"),
    ],
)
def test_heroku_host_forms(value, url):
    assert heroku_host_url(value) == url


def test_heroku_host_with_key(tuilogs_home, no_netrc):
    b = resolve_backend(
        None, env={"HEROKU_HOST": "example.org", "HEROKU_API_KEY": KEY}, netrc_path=no_netrc
    )
    assert (b.kind, b.base_url, b.token) == ("heroku", "https://api.example.org", KEY)
    assert b.reason.startswith("HEROKU_HOST=example.org → https://api.example.org")


def test_heroku_host_token_from_netrc_of_that_host(tuilogs_home, netrc_file):
    b = resolve_backend(None, env={"HEROKU_HOST": "example.org"}, netrc_path=netrc_file)
    assert b.token == "example-SECRET"


def test_heroku_host_wins_over_key_alone(tuilogs_home, no_netrc):
    b = resolve_backend(
        None, env={"HEROKU_HOST": "https://h.example", "HEROKU_API_KEY": KEY}, netrc_path=no_netrc
    )
    assert b.base_url == "https://h.example"


def test_explicit_api_wins(tuilogs_home, netrc_file):
    env = {"HEROKU_HOST": "example.org", "HEROKU_API_KEY": KEY}
    b = resolve_backend(None, api="https://api.other.test/", env=env, netrc_path=netrc_file)
    assert (b.kind, b.base_url, b.token) == ("heroku", "https://api.other.test", KEY)
    assert b.reason.startswith("--api → https://api.other.test")


def test_no_credentials_no_router(tuilogs_home, no_netrc):
    b = resolve_backend("myapp", env={}, netrc_path=no_netrc)
    assert (b.kind, b.base_url) == ("local", None)
    assert "no router running: start one (`tuilogs serve`) or let tuilogs start one" in b.reason


def test_local_router_discovered(make_router, no_netrc):
    router = make_router(write_discovery_file=True)
    b = resolve_backend("myapp", env={}, netrc_path=no_netrc)
    assert (b.kind, b.base_url, b.token) == ("local", router.base_url, router.token)
    assert b.reason == f"no Heroku credentials → local router at {router.base_url} (tuilogs serve)"
    assert router.token not in repr(b)
    assert b.client().apps() == []


def test_stale_discovery_file_is_ignored(tuilogs_home, no_netrc):
    locations.discovery_path().write_text(json.dumps({"pid": 2**22 + 12345, "port": 5170}))
    assert locations.discover() is None
    assert resolve_backend(None, env={}, netrc_path=no_netrc).base_url is None


def test_api_pointing_at_local_router_uses_its_token(make_router, no_netrc):
    router = make_router(write_discovery_file=True)
    b = resolve_backend(None, api=router.base_url, env={"HEROKU_API_KEY": KEY}, netrc_path=no_netrc)
    assert (b.kind, b.token) == ("local", router.token)
    assert b.client().apps() == []


def test_heroku_host_pointing_at_router(make_router, no_netrc):
    router = make_router()
    b = resolve_backend(None, env={"HEROKU_HOST": router.base_url}, netrc_path=no_netrc)
    assert (b.kind, b.token) == ("local", router.token)


SHARED = "team-token-SECRET"


@pytest.mark.parametrize("api", ["https://my-logs.herokuapp.com", "http://127.0.0.1:5170"])
def test_tuilogs_token_is_a_team_routers_token(tuilogs_home, netrc_file, api):
    """With TUILOGS_TOKEN, a URL outside *.heroku.com is a tuilogs router (used as the local
    one is: stored history, resume by id), and the Heroku key is never sent to it."""
    env = {"TUILOGS_TOKEN": f" {SHARED} ", "HEROKU_API_KEY": KEY}
    b = resolve_backend("myapp", api=api, env=env, netrc_path=netrc_file)
    assert (b.kind, b.base_url, b.token) == ("local", api, SHARED)
    assert b.reason == f"--api → tuilogs router at {api} (token from TUILOGS_TOKEN)"
    from_host = resolve_backend("myapp", env={**env, "HEROKU_HOST": api}, netrc_path=netrc_file)
    assert (from_host.kind, from_host.token) == ("local", SHARED)


def test_tuilogs_token_is_not_sent_to_heroku(tuilogs_home, no_netrc):
    env = {"TUILOGS_TOKEN": SHARED, "HEROKU_API_KEY": KEY}
    b = resolve_backend("myapp", api="https://api.heroku.com", env=env, netrc_path=no_netrc)
    assert (b.kind, b.token) == ("heroku", KEY)
    assert resolve_backend("myapp", env=env, netrc_path=no_netrc).token == KEY
