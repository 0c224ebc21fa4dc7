"""The hostile-input suite: each file replays one class of attack on the router (issue 8)
against a real router on loopback, with real sockets, and checks it stays fixed.

`api`: an httpx client of the `router` fixture's Platform API; `drain_auth`: the Basic auth
header of its drain endpoint; `no_tracebacks`: fails the test if the router logged one.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from tuilogs.core import locations as paths

from kit.routerkit import api_headers


@pytest.fixture
def api(router) -> httpx.Client:
    with httpx.Client(base_url=router.base_url, headers=api_headers(router), timeout=30) as c:
        yield c


@pytest.fixture
def drain_auth(router) -> tuple[str, str]:
    secret = base64.b64encode(f"logplex:{router.token}".encode()).decode()
    return ("Authorization", f"Basic {secret}")


@pytest.fixture
def no_tracebacks(tuilogs_home):
    """After the test: the router's log holds no traceback and no 'internal error' (whichever
    router the test started: one data directory holds one router's store)."""
    yield
    log = paths.log_path()
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    assert "Traceback" not in text and "internal error" not in text, text[-3000:]


@pytest.fixture(scope="module")
def ca():
    import trustme

    return trustme.CA()


@pytest.fixture
def tls_files(ca, tmp_path) -> dict[str, str]:
    """`tls_cert`/`tls_key` settings for a certificate of 127.0.0.1 and localhost."""
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(cert_path)
    cert.private_key_pem.write_to_path(key_path)
    return {"tls_cert": str(cert_path), "tls_key": str(key_path)}


@pytest.fixture
def client_tls(ca):
    import ssl

    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


@pytest.fixture
def api_for():
    """`api_for(router)`: an httpx client of that router's Platform API (a context manager)."""

    def make(router) -> httpx.Client:
        return httpx.Client(base_url=router.base_url, headers=api_headers(router), timeout=30)

    return make
