"""`logplex_url` never points where an arbitrary `Host` header says.

It used to be built from the request's Host, so any client could make the router hand out a
URL of its choosing. It comes from `--public-url`, else from a trusted proxy's forwarded
headers, else from the address the client actually connected to.
"""

from __future__ import annotations

import pytest

from kit.routerkit import post_batch, rec


def logplex_url(api, **headers) -> str:
    resp = api.post("/apps/myapp/log-sessions", json={}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["logplex_url"]


@pytest.fixture
def seeded(router):
    assert post_batch(router, "myapp", [rec("seed")]).status_code == 204


def test_a_host_header_alone_is_not_believed(router, api, seeded):
    url = logplex_url(api, Host="evil.example")
    assert url.startswith(f"{router.base_url}/log-sessions/")


def test_a_trusted_proxys_forwarded_scheme_and_host_are(router, api, seeded):
    # Loopback is a trusted proxy by default (FORWARDED_ALLOW_IPS unset).
    url = logplex_url(api, Host="logs.example.com", **{"X-Forwarded-Proto": "https"})
    assert url.startswith("https://logs.example.com/log-sessions/")
    url = logplex_url(api, **{"X-Forwarded-Host": "logs.example.com:8443"})
    assert url.startswith("http://logs.example.com:8443/log-sessions/")


@pytest.mark.parametrize("host", ["evil.example/x", "a b", "evil.example@x", "[::1", "x:y:z"])
def test_malformed_forwarded_hosts_are_ignored(router, api, seeded, host):
    url = logplex_url(api, **{"X-Forwarded-Host": host, "X-Forwarded-Proto": "https"})
    assert url.startswith(f"{router.base_url}/log-sessions/")  # the connection's own


def test_an_untrusted_peers_forwarded_headers_are_ignored(make_router, api_for):
    router = make_router(forwarded_allow_ips="10.9.9.9")
    assert post_batch(router, "myapp", [rec("seed")]).status_code == 204
    with api_for(router) as api:
        headers = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
        url = logplex_url(api, Host="evil.example", **headers)
    assert url.startswith(f"{router.base_url}/log-sessions/")


def test_the_public_url_wins(make_router, api_for):
    router = make_router(public_url="https://logs.example.com/")
    assert post_batch(router, "myapp", [rec("seed")]).status_code == 204
    with api_for(router) as api:
        url = logplex_url(api, **{"X-Forwarded-Host": "other.example"})
    assert url.startswith("https://logs.example.com/log-sessions/")
