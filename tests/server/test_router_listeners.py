"""The router's other listeners: HTTPS drain endpoint, syslog over TCP and TLS into the store."""

from __future__ import annotations

import socket
import ssl
import time

import httpx
import pytest
import trustme

from tuilogs.core.frames import format_frame

from kit.routerkit import frames_body, rec


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def cert_files(ca, tmp_path):
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(cert_path)
    for pem in cert.cert_chain_pems[1:]:
        pem.write_to_path(cert_path, append=True)
    cert.private_key_pem.write_to_path(key_path)
    return str(cert_path), str(key_path)


def wait_count(router, app, n, timeout=5.0):
    deadline = time.monotonic() + timeout
    while router.store.count(app) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return router.store.count(app)


def test_https_drain_endpoint(make_router, ca, cert_files, tmp_path):
    cert, key = cert_files
    r = make_router(https=True, tls_cert=cert, tls_key=key)
    assert r.base_url.startswith("https://")
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(ca_file)
    resp = httpx.post(
        f"{r.base_url}/drains/secure",
        content=frames_body([rec("over tls")]),
        headers={"Content-Type": "application/logplex-1", "Logplex-Msg-Count": "1"},
        auth=("u", r.token),
        verify=ssl.create_default_context(cafile=str(ca_file)),
    )
    assert resp.status_code == 204
    assert r.store.since("secure", 0)[0].message == "over tls"


def test_syslog_tcp_into_store_and_tail(make_router):
    r = make_router(syslog_port=0)
    (port,) = r.syslog_ports
    token = "d.11111111-2222-3333-4444-555555555555"
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(format_frame(rec("via syslog"), hostname=token, sd=True))
    assert wait_count(r, "syslog", 1) == 1  # a drain token is no app name: the default app
    assert r.store.since("syslog", 0)[0].line().endswith("app[web.1]: via syslog")


def test_syslog_tls(make_router, ca, cert_files):
    cert, key = cert_files
    r = make_router(syslog_tls_port=0, tls_cert=cert, tls_key=key)
    (port,) = r.syslog_ports
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        ctx.wrap_socket(raw, server_hostname="localhost") as s,
    ):
        s.sendall(format_frame(rec("tls syslog"), hostname="myapp", sd=True))
    assert wait_count(r, "myapp", 1) == 1
    assert r.store.since("myapp", 0)[0].message == "tls syslog"
