"""The router's token: made once, kept private, required by every Platform API route."""

from __future__ import annotations

import os
import stat

import httpx
import pytest

from tuilogs.core import locations as paths
from tuilogs.server.auth import load_or_create_token

from kit.routerkit import post_batch, rec

API_ROUTES = [
    ("GET", "/apps"),
    ("GET", "/apps/myapp"),
    ("POST", "/apps/myapp/log-sessions"),
    ("GET", "/apps/myapp/log-drains"),
    ("POST", "/apps/myapp/log-drains"),
    ("GET", "/apps/myapp/log-drains/x"),
    ("DELETE", "/apps/myapp/log-drains/x"),
    ("GET", "/apps/myapp/log-lines"),
    ("GET", "/apps/myapp/log-stats"),
    ("GET", "/apps/myapp/log-summary"),
]


def test_token_file_is_private_and_stable(tuilogs_home):
    token = load_or_create_token()
    path = paths.token_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_token() == token
    assert len(token) >= 40


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic Og==", "Token abc"])
def test_every_api_request_needs_the_token(router, method, path, auth):
    headers = {"Authorization": auth} if auth else {}
    resp = httpx.request(method, router.base_url + path, headers=headers, json={})
    assert resp.status_code == 401
    assert resp.json()["id"] == "unauthorized"


def test_basic_auth_with_token_as_password_works(router):
    post_batch(router, "myapp", [rec("a")])
    assert httpx.get(router.base_url + "/apps", auth=("", router.token)).status_code == 200
