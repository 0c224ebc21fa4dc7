"""Drains cannot make the router connect where it must not (server-side request forgery).

A token holder could add a drain to `169.254.169.254` or `metadata.google.internal`, and use
the router's L13 notices to learn which ports are open on its network. Link-local and cloud
metadata targets are refused always, private ones when the router faces a network (unless
allowed), both when the drain is added and at every connect; notices say "could not
deliver" whatever the reason.
"""

from __future__ import annotations

import asyncio
import socket
import ssl

import pytest

from tuilogs.server.drain_targets import TargetPolicy
from tuilogs.server.settings import Settings

from kit.forwarding import forwarding, recs
from kit.receivers import HttpReceiver

FAST = dict(timeout=1.0)  # with kit.forwarding's fast backoff

ALWAYS_REFUSED = [
    "http://169.254.169.254/latest/meta-data/",
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://2852039166/",
    "http://169.254.170.2/v2/credentials",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.google.internal./computeMetadata/v1/",
    "http://metadata/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://100.100.100.200/latest/meta-data/",
    "http://224.0.0.1/",
    "syslog://169.254.169.254:514",
    "syslog+tls://metadata.google.internal:6514",
]
PRIVATE = [
    "http://127.0.0.1:6379/",
    "http://localhost:8080/",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://[::1]:9200/",
    "http://[fc00::1]/",
    "syslog://127.0.0.1:6379",
]


@pytest.mark.parametrize("url", ALWAYS_REFUSED)
def test_metadata_and_link_local_are_refused_even_on_a_laptop(router, api, url):
    resp = api.post("/apps/myapp/log-drains", json={"url": url})
    assert resp.status_code == 422, resp.text
    assert "cannot be used as a drain" in resp.json()["message"]


@pytest.fixture
def facing_network(make_router, api_for):
    """A router that refuses private drains (as one listening beyond loopback does)."""
    router = make_router(allow_private_drains=False)
    with api_for(router) as api:
        yield api


@pytest.mark.parametrize("url", PRIVATE)
def test_private_targets_are_refused_when_facing_a_network(facing_network, url):
    resp = facing_network.post("/apps/myapp/log-drains", json={"url": url})
    assert resp.status_code == 422, resp.text
    assert "--allow-private-drains" in resp.json()["message"]


@pytest.mark.parametrize("url", ["http://8.8.8.8/logs", "https://logs.example.invalid/x"])
def test_public_and_not_yet_resolvable_targets_are_accepted(facing_network, url):
    assert facing_network.post("/apps/myapp/log-drains", json={"url": url}).status_code == 201


def test_private_targets_are_allowed_by_default_only_on_loopback():
    def allowed(**kw) -> bool:
        return TargetPolicy.from_settings(Settings(token="t", **kw)).allow_private

    assert allowed(host="127.0.0.1") and allowed(host="::1") and allowed(host="localhost")
    assert not allowed(host="0.0.0.0") and not allowed(host="::")
    assert not allowed(host="127.0.0.1", syslog_host="0.0.0.0")
    assert allowed(host="0.0.0.0", allow_private_drains=True)
    assert not allowed(host="127.0.0.1", allow_private_drains=False)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.1"])
async def test_connect_time_check_refuses_what_the_add_time_check_would(tmp_path, host):
    """A drain stored while its name resolved elsewhere (DNS changed since): the forwarder
    resolves, checks and refuses before connecting."""
    policy = TargetPolicy(allow_private=False, http_port=0, syslog_ports=frozenset())
    async with forwarding(tmp_path, targets=policy, **FAST) as f, HttpReceiver() as rx:
        url = rx.url().replace("127.0.0.1", host)
        await f.add_drain(url)
        await f.commit("myapp", recs(3))
        (message, *_) = await f.reports.wait()
        await f.manager.aclose(timeout=0)
        assert rx.requests == []
    assert "is not an allowed drain target" in message


async def test_the_forwarder_connects_to_the_checked_address_with_the_name_as_host(tmp_path):
    async with forwarding(tmp_path, **FAST) as f, HttpReceiver() as rx:
        url = rx.url("/in?x=1").replace("127.0.0.1", "localhost")
        await f.add_drain(url)
        await f.commit("myapp", recs(2))
        (req,) = await rx.wait_accepted(1)
        await f.manager.aclose(timeout=0)
        assert f.reports == []
    assert req.headers["host"] == f"localhost:{rx.port}" and req.path == "/in?x=1"
    assert [fr.record() for fr in req.frames] == recs(2)


async def test_delivery_notices_do_not_say_which_ports_are_open(tmp_path):
    """A closed port, and one that accepts and hangs up: the same words in the app's log."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]

    async def hang_up(reader, writer):
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    rude = server.sockets[0].getsockname()[1]
    urls = [
        f"http://127.0.0.1:{closed}/x",
        f"http://127.0.0.1:{rude}/x",
        f"syslog://127.0.0.1:{closed}",
    ]
    try:
        async with forwarding(tmp_path, **FAST) as f:
            for url in urls:
                await f.add_drain(url)
            await f.commit("myapp", recs(1))
            messages = await f.reports.wait(9)
    finally:
        server.close()
    said = {tuple(m.split(": ", 1)[1].split(" ", 1)) for m in messages}
    assert {url for url, _ in said} == set(urls)
    assert {problem for _, problem in said} == {"could not deliver; retrying"}, messages


@pytest.mark.parametrize(
    ("names", "delivered"), [(["localhost"], True), (["other.example"], False)]
)
async def test_tls_is_verified_against_the_name_not_the_checked_address(
    tmp_path, ca, names, delivered
):
    """Connecting to the checked address must not weaken TLS: the certificate must name the
    drain's host (here it does not name 127.0.0.1 at all)."""
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(server_ctx)

    def client_ctx() -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        ca.configure_trust(ctx)
        return ctx

    async with (
        forwarding(tmp_path, ssl_context_factory=client_ctx, **FAST) as f,
        HttpReceiver(ssl_context=server_ctx) as rx,
    ):
        url = rx.url().replace("127.0.0.1", "localhost")
        await f.add_drain(url)
        await f.commit("myapp", recs(1))
        if delivered:
            (req,) = await rx.wait_accepted(1)
            assert req.headers["host"] == f"localhost:{rx.port}"
        else:
            (message, *_) = await f.reports.wait()
            assert message.startswith("Error L14 (certificate validation error)")
            assert rx.accepted == []
        await f.manager.aclose(timeout=0)
